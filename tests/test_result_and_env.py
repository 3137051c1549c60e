"""The CLI contract's object for a result (wasmcu.model.Result.to_json) and environment numbers
without a unit or minimum given (wasmcu.env), in-process."""

import pytest

from wasmcu.env import env_float
from wasmcu.errors import ConfigError
from wasmcu.model import Cell, Draft, Result


def test_to_json_has_the_cell_every_field_the_sample_count_and_the_runtime_s_version():
    r = Result(Cell("crc16", 10, "c", "wasm3", "pico", "os"), "qemu", status="ok", checksum=5,
               samples_us=[1.0, 2.0, 3.0],
               provenance={"runtime": {"name": "wasm3", "version": "0.5.1", "source_sha256": "ab12", "from": "pypi"}})
    d = r.to_json()
    assert (d["workload"], d["n"], d["lang"], d["runtime"], d["device"], d["build"]) == ("crc16", 10, "c", "wasm3",
                                                                                        "pico", "os")
    assert "cell" not in d and d["backend"] == "qemu" and d["status"] == "ok" and d["checksum"] == 5
    assert d["samples"] == 3 and d["samples_us"] == [1.0, 2.0, 3.0]
    assert d["runtime_version"] == "0.5.1" and d["runtime_source_sha256"] == "ab12" and d["schema"] == Result.SCHEMA
    for provenance in ({}, {"runtime": "wasm3 0.5.1"}):   # no runtime record, or not a table
        d = Result(Cell("crc16", 10, "c", "native", "host"), "host", provenance=provenance).to_json()
        assert d["runtime_version"] is None and d["runtime_source_sha256"] is None and d["samples"] == 0


def test_a_draft_starts_as_a_result_does():
    cell = Cell("crc16", 10, "c", "wasm3", "pico")
    assert Draft(cell, "qemu").freeze() == Result(cell, "qemu")
    a, b = Draft(cell, "qemu"), Draft(cell, "qemu")
    a.extra["x"] = 1
    assert b.extra == {} and a.samples_us is not b.samples_us   # each draft its own lists and tables


def test_env_float_by_default_takes_any_number_above_zero_and_names_no_unit(monkeypatch):
    monkeypatch.setenv("WASMCU_X", "0.5")
    assert env_float("WASMCU_X", 2.0) == 0.5
    monkeypatch.setenv("WASMCU_X", "0")
    with pytest.raises(ConfigError) as err:
        env_float("WASMCU_X", 2.0)
    assert str(err.value) == "environment variable WASMCU_X='0' is not a number above 0 (unset it for the default, 2)"
