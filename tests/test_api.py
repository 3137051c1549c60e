"""The Python API (wasmcu.api): plan, bench, load as a DataFrame, report, on the host."""

import dataclasses

import pandas as pd
import pytest

from wasmcu import api
from wasmcu.errors import WasmcuError
from wasmcu.model import Cell, Result
from wasmcu.store import Store, StoreError

FIELDS = [f.name for f in dataclasses.fields(Result) if f.name not in ("cell", "provenance")]


def test_plan_takes_names_as_the_cli_does():
    cells = api.plan(devices="host", runtimes="native,wasm3", workloads="crc16:100", langs="c")
    assert cells == [Cell("crc16", 100, "c", "native", "host"), Cell("crc16", 100, "c", "wasm3", "host")]
    assert api.plan(devices=["host"], runtimes=("native", "wasm3"), workloads=["crc16:100"], langs=["c"]) == cells
    both = api.plan(devices="pico", runtimes="wasm3", workloads="crc16:100", langs="c", firmware_cc=["gcc", "clang"])
    assert len(both) == 2 and len(set(both)) == 2  # one cell per firmware compiler
    paper = api.plan()  # the paper suite with each backend's default runtimes
    assert {c.workload for c in paper} == {"bubblesort", "crc16"} and {c.device for c in paper} >= {"host", "pico"}


def test_plan_and_bench_refuse_bad_input_saying_what_was_wrong(tmp_path):
    with pytest.raises(WasmcuError, match="unknown runtime 'wasm4'"):
        api.plan(devices="host", runtimes="wasm4")
    with pytest.raises(WasmcuError, match="runtimes: expected names"):
        api.plan(runtimes=[3])
    with pytest.raises(WasmcuError, match=r"repeat \(--repeat\) must be a positive number, got 0"):
        api.bench(devices="host", repeat=0, db=tmp_path / "s.sqlite")
    with pytest.raises(WasmcuError, match=r"mixed_versions \(--mixed-versions\) applies to the workers of a cluster"):
        api.bench(devices="host", mixed_versions=True, db=tmp_path / "s.sqlite")
    with pytest.raises(WasmcuError, match="are for a Dask cluster"):
        api.bench(devices="host", tls_ca="ca.pem", db=tmp_path / "s.sqlite")
    with pytest.raises(WasmcuError, match=r"coordinator \(--coordinator\) applies to a board farm"):
        api.bench(devices="host", coordinator="127.0.0.1:20408", db=tmp_path / "s.sqlite")
    with pytest.raises(WasmcuError, match="do not go together"):
        api.bench(devices="pico-board", place="pico-a", cluster="tcp://127.0.0.1:1", db=tmp_path / "s.sqlite")
    assert not (tmp_path / "s.sqlite").exists()  # refused before anything is stored


def _result(runtime, **kw):
    return Result(Cell("crc16", 10, "c", runtime, "host"), "host", **kw)


def test_to_frame_has_every_field_and_flattens_provenance():
    a = _result("native", status="ok", checksum=0xFFFF_FFFF, expected=0xFFFF_FFFF, time_us=2.5,
                time_us_ci=[2.4, 2.6], samples_us=[2.5, 2.4], extra={"binding_us": 0.1},
                provenance={"build": {"flags": ["-O2"], "cc": "clang"}, "worker": "w1", "empty": {}})
    b = _result("wamr-fast", status="unsupported", error="no WAMR", provenance={"build": {"cc": "gcc"}})
    frame = api.to_frame([a, b], run_id=7)
    assert list(frame.columns[:8]) == ["run_id", "workload", "n", "lang", "runtime", "device", "build", "backend"]
    assert set(FIELDS) <= set(frame.columns) and "provenance" not in frame.columns
    assert {"provenance.build.flags", "provenance.build.cc", "provenance.worker", "provenance.empty"} <= set(frame)
    assert len(frame) == 2 and list(frame["run_id"]) == [7, 7]
    first, second = frame.iloc[0], frame.iloc[1]
    assert first["checksum"] == 0xFFFF_FFFF and str(frame["checksum"].dtype) == "Int64"  # exact, not a float
    assert first["provenance.build.flags"] == ["-O2"] and first["provenance.build.cc"] == "clang"
    assert second["provenance.build.cc"] == "gcc" and pd.isna(second["provenance.worker"])
    assert pd.isna(second["checksum"]) and pd.isna(second["time_us"]) and second["error"] == "no WAMR"
    assert first["samples_us"] == [2.5, 2.4] and first["extra"] == {"binding_us": 0.1}
    assert first["time_us_ci"] == [2.4, 2.6]
    empty = api.to_frame([])
    assert len(empty) == 0 and set(FIELDS) <= set(empty.columns)


@pytest.mark.slow
def test_bench_load_runs_and_report_on_the_host(tmp_path):
    db = tmp_path / "nb.sqlite"
    seen = []
    run = api.bench(devices="host", runtimes="native,wasm3", workloads="crc16:10", langs="c", repeat=3,
                    db=db, on_result=lambda r, done, total: seen.append((r.cell.runtime, done, total)))
    assert run.ok and not run.failed and run.db == db and run.run_id == 1
    assert sorted(seen) == [("native", 1, 2), ("wasm3", 2, 2)] or sorted(seen) == [("native", 2, 2), ("wasm3", 1, 2)]
    assert [r.cell.runtime for r in run.results] == ["native", "wasm3"]

    frame = api.load(db)
    assert len(frame) == 2 and set(frame["status"]) == {"ok"} and set(frame["run_id"]) == {1}
    assert (frame["checksum"] == frame["expected"]).all() and (frame["time_us"] > 0).all()
    assert frame["samples_us"].map(len).tolist() == [3, 3]
    assert frame["provenance.build.flags"].notna().all()
    for result, (_, row) in zip(api.results(db), frame.iterrows()):  # the same values as `bench --json`
        doc = result.to_json()
        for name in FIELDS:
            assert row[name] == doc[name] or (doc[name] is None and pd.isna(row[name])), name
    pd.testing.assert_frame_equal(run.frame(), frame)

    listed = api.runs(db)
    assert listed[["id", "state", "cells"]].values.tolist() == [[1, "complete", 2]]
    assert listed["finished"][0] >= listed["started"][0]

    files = api.report(tmp_path / "rep", db=db, workload="crc16:10")
    assert {p.name for p in files} >= {"report.html", "results.csv", "time.png"}
    assert "2 cells: 2 ok, 0 unsupported, 0 failed" in (tmp_path / "rep" / "report.html").read_text()


def test_load_names_a_missing_run_and_a_damaged_store(tmp_path):
    db = tmp_path / "s.sqlite"
    with Store(db) as s:
        run = s.begin_run({}, [], {})
        s.add_result(run, _result("native", status="ok", checksum=1, expected=1))
    assert len(api.load(db)) == 1
    with pytest.raises(WasmcuError, match=r"there is no run 5 in .*s.sqlite \(its runs: 1\)"):
        api.load(db, run=5)
    with pytest.raises(WasmcuError, match="there is no run 5"):
        api.report(tmp_path / "rep", db=db, run=5)
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a store\n" * 100)
    with pytest.raises(StoreError, match="bad.sqlite is not a readable wasmcu store"):
        api.load(bad)


@pytest.mark.parametrize("call, argv, message", [
    (lambda: api.validate("esp32c6"), ["validate", "--device", "esp32c6"],
     "wasmcu validate compares an emulated RP2040 with rp2040js; 'esp32c6' is qemu/rv32imac (use --device pico)"),
    (lambda: api.validate("pico", fitted="nrf5340"), ["validate", "--device", "pico", "--fitted", "nrf5340"],
     "--fitted nrf5340 is a cortex-m33 profile, not cortex-m0plus"),
])
def test_validate_refuses_the_same_input_from_the_cli_and_the_api(call, argv, message):
    from conftest import wasmcu

    with pytest.raises(WasmcuError) as exc:
        call()
    assert str(exc.value) == message
    proc = wasmcu(*argv)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_recost_of_a_store_without_emulated_cells_is_the_same_error_from_the_cli_and_the_api(tmp_path):
    from conftest import wasmcu

    import tomli_w

    from wasmcu.devices import discover

    db = tmp_path / "host.sqlite"
    with Store(db) as s:
        run = s.begin_run({})
        s.add_result(run, Result(cell=Cell("crc16", 4, "c", "native", "host"), backend="host", status="ok"))
        s.finish_run(run, "complete")
    model = tmp_path / "model.toml"
    model.write_text(tomli_w.dumps({"cycle_model": discover()["pico"].cycle_model.as_dict()}))
    with pytest.raises(WasmcuError, match="no stored emulated cell with event counts matches") as exc:
        api.recost(model, db=db)
    proc = wasmcu("recost", "--model", str(model), "--db", str(db))
    assert proc.returncode == 2 and str(exc.value) in proc.stderr, proc.stderr
