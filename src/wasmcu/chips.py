"""The real chips wasmcu builds firmware for, each declared once.

Each declares the chip layer's source (backends/firmware/chips/), the memory map the image
is linked for, the image format and flashers, the USB serial ports to look for, and what
times the call.

A new chip is one entry here and one C file with its start-up, console and timer."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Chip:
    source: str                      # the chip layer, under backends/firmware/
    arch: str                        # devices/arch/<arch>.toml
    flash: int                       # where the image is linked (picolibc.ld's flash region) ...
    flash_size: int
    ram: int                         # ... and its RAM region (data, heap, stack)
    ram_size: int
    image: str                       # "uf2", "esp" (ROM-loader image) or "elf"
    flashers: tuple[str, ...]        # the first is the default
    timer: str                       # what times the call (the firmware's time_us)
    timer_resolution_us: float = 1
    usb_vids: dict[int, str] = field(default_factory=dict)  # serial ports to look for when none is named


CHIPS = {
    # the image starts after the 256 bytes of second-stage boot
    "rp2040": Chip("chips/rp2040.c", "armv6m", 0x10000100, 2 * 1024 * 1024 - 0x100, 0x20000000, 264 * 1024,
                   "uf2", ("uf2-drive", "picotool", "pyocd", "rp2040js"), "RP2040 TIMER (1 MHz); cycles from SysTick (24 bits)",
                   usb_vids={0x2E8A: "Raspberry Pi debug probe or USB-serial"}),
    # the ROM loader copies the image's segments into HP SRAM (0x40800000-0x4087FFFF): code,
    # read-only data and .data's initial values in the first 320 KB, clear of the ROM's own data
    # at the top while it loads; .data, .bss, heap and stack in the last 192 KB
    "esp32c6": Chip("chips/esp32c6.c", "rv32imac", 0x40800000, 320 * 1024, 0x40850000, 192 * 1024,
                    "esp", ("esptool",), "ESP32-C6 SYSTIMER (16 MHz, divided per call)",
                    usb_vids={0x303A: "Espressif USB-Serial-JTAG", 0x10C4: "CP210x USB-UART",
                              0x1A86: "CH34x USB-UART"}),
    "nrf5340": Chip("chips/nrf5340.c", "armv8m", 0x00000000, 1024 * 1024, 0x20000000, 512 * 1024,
                    "elf", ("pyocd",), "nRF5340 TIMER0 (1 MHz); cycles from the DWT counter (32 bits, 128 MHz)",
                    usb_vids={0x1366: "SEGGER J-Link virtual COM port", 0x0D28: "CMSIS-DAP virtual COM port"}),
}
