"""Footprint by loadable segment and address, on small ELF files made for the test."""

import pytest

from wasmcu.measure.footprint import footprint

from conftest import link_elf

SOURCE = """
    .section .vectors, "aw"      @ writable flags, but placed in flash: counts in flash only
    .space 64
    .text
    .global _start
_start: .space 1000
    .section .rodata
    .space 200
    .data
    .space 24
    .section .ramfunc, "ax"      @ code copied to RAM at start: flash (load image) and RAM
    .space 100
    .section .tdata, "awT"
    .space 16
    .section .tbss, "awT", %nobits   @ a template: takes no RAM in the image itself
    .space 8
    .bss
    .space 300
"""

SCRIPT = """
MEMORY { flash (rx) : ORIGIN = 0x10000000, LENGTH = 64K  ram (rwx) : ORIGIN = 0x20000000, LENGTH = 32K }
__flash = 0x10000000; __flash_size = 64K; __ram = 0x20000000; __ram_size = 32K;
SECTIONS {
  .vectors : { KEEP(*(.vectors)) } > flash
  .text : { *(.text*) } > flash
  .rodata : { *(.rodata*) } > flash
  .data : { *(.data*) } > ram AT > flash
  .ramfunc : { *(.ramfunc*) } > ram AT > flash
  .tdata : { *(.tdata*) } > ram AT > flash
  .tbss : { *(.tbss*) } > ram
  .bss (NOLOAD) : { *(.bss*) } > ram
  .stack (NOLOAD) : { . += 2048; } > ram
}
"""


@pytest.fixture
def elf(tmp_path):
    return link_elf(tmp_path, SOURCE, SCRIPT)


def test_flash_and_ram_follow_load_and_run_addresses(elf):
    fp = footprint(elf)
    # flash: vectors + text + rodata + the load images of data, ramfunc and tdata
    assert fp.flash_bytes == 64 + 1000 + 200 + 24 + 100 + 16
    # RAM: data + ramfunc + tdata (once, although also in the TLS segment) + bss; the stack apart
    assert fp.ram_static_bytes == 24 + 100 + 16 + 300
    assert fp.stack_reserved_bytes == 2048


def test_regions_given_explicitly_win_over_the_image_symbols(elf):
    fp = footprint(elf, flash=(0, 0x1000), ram=(0x20000000, 0x8000))
    assert fp.flash_bytes == 0 and fp.ram_static_bytes == 440  # nothing is loaded at 0
