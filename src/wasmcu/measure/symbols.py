"""The symbols of an ELF file by name, read at once from its symbol table and remembered per file.

pyelftools parses a symbol table one entry at a time (tenths of a second for a firmware image
with a runtime in it); a firmware cell asks for several symbols of the same image, and a sweep
asks for the same images again, so the table is unpacked in one go and kept.
"""

from __future__ import annotations

import functools
import os
import struct
from pathlib import Path

from elftools.elf.elffile import ELFFile


def symbol_values(elf_path: Path) -> dict[str, int]:
    """{name: st_value} of every named symbol of `elf_path` (the first one of a name); empty
    without a symbol table. Remembered per file, its size and modification time."""
    st = os.stat(elf_path)
    return _symbol_values(str(elf_path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=512)
def _symbol_values(path: str, mtime_ns: int, size: int) -> dict[str, int]:
    with open(path, "rb") as f:
        elf = ELFFile(f)
        symtab = elf.get_section_by_name(".symtab")
        if symtab is None:
            return {}
        table, strings = symtab.data(), elf.get_section(symtab["sh_link"]).data()
        end = "<" if elf.little_endian else ">"
        if elf.elfclass == 32:  # st_name, st_value, st_size, st_info, st_other, st_shndx
            entries = ((n, v) for n, v, _, _, _, _ in struct.iter_unpack(end + "IIIBBH", table))
        else:  # st_name, st_info, st_other, st_shndx, st_value, st_size
            entries = ((n, v) for n, _, _, _, v, _ in struct.iter_unpack(end + "IBBHQQ", table))
        out: dict[str, int] = {}
        for name_at, value in entries:
            if name_at:
                name = strings[name_at:strings.index(b"\0", name_at)].decode(errors="replace")
                out.setdefault(name, value)
        return out
