"""The RP2040 (Raspberry Pi Pico): dual Cortex-M0+ at 125 MHz, 264 KB SRAM, 2 MB flash.

Its flash is QSPI, run in place through a cache. Images are UF2 files with wasmcu's second-stage boot (`uf2.py`,
`boot2.S`), written by its BOOTSEL drive, picotool or pyOCD (`flashers.py`); rp2040js emulates it."""

from __future__ import annotations

from pathlib import Path

from ..pyocd_flasher import PyOCD  # noqa: F401  (registers `pyocd`)
from ..chip import Chip, register
from . import flashers  # noqa: F401  (registers `uf2-drive`, `picotool`, `rp2040js`)
from .uf2 import FLASH, flash_contents, pico_uf2

CHIP = register(Chip(
    name="rp2040", arch="armv6m",
    # the image starts after the 256 bytes of second-stage boot
    flash=0x10000100, flash_size=2 * 1024 * 1024 - 0x100, ram=0x20000000, ram_size=264 * 1024,
    startup=Path(__file__).with_name("startup.c"),
    image="uf2", make_image=pico_uf2, flash_contents=flash_contents, flash_base=FLASH,
    flashers=("uf2-drive", "picotool", "pyocd", "rp2040js"),
    timer="RP2040 TIMER (1 MHz); cycles from SysTick (24 bits)",
    usb_vids={0x2E8A: "Raspberry Pi debug probe or USB-serial"},
    pyocd_target="rp2040",
))
