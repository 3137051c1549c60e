"""Small contracts around the board and the module readers: whether a board run measures energy
(and why not), the board's serial port chosen for a chip object, a module's static data need,
an entry's signature as the error shows it, and Embench's port file in the cache."""

from pathlib import Path

import pytest

from conftest import wat2wasm

from wasmcu import devices
from wasmcu.backends import board
from wasmcu.backends.linear_memory import data_need
from wasmcu.chips.chip import get as get_chip
from wasmcu.workloads import embench
from wasmcu.workloads.module_check import _signature


# --- does a board run measure energy ------------------------------------------------------------

def test_a_board_with_a_ppk2_in_its_profile_but_none_connected(monkeypatch):
    pico = devices.discover()["pico-board"]
    monkeypatch.delenv("WASMCU_PPK2_PORT", raising=False)
    monkeypatch.setattr(board, "find_ppk2", lambda: [])
    assert board.power_meter(pico, "pyocd") == (
        None, "no PPK2 connected: energy not measured (the profile has [power.ppk2])")
    monkeypatch.setattr(board, "find_ppk2", lambda: ["/dev/ttyACM4"])     # one connected: its settings
    s, why = board.power_meter(pico, "pyocd")
    assert why is None and (s.voltage_mv, s.scope, s.port) == (5000, "board", None)
    monkeypatch.setattr(board, "find_ppk2", lambda: [])
    monkeypatch.setenv("WASMCU_PPK2_PORT", "/dev/ttyACM8")                # named: not looked for
    s, why = board.power_meter(pico, "pyocd")
    assert why is None and s.port == "/dev/ttyACM8"


def test_a_board_without_a_ppk2_measures_no_energy_and_says_nothing():
    assert board.power_meter(devices.discover()["pico"], "pyocd") == (None, None)


# --- the port of a chip given as an object ---------------------------------------------------

class _Port:
    def __init__(self, device, vid, description="Debugprobe on Pico (CMSIS-DAP)"):
        self.device, self.vid, self.pid, self.description = device, vid, 0x000C, description
        self.serial_number, self.location = "E6614103", "1-1:1.1"


def test_the_port_is_found_for_a_chip_object_as_for_its_name(monkeypatch):
    from serial.tools import list_ports

    from wasmcu.chips.console import find_port

    ports = [_Port("/dev/ttyUSB0", 0x0403, "FT232R"), _Port("/dev/ttyACM0", 0x2E8A)]
    monkeypatch.setattr(list_ports, "comports", lambda: ports)
    chip = get_chip("rp2040")
    assert find_port(chip) == find_port("rp2040") == (
        "/dev/ttyACM0", "/dev/ttyACM0: Raspberry Pi debug probe or USB-serial (Debugprobe on Pico (CMSIS-DAP))")


# --- a module's static data ---------------------------------------------------------------------

def test_the_heap_base_is_found_past_imported_globals(tmp_path):
    wasm = wat2wasm('(module (import "env" "g0" (global i32)) (import "env" "g1" (global i32)) (memory 1)'
                    ' (global i32 (i32.const 7)) (global (export "__heap_base") i32 (i32.const 4097))'
                    ' (global i32 (i32.const 99999)))', tmp_path)
    assert data_need(wasm) == 4104


@pytest.mark.parametrize("wat, need", [
    ('(module (memory 1) (global (export "__heap_base") i32 (i32.const 4096)))', 4096),   # a multiple of 8 stays
    ('(module (memory 1) (global (export "__heap_base") i32 (i32.const 1)))', 8),
    # the imported global itself: its value is not in the module
    ('(module (import "env" "hb" (global i32)) (memory 1) (export "__heap_base" (global 0)))', None),
    # not a constant
    ('(module (import "env" "hb" (global i32)) (memory 1) (global (export "__heap_base") i32 (global.get 0)))', None),
    # not a global
    ('(module (memory 1) (func (export "__heap_base")))', None),
])
def test_the_data_need_of_modules_that_export_their_heap_base_in_other_ways(tmp_path, wat, need):
    assert data_need(wat2wasm(wat, tmp_path)) == need


def test_what_is_no_module_has_no_data_need():
    assert data_need(b"\x00asm\x01\x00\x00\x00\x07\x09") is None
    assert data_need(b"not wasm") is None


# --- an entry's signature in an error -----------------------------------------------------------

def test_a_signature_names_its_types_and_shows_an_unknown_one_in_hex():
    assert _signature(((0x7F,), (0x7F,))) == "(i32) -> i32"
    assert _signature(((), ())) == "() -> ()"
    assert _signature(((0x7E, 0x7D, 0x7C, 0x7B), (0x70, 0x6F))) == "(i64, f32, f64, v128) -> (funcref, externref)"
    assert _signature(((0x7F, 0x63), (0x64,))) == "(i32, 0x63) -> 0x64"


# --- Embench's port file ---------------------------------------------------------------------

def test_the_port_file_is_written_once_into_the_cache_and_again_when_it_went_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("WASMCU_CACHE", str(tmp_path / "cache"))
    d = embench._port_dir()
    assert d.parent == tmp_path / "cache" / "embench-port"
    assert (d / embench.PORT_NAME).read_text() == embench.PORT_C
    (d / embench.PORT_NAME).unlink()                  # the file is gone, its folder is not
    assert embench._port_dir() == d
    assert (d / embench.PORT_NAME).read_text() == embench.PORT_C
    assert sorted(p.name for p in d.iterdir()) == [embench.PORT_NAME]     # no temporary file left


def test_the_port_file_goes_under_the_xdg_cache_without_a_wasmcu_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("WASMCU_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    d = embench._port_dir()
    assert d.parent == tmp_path / "xdg" / "wasmcu" / "embench-port" and (d / embench.PORT_NAME).is_file()
    assert len(d.name) == 16
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert embench._port_dir().parent == Path(tmp_path / "home" / ".cache" / "wasmcu" / "embench-port")
