"""Memory footprint of a firmware image, read from its ELF file's headers (wasmcu.measure.symbols)."""

from __future__ import annotations

import copy
import functools
import os
from dataclasses import dataclass
from pathlib import Path

from .symbols import PT_LOAD, read_elf, symbol_values

UF2_PAYLOAD = 256   # bytes of image per UF2 block (the Pico's flashing format)
UF2_BLOCK = 512


@dataclass
class Footprint:
    flash_bytes: int        # what is stored in flash: code, read-only data, initial values of data
    ram_static_bytes: int   # data + bss (+ TLS), allocated before main runs
    heap_limit_bytes: int   # room left for the heap between the static data and the stack
    stack_reserved_bytes: int

    def uf2_bytes(self) -> int:
        """Size of the UF2 file the Pico SDK would write for this image."""
        blocks = -(-self.flash_bytes // UF2_PAYLOAD)
        return blocks * UF2_BLOCK


def footprint(elf_path: Path, flash: tuple[int, int] | None = None, ram: tuple[int, int] | None = None) -> Footprint:
    """The image's footprint (see _footprint), worked out once per file and version of it."""
    st = os.stat(elf_path)
    return copy.copy(_footprint(str(elf_path), st.st_mtime_ns, st.st_size, flash, ram))


def _footprint_uncached(elf_path: str, mtime_ns: int, size: int, flash: tuple[int, int] | None,
                        ram: tuple[int, int] | None) -> Footprint:
    """Flash and static RAM of an image, by loadable segment and address, as vendor size tools count.

    A segment's load image (its file bytes at its load address, LMA) counts in flash when
    that address lies in flash; its memory image (VMA) counts in RAM when that lies in RAM.
    So `.data`, and code copied to RAM, count in both; TLS sections, which also appear in a
    PT_TLS segment, count once; the stack region counts apart. The regions are `flash` and
    `ram` (origin, size), else the image's own `__flash`/`__flash_size`/`__ram`/`__ram_size`
    symbols, else a segment is flash when it is not writable and RAM when it is.
    """
    image = read_elf(Path(elf_path))
    symbols = {name: image.symbols[name] for name in ("__heap_start", "__heap_end", "__flash", "__flash_size", "__ram",
                                                      "__ram_size") if name in image.symbols}
    if flash is None and "__flash" in symbols and "__flash_size" in symbols:
        flash = (symbols["__flash"], symbols["__flash_size"])
    if ram is None and "__ram" in symbols and "__ram_size" in symbols:
        ram = (symbols["__ram"], symbols["__ram_size"])
    stack_sec = image.sections.get(".stack")
    stack = stack_sec.size if stack_sec is not None else 0

    def inside(addr: int, region) -> bool:
        return region[0] <= addr < region[0] + region[1]

    flash_bytes = ram_bytes = 0
    for seg in image.segments:
        if seg.type != PT_LOAD or seg.memsz == 0:
            continue
        writable = bool(seg.flags & 2)  # PF_W
        in_flash = inside(seg.paddr, flash) if flash else not writable
        in_ram = inside(seg.vaddr, ram) if ram else writable
        if in_flash:
            flash_bytes += seg.filesz
        if in_ram:
            ram_bytes += seg.memsz
    if stack_sec is not None and stack and (inside(stack_sec.addr, ram) if ram else True):
        ram_bytes -= stack
    # the room between the two symbols; one alone bounds nothing (its address is no size)
    bounded = "__heap_start" in symbols and "__heap_end" in symbols
    heap = symbols["__heap_end"] - symbols["__heap_start"] if bounded else 0
    return Footprint(flash_bytes=flash_bytes, ram_static_bytes=ram_bytes, heap_limit_bytes=max(heap, 0),
                     stack_reserved_bytes=stack)


# cached; the function above is a plain one because mutation testing skips decorated functions
_footprint = functools.lru_cache(maxsize=512)(_footprint_uncached)


def symbol_address(elf_path: Path, name: str) -> int | None:
    """Address of a function symbol (Thumb bit cleared), or None."""
    value = symbol_values(elf_path).get(name)
    return value & ~1 if value is not None else None
