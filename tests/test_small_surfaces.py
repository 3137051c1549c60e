"""Small parts of the package's surface no larger test pins: the package's dir(), a board
check's JSON, the name a cross-compiler error gives its target."""

import wasmcu
from wasmcu import board_check, devices
from wasmcu.toolchains import mcu


def test_dir_lists_the_public_names_and_the_modules_own():
    names = dir(wasmcu)
    assert set(wasmcu.__all__) <= set(names) and "__version__" in names and "__name__" in names
    assert names == sorted(names)


def test_a_board_checks_json_is_ok_only_without_a_failed_step():
    pico = devices.discover()["pico-board"]
    steps = [board_check.Step("flash", board_check.OK, "written"), board_check.Step("clock", board_check.SKIP, "no timer")]
    assert board_check.to_json(pico, steps) == {
        "device": "pico-board", "ok": True,
        "steps": [{"name": "flash", "status": "ok", "detail": "written", "fix": None},
                  {"name": "clock", "status": "skip", "detail": "no timer", "fix": None}]}
    failed = board_check.to_json(pico, [*steps, board_check.Step("serial", board_check.FAIL, "silent", "wire it")])
    assert failed["ok"] is False and failed["steps"][-1]["fix"] == "wire it"


def test_a_cross_target_is_named_by_its_core_and_its_compiler():
    devs = devices.discover()
    assert mcu._target_name(mcu.arch_of(devs["pico"])) == "thumbv6m (arm-none-eabi with picolibc)"
    assert mcu._target_name(mcu.arch_of(devs["esp32c6"])) == "riscv32imac (riscv64-unknown-elf with picolibc)"


def test_each_public_name_is_the_api_modules_own_imported_on_first_use_and_kept(monkeypatch):
    import importlib

    import pytest

    for name, module in wasmcu._PUBLIC.items():
        monkeypatch.delitem(vars(wasmcu), name, raising=False)  # first use: not yet kept
        value = wasmcu.__getattr__(name)
        assert value is getattr(importlib.import_module(f"wasmcu.{module}"), name), name
        assert vars(wasmcu)[name] is value, name
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        wasmcu.__getattr__("nope")
