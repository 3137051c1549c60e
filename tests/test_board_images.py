"""The ESP32-C6 and nRF5340 images, checked structurally against the chips' documents (no
board here): image header, checksum and hash, entry point and load addresses (ESP32-C6,
with esptool's own image tools); vector table, entry and memory map (nRF5340)."""

import contextlib
import io
import os
import struct

import pytest
from elftools.elf.elffile import ELFFile

from wasmcu import devices, workloads
from wasmcu.workloads.kernel_source import kernel_source
from wasmcu.backends.board import board_settings, chip_image
from wasmcu.backends.qemu import QemuBackend
from wasmcu.errors import ConfigError

from conftest import bench_json

pytestmark = [pytest.mark.slow, pytest.mark.qemu]


@pytest.fixture(scope="module")
def env():
    return workloads.discover(), devices.discover()


def build(env, device, chip, runtime):
    wls, devs = env
    elf, _ = QemuBackend().build(runtime, kernel_source(wls["crc16"], 100, "c"), devs[device], "-O2", chip=chip)
    return elf


@pytest.mark.parametrize("runtime", ["native", "wasm3"])
def test_esp32c6_image_is_what_the_rom_loader_accepts(env, runtime):
    from esptool.bin_image import LoadFirmwareImage
    from esptool.cmds import image_info

    elf = build(env, "esp32c6-board", "esp32c6", runtime)
    image = chip_image("esp32c6", elf)
    assert image[0] == 0xE9  # ESP_IMAGE_MAGIC
    img = LoadFirmwareImage("esp32c6", image)
    assert img.chip_id == 13 and img.append_digest  # ESP32-C6; a SHA-256 over the image is appended
    img.verify()  # raises on a bad checksum or hash
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        image_info(image, chip="esp32c6")
    assert "Checksum" in out.getvalue() and "(valid)" in out.getvalue() and "ESP32-C6" in out.getvalue()
    # every segment in HP SRAM below 0x40850000 (clear of the ROM loader's own data at the top
    # of the 512 KB at 0x40800000), the entry point in a segment: picolibc's _start
    for seg in img.segments:
        assert 0x40800000 <= seg.addr and seg.addr + len(seg.data) <= 0x40850000, hex(seg.addr)
    assert any(s.addr <= img.entrypoint < s.addr + len(s.data) for s in img.segments)
    with open(elf, "rb") as f:
        e = ELFFile(f)
        assert img.entrypoint == e.header.e_entry == e.get_section_by_name(".symtab").get_symbol_by_name("_start")[0][
            "st_value"]
        names = {s.name for s in e.get_section_by_name(".symtab").iter_symbols()}
    assert {"wasmcu_chip_timer_us", "esp32c6_init"} <= names


@pytest.mark.parametrize("runtime", ["native", "wasm3"])
def test_nrf5340_image_has_its_vector_table_at_zero_and_fits_the_application_core(env, runtime):
    elf = build(env, "nrf5340-board", "nrf5340", runtime)
    with open(elf, "rb") as f:
        e = ELFFile(f)
        loads = [s for s in e.iter_segments() if s["p_type"] == "PT_LOAD"]
        at_zero = next(s for s in loads if s["p_paddr"] == 0)
        sp, reset = struct.unpack_from("<II", at_zero.data())
        symbols = e.get_section_by_name(".symtab")
        start = symbols.get_symbol_by_name("_start")[0]["st_value"]
        entry = e.header.e_entry
        names = {s.name for s in symbols.iter_symbols()}
    # Armv8-M: word 0 the initial main stack pointer (top of RAM, 8-byte aligned), word 1 the
    # reset handler with the Thumb bit
    assert 0x20000000 < sp <= 0x20080000 and sp % 8 == 0
    assert reset & 1 and reset & ~1 == start & ~1 == entry & ~1
    for s in loads:  # flash 0x00000000-0x000FFFFF, RAM 0x20000000-0x2007FFFF (application core)
        lo, hi = s["p_paddr"], s["p_paddr"] + s["p_filesz"]
        assert hi <= 0x100000 or (0x20000000 <= lo and hi <= 0x20080000), hex(lo)
        vlo, vhi = s["p_vaddr"], s["p_vaddr"] + s["p_memsz"]
        assert vhi <= 0x100000 or (0x20000000 <= vlo and vhi <= 0x20080000), hex(vlo)
    assert {"wasmcu_chip_timer_us", "wasmcu_chip_cycles", "nrf5340_init"} <= names
    assert chip_image("nrf5340", elf) == elf.read_bytes()


def test_chip_and_arch_must_agree(tmp_path, env):
    _, devs = env
    text = (devs["nrf5340-board"].file.read_text().replace('arch = "armv8m"', 'arch = "armv6m"')
            .replace('core = "cortex-m33"', 'core = "cortex-m0plus"'))
    (tmp_path / "x.toml").write_text(text)
    with pytest.raises(ConfigError, match="chip 'nrf5340' is armv8m, the profile says arch = 'armv6m'"):
        board_settings(devices.load_profile(tmp_path / "x.toml"))


def test_esptool_flasher_on_a_missing_port_is_a_clear_cell_error(db):
    proc, cells = bench_json("--device", "esp32c6-board", "--runtime", "native", "--workload", "crc16:4", "--lang",
                             "c", "--db", str(db), env={"WASMCU_BOARD_PORT": "/dev/nonexistent-wasmcu"})
    assert proc.returncode == 1 and cells[0]["status"] == "error"
    assert "cannot reach the ESP32-C6's ROM loader on /dev/nonexistent-wasmcu" in cells[0]["error"]


def test_pyocd_flasher_without_a_probe_is_a_clear_cell_error(db):
    master, slave = os.openpty()  # a serial port that opens, with no probe behind it
    try:
        proc, cells = bench_json("--device", "nrf5340-board", "--runtime", "native", "--workload", "crc16:4",
                                 "--lang", "c", "--db", str(db), env={"WASMCU_BOARD_PORT": os.ttyname(slave)})
    finally:
        os.close(master)
        os.close(slave)
    assert proc.returncode == 1 and cells[0]["status"] == "error"
    assert "no debug probe is connected" in cells[0]["error"], cells[0]["error"]


def test_pyocd_names_the_pack_to_install_for_the_nrf5340_and_knows_the_rp2040():
    from wasmcu.chips.pyocd_flasher import check_target as _check_pyocd_target
    from wasmcu.errors import BoardError
    from pyocd.target.pack.pack_target import ManagedPacks

    _check_pyocd_target("rp2040")  # built into pyOCD: nothing to install
    if any(t.part_number.lower() == "nrf5340_xxaa_app" for t in ManagedPacks.get_installed_targets()):
        pytest.skip("Nordic's device pack is installed here")
    with pytest.raises(BoardError, match=r"pyocd pack install nrf5340_xxaa_app"):
        _check_pyocd_target("nrf5340_xxaa_app")
