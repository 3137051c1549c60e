"""The ESP32-C6: a RISC-V RV32IMAC core at 160 MHz, 512 KB of HP SRAM, flash through a cache.

wasmcu's image is loaded into SRAM by the ROM loader (esptool's image format,
`flasher.py`), which also writes it; the firmware prints on UART0."""

from __future__ import annotations

from pathlib import Path

from ..chip import Chip, register
from .flasher import esp_image

# The chip's own USB-Serial-JTAG (Espressif's USB vendor 303a, product 1001): it carries the
# ROM loader but not UART0, where the firmware prints.
USB_SERIAL_JTAG = (0x303A, 0x1001)
ESP_UART0 = ("the firmware prints on UART0 (U0TXD = GPIO16, U0RXD = GPIO17), which the USB-Serial-JTAG port does "
             "not carry: connect the board's USB-UART connector (a CP210x or CH34x bridge, often marked UART), or a "
             "USB-serial adapter on GPIO16/17, and name its port with [board] port or WASMCU_BOARD_PORT")


def unusable_port(port) -> str | None:
    """The USB-Serial-JTAG port cannot carry the firmware's output (a USB-UART bridge's can)."""
    if (port.vid, port.pid) == USB_SERIAL_JTAG:
        return f"the ESP32-C6's USB-Serial-JTAG port: {ESP_UART0}"
    return None


CHIP = register(Chip(
    name="esp32c6", arch="rv32imac",
    # the ROM loader copies the image's segments into HP SRAM (0x40800000-0x4087FFFF): code,
    # read-only data and .data's initial values in the first 320 KB, clear of the ROM's own data
    # at the top while it loads; .data, .bss, heap and stack in the last 192 KB
    flash=0x40800000, flash_size=320 * 1024, ram=0x40850000, ram_size=192 * 1024,
    startup=Path(__file__).with_name("startup.c"),
    image="esp", make_image=esp_image, flashers=("esptool",),
    timer="ESP32-C6 SYSTIMER (16 MHz, divided per call)",
    usb_vids={0x303A: "Espressif USB-Serial-JTAG", 0x10C4: "CP210x USB-UART", 0x1A86: "CH34x USB-UART"},
    unusable_port=unusable_port,
))
