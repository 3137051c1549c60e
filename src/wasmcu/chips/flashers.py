"""Flashers: how an image gets onto a board and its report comes back, one class each, by name.

A flasher implements :class:`Flasher` (labgrid's driver/protocol split: the board backend
calls the protocol, never a flasher by name) and registers with :func:`register`; a chip
names the flashers that can write its image (`Chip.flashers`). The default `run` opens the
board's console, writes the image (`flash`) and reads the report; a flasher that reaches the
board another way (the ESP32-C6's ROM loader on the console port, an emulator) overrides `run`.
"""

from __future__ import annotations

from ..errors import ConfigError
from .chip import Chip
from .console import check_port, find_port, open_port, read_report


class Flasher:
    """Writes an image to a board and returns what the board printed up to `@wasmcu end`."""

    name: str = ""
    summary: str = ""
    uses_console: bool = True  # the report comes over the board's serial port (`settings["port"]`)

    def flash(self, image: bytes, settings: dict, chip: Chip) -> None:
        """Write the image and start it (the console is already open and drained)."""
        raise NotImplementedError

    def run(self, image: bytes, settings: dict, chip: Chip, timeout_s: float, stamps: list | None = None) -> str:
        port = settings["port"] or find_port(chip)[0]
        check_port(chip, port)
        with open_port(port) as serial_port:
            serial_port.reset_input_buffer()
            self.flash(image, settings, chip)
            return read_report(serial_port, timeout_s, stamps)


FLASHERS: dict[str, Flasher] = {}


def register(cls: type[Flasher]) -> type[Flasher]:
    """Class decorator: declare a flasher."""
    if not cls.name or cls.name in FLASHERS:
        raise ConfigError(f"flasher {cls.__name__}: its name {cls.name!r} is empty or taken",
                          expected="a name no other flasher uses")
    FLASHERS[cls.name] = cls()
    return cls


def get(name: str) -> Flasher:
    try:
        return FLASHERS[name]
    except KeyError:
        raise ConfigError(f"unknown flasher {name!r}", expected=" or ".join(FLASHERS)) from None
