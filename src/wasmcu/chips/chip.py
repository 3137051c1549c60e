"""What a chip is (:class:`Chip`) and the table of chips, by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

# what every chip's firmware shares: abort() reported through the line protocol, bounded waits
COMMON = Path(__file__).resolve().parent / "common.c"


def elf_bytes(elf: Path) -> bytes:
    """The image format of chips whose flasher writes the ELF itself (pyOCD)."""
    return Path(elf).read_bytes()


@dataclass(frozen=True)
class Chip:
    name: str
    arch: str                        # devices/arch/<arch>.toml
    flash: int                       # where the image is linked (picolibc.ld's flash region) ...
    flash_size: int
    ram: int                         # ... and its RAM region (data, heap, stack)
    ram_size: int
    startup: Path                    # the chip layer: start-up, clocks, console, timer
    image: str                       # the image format's name: "uf2", "esp" (ROM-loader image) or "elf"
    make_image: Callable[[Path], bytes]  # the firmware ELF -> the bytes the flasher writes
    flashers: tuple[str, ...]        # names in wasmcu.chips.flashers.FLASHERS; the first is the default
    timer: str                       # what times the call (the firmware's time_us)
    timer_resolution_us: float = 1
    usb_vids: dict[int, str] = field(default_factory=dict)  # serial ports to look for when none is named
    pyocd_target: str | None = None  # pyOCD's name of the chip, where pyOCD can program it
    # an image format that is not a program file (UF2): the image -> the bytes it writes from
    # flash_base, for a flasher that programs raw flash (pyOCD)
    flash_contents: Callable[[bytes], bytes] | None = None
    flash_base: int = 0
    # which of the connected serial ports of the chip's kind carries the firmware's output:
    # ports -> (port, why); None: the first one
    choose_port: Callable[[list], tuple] | None = None
    # why a serial port cannot carry the firmware's output (None: it can)
    unusable_port: Callable[[object], str | None] | None = None

    @property
    def sources(self) -> tuple[Path, ...]:
        """The C sources the chip adds to a firmware image."""
        return (self.startup, COMMON)

    @property
    def layout(self) -> dict[str, int]:
        """The memory map the image is linked for (picolibc.ld's symbols)."""
        return {"__flash": self.flash, "__flash_size": self.flash_size, "__ram": self.ram, "__ram_size": self.ram_size}


CHIPS: dict[str, Chip] = {}


def register(chip: Chip) -> Chip:
    """Declare a chip (from its folder's __init__.py)."""
    if chip.name in CHIPS:
        raise ConfigError(f"chip {chip.name!r} is declared twice", expected="one folder per chip under wasmcu/chips/")
    if not chip.startup.is_file():
        raise ConfigError(f"chip {chip.name!r}: its start-up file {chip.startup} does not exist")
    CHIPS[chip.name] = chip
    return chip


def get(name: str) -> Chip:
    try:
        return CHIPS[name]
    except KeyError:
        raise ConfigError(f"unknown chip {name!r}", expected=" or ".join(CHIPS)) from None
