"""An ELF file's segments, sections and symbols, read in one go with struct and remembered per file.

pyelftools parses headers and symbol tables one field at a time (tens of milliseconds for a
firmware image, tenths of a second for its symbol table); a firmware cell reads the segments,
a section and several symbols of the same image, and a sweep reads the same images again, so
this module unpacks them at once and keeps them. A file it does not understand (extended
section numbering) is read with pyelftools instead.
"""

from __future__ import annotations

import functools
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

PT_LOAD, SHT_SYMTAB = 1, 2


@dataclass(frozen=True)
class Segment:
    type: int
    flags: int
    vaddr: int
    paddr: int
    filesz: int
    memsz: int


@dataclass(frozen=True)
class Section:
    addr: int
    size: int


@dataclass(frozen=True)
class ElfImage:
    segments: tuple[Segment, ...]
    sections: dict[str, Section] = field(default_factory=dict)
    symbols: dict[str, int] = field(default_factory=dict)  # name: st_value, the first symbol of a name


def read_elf(elf_path: Path) -> ElfImage:
    """The segments, sections by name and named symbols of `elf_path`; remembered per file, its
    size and modification time."""
    st = os.stat(elf_path)
    return _read(str(elf_path), st.st_mtime_ns, st.st_size)


def symbol_values(elf_path: Path) -> dict[str, int]:
    """{name: st_value} of every named symbol (the first one of a name); empty without a symbol table."""
    return read_elf(elf_path).symbols


def _read_uncached(path: str, mtime_ns: int, size: int) -> ElfImage:
    """The image of the file at `path` (`mtime_ns` and `size`, unused here, key the cache below)."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x7fELF":
        raise ValueError(f"{path} is not an ELF file")
    wide, end = data[4] == 2, "<" if data[5] == 1 else ">"
    head = struct.unpack_from(end + ("HHIQQQIHHHHHH" if wide else "HHIIIIIHHHHHH"), data, 16)
    phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx = head[4], head[5], *head[8:]
    if shoff and (shnum == 0 or shstrndx >= 0xFF00):  # extended numbering: rare, leave it to pyelftools
        return _read_slowly(path)
    segments = []
    for i in range(phnum):
        if wide:
            p_type, p_flags, _, vaddr, paddr, filesz, memsz, _ = struct.unpack_from(end + "IIQQQQQQ", data,
                                                                                    phoff + i * phentsize)
        else:
            p_type, _, vaddr, paddr, filesz, memsz, p_flags, _ = struct.unpack_from(end + "IIIIIIII", data,
                                                                                    phoff + i * phentsize)
        segments.append(Segment(p_type, p_flags, vaddr, paddr, filesz, memsz))
    headers = []
    for i in range(shnum if shoff else 0):
        if wide:
            name, typ, _, addr, offset, sz, link, _, _, _ = struct.unpack_from(end + "IIQQQQIIQQ", data,
                                                                               shoff + i * shentsize)
        else:
            name, typ, _, addr, offset, sz, link, _, _, _ = struct.unpack_from(end + "IIIIIIIIII", data,
                                                                               shoff + i * shentsize)
        headers.append((name, typ, addr, offset, sz, link))

    def text(table_offset: int, at: int) -> str:
        start = table_offset + at
        return data[start:data.index(b"\0", start)].decode(errors="replace")

    sections, symbols = {}, {}
    if headers:
        names_at = headers[shstrndx][3]
        for name, typ, addr, offset, sz, link in headers:
            sections.setdefault(text(names_at, name), Section(addr, sz))
        symtab = next((h for h in headers if h[1] == SHT_SYMTAB and text(names_at, h[0]) == ".symtab"), None)
        if symtab is not None:
            _, _, _, offset, sz, link = symtab
            strings = headers[link][3]
            table = data[offset:offset + sz]
            if wide:  # st_name, st_info, st_other, st_shndx, st_value, st_size
                entries = ((n, v) for n, _, _, _, v, _ in struct.iter_unpack(end + "IBBHQQ", table))
            else:  # st_name, st_value, st_size, st_info, st_other, st_shndx
                entries = ((n, v) for n, v, _, _, _, _ in struct.iter_unpack(end + "IIIBBH", table))
            for name_at, value in entries:
                if name_at:
                    symbols.setdefault(text(strings, name_at), value)
    return ElfImage(tuple(segments), sections, symbols)


# cached per file and version; the function above is a plain one because mutation testing skips decorated functions
_read = functools.lru_cache(maxsize=512)(_read_uncached)


def _read_slowly(path: str) -> ElfImage:
    from elftools.elf.elffile import ELFFile

    with open(path, "rb") as f:
        elf = ELFFile(f)
        segments = tuple(Segment(s["p_type"] if isinstance(s["p_type"], int) else PT_LOAD if s["p_type"] == "PT_LOAD"
                                 else -1, s["p_flags"], s["p_vaddr"], s["p_paddr"], s["p_filesz"], s["p_memsz"])
                         for s in elf.iter_segments())
        sections = {}
        for s in elf.iter_sections():
            sections.setdefault(s.name, Section(s["sh_addr"], s["sh_size"]))
        symbols = {}
        symtab = elf.get_section_by_name(".symtab")
        for sym in symtab.iter_symbols() if symtab is not None else ():
            if sym.name:
                symbols.setdefault(sym.name, sym["st_value"])
    return ElfImage(segments, sections, symbols)
