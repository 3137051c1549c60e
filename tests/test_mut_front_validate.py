"""wasmcu.validate.validate_device in the test process: which cells it plans for the rp2040js
cross-check (its device, runtimes, workloads, languages and device folders are passed on), which
devices and fitted profiles it refuses, and the fitted table it gives back. The cross-check
itself (rp2040js, QEMU) is replaced by a recorder: tests/test_validate.py runs the real one."""

import pytest

from wasmcu import validate as vmod
from wasmcu.errors import WasmcuError
from wasmcu.model import Cell


@pytest.fixture
def seen(monkeypatch):
    """What validate_device hands to the cross-check: (workloads, device, cells, fitted table)."""
    calls = []

    def record(workloads, device, cells, fitted=None):
        calls.append((workloads, device, cells, fitted))
        return [f"check of {c.key}" for c in cells]

    monkeypatch.setattr(vmod, "validate", record)
    return calls


def _profiles(tmp_path):
    d = tmp_path / "profiles"
    d.mkdir()
    (d / "picolike.toml").write_text('extends = "pico"\nname = "picolike"\ndescription = "a pico of my own"\n')
    (d / "picolike-fitted.toml").write_text(
        'extends = "pico"\nname = "picolike-fitted"\ndescription = "fitted"\n[cycle_model]\nmul = 3\n')
    (d / "m33-fitted.toml").write_text('extends = "nrf5340"\nname = "m33-fitted"\ndescription = "fitted m33"\n')
    (d / "picoboard2.toml").write_text('extends = "pico-board"\nname = "picoboard2"\ndescription = "a board"\n')
    return d


def test_by_default_it_checks_the_paper_suites_pico_cells(seen):
    checks, fitted = vmod.validate_device()
    assert fitted is None
    ((wls, dev, cells, table),) = seen
    assert dev.name == "pico" and table is None
    assert cells and all(c.device == "pico" for c in cells)
    assert {c.workload for c in cells} == {"bubblesort", "crc16"}  # the paper suite's, not every workload
    assert {(c.workload, c.n) for c in cells} == {("bubblesort", 100), ("bubblesort", 1000), ("crc16", 100)}
    assert {c.lang for c in cells} == {"c", "rust"}
    assert set(wls) >= {"bubblesort", "crc16"}
    assert checks == [f"check of {c.key}" for c in cells]


def test_the_runtimes_workloads_and_languages_asked_for_are_the_cells(seen):
    checks, fitted = vmod.validate_device("pico", "native", "crc32:1024", "c")
    ((wls, dev, cells, _),) = seen
    assert cells == [Cell("crc32", 1024, "c", "native", "pico")]
    assert "crc32" in wls and wls["crc32"].name == "crc32"
    assert checks == ["check of " + cells[0].key] and fitted is None
    seen.clear()
    vmod.validate_device("pico", "native,wasm3", "crc16:100", "rust")
    ((_, _, cells, _),) = seen
    assert sorted((c.runtime, c.lang, c.n) for c in cells) == [("native", "rust", 100), ("wasm3", "rust", 100)]


def test_a_device_of_a_device_folder_is_checked_with_that_folder(seen, tmp_path):
    folder = _profiles(tmp_path)
    with pytest.raises(WasmcuError, match="picolike"):
        vmod.validate_device("picolike", "native", "crc16:100", "c")  # not without its folder
    vmod.validate_device("picolike", "native", "crc16:100", "c", device_dirs=[folder])
    ((_, dev, cells, _),) = seen
    assert dev.name == "picolike" and cells == [Cell("crc16", 100, "c", "native", "picolike")]


def test_a_fitted_profile_of_the_same_core_gives_its_cost_table(seen, tmp_path):
    folder = _profiles(tmp_path)
    checks, fitted = vmod.validate_device("pico", "native", "crc16:100", "c", fitted="picolike-fitted",
                                          device_dirs=(folder,))
    ((_, dev, _, table),) = seen
    assert table is fitted and fitted is not None
    assert fitted.as_dict() != dev.cycle_model.as_dict()  # the fitted profile's table, not the device's
    from wasmcu.devices import discover

    assert fitted.as_dict() == discover([folder])["picolike-fitted"].cycle_model.as_dict()


def test_an_unknown_fitted_profile_is_refused_naming_the_known_ones(seen, tmp_path):
    folder = _profiles(tmp_path)
    with pytest.raises(WasmcuError) as exc:
        vmod.validate_device("pico", "native", "crc16:100", "c", fitted="nosuch-fitted", device_dirs=[folder])
    from wasmcu.devices import discover

    known = ", ".join(discover([folder]))
    assert "picolike-fitted" in known
    assert str(exc.value) == (f"unknown device 'nosuch-fitted' for --fitted; known: {known} (wasmcu calibrate "
                              "writes NAME-fitted.toml; add its folder with --device-dir)")
    with pytest.raises(WasmcuError) as exc:
        vmod.validate_device("pico", "native", "crc16:100", "c", fitted="m33-fitted", device_dirs=[folder])
    assert str(exc.value) == "--fitted m33-fitted is a cortex-m33 profile, not cortex-m0plus"
    assert seen == []  # refused before anything runs


@pytest.mark.parametrize("device, what", [("esp32c6", "qemu/rv32imac"), ("host", "host/"),
                                          ("pico-board", "board/armv6m"), ("picoboard2", "board/armv6m")])
def test_only_an_emulated_rp2040_is_checked(seen, tmp_path, device, what):
    folder = _profiles(tmp_path)
    with pytest.raises(WasmcuError) as exc:
        vmod.validate_device(device, "native", "crc16:100", "c", device_dirs=[folder])
    from wasmcu.devices import discover

    dev = discover([folder])[device]
    assert what.startswith(f"{dev.backend}/")
    assert str(exc.value) == (f"wasmcu validate compares an emulated RP2040 with rp2040js; '{device}' is "
                              f"{dev.backend}/{dev.arch} (use --device pico)")
    assert seen == []


def test_the_api_validates_the_pico_by_default_and_names_a_bad_argument(seen):
    from wasmcu import api

    api.validate(runtimes=["native"], workloads="crc16:100", langs=("c",))
    ((_, dev, cells, _),) = seen
    assert dev.name == "pico" and cells == [Cell("crc16", 100, "c", "native", "pico")]
    for kw, what in ((dict(runtimes=3), "runtimes"), (dict(workloads=3), "workloads"), (dict(langs=3), "langs")):
        with pytest.raises(WasmcuError, match=f"^{what}: expected a comma-separated string or a list of names"):
            api.validate(**kw)
