"""The nRF5340's application core: a Cortex-M33 at 64 or 128 MHz, 512 KB RAM, 1 MB flash.

It has a single-precision FPU. The ELF is programmed by pyOCD through the DK's J-Link; the firmware
prints on UARTE0, the last of the J-Link's virtual COM ports."""

from __future__ import annotations

from pathlib import Path

from ..chip import Chip, elf_bytes, register
from ..pyocd_flasher import PyOCD  # noqa: F401  (registers `pyocd`)


def _interface(port) -> int:
    """The USB interface number of a serial port (pyserial's location ends in ':<config>.<interface>')."""
    try:
        return int(str(port.location).rsplit(".", 1)[1])
    except (IndexError, ValueError):
        return 0


def choose_port(usable: list) -> tuple[str, str]:
    """The nRF5340 DK's J-Link exposes two or three virtual COM ports and the application core's
    UARTE0 is the last one (nRF Connect SDK, Working with the nRF5340 DK: v1.0.0 has three, the
    first for the network core, the last for the application core; v2.0.0 has two, the second
    for the application core's UART0): the highest USB interface of the probe."""
    probe = [p for p in usable if p.serial_number == usable[0].serial_number]
    port = max(probe, key=_interface)
    return port.device, (f"{port.device}: the last of the {len(probe)} virtual COM ports of probe "
                         f"{port.serial_number or '?'} (the application core's UARTE0)")


CHIP = register(Chip(
    name="nrf5340", arch="armv8m",
    flash=0x00000000, flash_size=1024 * 1024, ram=0x20000000, ram_size=512 * 1024,
    startup=Path(__file__).with_name("startup.c"),
    image="elf", make_image=elf_bytes, flashers=("pyocd",),
    timer="nRF5340 TIMER0 (1 MHz); cycles from the DWT counter (32 bits, 128 MHz)",
    usb_vids={0x1366: "SEGGER J-Link virtual COM port", 0x0D28: "CMSIS-DAP virtual COM port"},
    # pyOCD's name comes from Nordic's CMSIS device pack
    pyocd_target="nrf5340_xxaa_app", choose_port=choose_port,
))
