"""What the C, C++ and Rust libraries add to an image, from the linker's map.

- A firmware image (GNU ld's map): the archive members that the kernel pulled in,
  directly or through another member, and not the firmware itself (main.c, crt0, the
  runtime); their input sections in flash (code, read-only data, initial data) and in RAM
  (data, bss). A member the firmware needs anyway (memcpy for crt0) costs the kernel nothing.
- A wasm module (wasm-ld's map): the functions and data of library archives and of
  wasmcu's libc glue inside the module: bytes of the module (flash, where a board stores
  it) and of its linear memory (data and bss).

Each cost is {"flash_bytes", "ram_bytes", "members": {member: bytes}} with the members
sorted by size, largest first.
"""

from __future__ import annotations

import re

NONE = {"flash_bytes": 0, "ram_bytes": 0, "members": {}}
MEMBER = re.compile(r"^(\S+\.a)\(([^)]+)\)$")
# Rust's own libraries inside a kernel's static library (core, alloc, compiler_builtins)
RUST_LIBRARY = re.compile(r"^(core|alloc|compiler_builtins|std)-[0-9a-f]+")


def _short(archive_member: str) -> str:
    m = MEMBER.match(archive_member)
    if not m:
        return archive_member.rsplit("/", 1)[-1]
    return f"{m.group(1).rsplit('/', 1)[-1]}({m.group(2)})"


def _result(flash: int, ram: int, members: dict[str, int]) -> dict:
    top = dict(sorted(members.items(), key=lambda kv: (-kv[1], kv[0])))
    return {"flash_bytes": flash, "ram_bytes": ram, "members": top}


def firmware_library_cost(map_text: str, kernel_parts: list[str],
                          support_objects: tuple[str, ...] = ("cxx_support.o",)) -> dict:
    """The library cost of the kernel parts (objects and static libraries) in a GNU ld map;
    `support_objects`, wasmcu's own language support among the parts, count as library."""
    head, _, body = map_text.partition("Linker script and memory map")
    # member -> the file whose reference pulled it in
    pulled_by: dict[str, str] = {}
    lines = head.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line and not line.startswith(" ") and ".a(" in line:
            member = line.split()[0]
            rest = line[len(member):].strip()
            if not rest and i + 1 < len(lines):
                i += 1
                rest = lines[i].strip()
            pulled_by[member] = rest.rsplit(" (", 1)[0].strip()
        i += 1
    kernel = set(kernel_parts)

    def from_kernel(member: str) -> bool:
        seen = set()
        while member not in seen:
            seen.add(member)
            if member in kernel:
                return True
            m = MEMBER.match(member)
            if m and m.group(1) in kernel:  # a member of the kernel's own static library
                return not RUST_LIBRARY.match(m.group(2))
            if member not in pulled_by:
                return False
            member = pulled_by[member]
        return False

    def is_library(file: str) -> bool:
        if file in kernel and file.rsplit("/", 1)[-1] in support_objects:
            return True
        m = MEMBER.match(file)
        if not m:
            return False
        if m.group(1) in kernel:  # Rust: core and alloc inside the kernel's static library
            return bool(RUST_LIBRARY.match(m.group(2)))
        return from_kernel(file)

    flash = ram = 0
    members: dict[str, int] = {}
    current = None
    pending = None  # an input section whose name was too long for its line
    for line in body.splitlines():
        if line and not line.startswith(" "):
            current = line.split()[0]
            continue
        parts = line.split()
        if len(parts) == 1 and line.startswith(" .") or (len(parts) == 1 and line.strip() == "COMMON"):
            pending = parts[0]
            continue
        if len(parts) == 4 and parts[0].startswith(".") or len(parts) == 4 and parts[0] == "COMMON":
            name, addr, size, file = parts
        elif len(parts) == 3 and pending and parts[0].startswith("0x"):
            name, (addr, size, file) = pending, parts
        else:
            pending = None
            continue
        pending = None
        if not size.startswith("0x") or not is_library(file):
            continue
        n = int(size, 16)
        if not n or int(addr, 16) == 0 and current in (None, "/DISCARD/"):
            continue
        kind = _kind(name, current)
        if kind is None:
            continue
        if kind in ("flash", "both"):
            flash += n
        if kind in ("ram", "both"):
            ram += n
        key = _short(file)
        members[key] = members.get(key, 0) + n
    return _result(flash, ram, members)


def _kind(section: str, output: str | None) -> str | None:
    s = section
    if s.startswith((".text", ".rodata", ".srodata", ".init", ".fini", ".ARM.extab", ".ARM.exidx", ".glue", ".vfp11")):
        return "flash"
    if s.startswith((".data", ".sdata", ".tdata")):
        return "both"
    if s.startswith((".bss", ".sbss", ".tbss", "COMMON")):
        return "ram"
    if output in (".text", ".rodata"):
        return "flash"
    return None


WASM_LINE = re.compile(r"^\s*(\S+)\s+(\S+)\s+([0-9a-f]+)( +)(\S.*)$")


def wasm_library_cost(map_text: str, glue_objects: tuple[str, ...] = ("wasmcu_libc.o",)) -> dict:
    """The library cost inside a wasm module, from wasm-ld's -Map output."""
    flash = ram = 0
    members: dict[str, int] = {}
    out = None
    for line in map_text.splitlines()[1:]:
        m = WASM_LINE.match(line)
        if not m:
            continue
        _addr, _off, size, indent, what = m.groups()
        if len(indent) == 1:
            out = what.strip()
            continue
        if len(indent) != 9:
            continue  # a symbol line (the In line above carries the size)
        file = what.rsplit(":(", 1)[0]
        lib = ".a(" in file or file.rsplit("/", 1)[-1] in glue_objects
        if not lib:
            continue
        n = int(size, 16)
        if out == "CODE" or (out and out.startswith(".rodata")) or (out and out.startswith(".data")):
            flash += n
        if out and out.startswith((".data", ".bss", ".rodata", ".tdata", ".tbss")):
            ram += n
        key = _short(file) if ".a(" in file else "wasmcu libc glue"
        members[key] = members.get(key, 0) + n
    return _result(flash, ram, members)
