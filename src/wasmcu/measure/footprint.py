"""Memory footprint of a firmware image, read from its ELF file with pyelftools."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

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


def footprint(elf_path: Path) -> Footprint:
    with open(elf_path, "rb") as f:
        elf = ELFFile(f)
        flash = ram = stack = 0
        for sec in elf.iter_sections():
            flags = sec["sh_flags"]
            if not flags & SH_FLAGS.SHF_ALLOC or sec["sh_size"] == 0:
                continue
            if sec.name == ".stack":
                stack = sec["sh_size"]
                continue
            if sec["sh_type"] != "SHT_NOBITS":
                flash += sec["sh_size"]  # code, rodata and the load image of .data
            if flags & SH_FLAGS.SHF_WRITE:
                ram += sec["sh_size"]
        symbols = {}
        symtab = elf.get_section_by_name(".symtab")
        if symtab is not None:
            for name in ("__heap_start", "__heap_end"):
                syms = symtab.get_symbol_by_name(name)
                if syms:
                    symbols[name] = syms[0]["st_value"]
        heap = symbols.get("__heap_end", 0) - symbols.get("__heap_start", 0)
    # writable sections with a load image (.data) count in flash and in RAM
    return Footprint(flash_bytes=flash, ram_static_bytes=ram, heap_limit_bytes=max(heap, 0), stack_reserved_bytes=stack)


def symbol_address(elf_path: Path, name: str) -> int | None:
    """Address of a function symbol (Thumb bit cleared), or None."""
    with open(elf_path, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        syms = symtab.get_symbol_by_name(name) if symtab is not None else None
        return (syms[0]["st_value"] & ~1) if syms else None
