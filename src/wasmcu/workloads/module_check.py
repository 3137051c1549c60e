"""A prebuilt WebAssembly module, checked once before any runtime sees it, and prepared for all alike.

A prebuilt module (``[sources] wasm = "kernel.wasm"``) is read here, section by section: its
types, imports, functions, memory, globals, exports and start function. What no runtime could
run is refused with one message naming it, the same for every runtime (and so before any of them
reports it in its own words):

- a module that is not valid WebAssembly (``wasm-validate`` from wabt says why);
- an entry (``entry``, default ``run``) that the module does not export, that is not a function,
  or whose type is not ``(i32) -> i32``;
- an import: wasmcu's runtimes give a kernel nothing to link, and most refuse to instantiate a
  module with an import nothing provides, whether the code calls it or not;
- several sizes for a module that takes no size.

A module **takes the size** by exporting an i32 global named ``WASMCU_N`` whose initial value
is a constant: wasmcu writes n into it for each size (the module is rebuilt per size).

:func:`prepare` gives the bytes every runtime runs: the entry exported as ``run`` (so that
``entry`` is honoured by every runtime, on the host and in firmware), n written into
``WASMCU_N``, and a start function of index 0 reached through a one-call trampoline (wasm3
0.5.0 runs a start function only when its index is not 0: its ``m3_FindFunction`` tests
``if (startFunction)``), so that start functions run on every runtime.
"""

from __future__ import annotations

import subprocess
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError

MAGIC = b"\0asm\x01\0\0\0"
SIZE_GLOBAL = "WASMCU_N"
WASI = "wasi_snapshot_preview1"
COMMAND_ENTRY = "_start"   # a WASI command's entry (wasmcu.runtimes.wasi_host runs it)
# the WASI preview 1 calls wasmcu's own WASI layer provides (wasmcu.runtimes.wasi, for wasm3, WAMR and
# wasm2c on the host and the boards); a module importing any other is refused before it runs
WASI_PROVIDED = ("fd_write", "proc_exit", "clock_time_get", "random_get", "args_sizes_get", "args_get",
                 "environ_sizes_get", "environ_get", "fd_fdstat_get", "fd_seek", "fd_close", "fd_prestat_get",
                 "fd_prestat_dir_name")
REACTOR_INIT = "_initialize"  # a WASI reactor's initialiser, run before its entry (run(seed) -> i32)
I32 = 0x7F
VALTYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128", 0x70: "funcref", 0x6F: "externref"}
KINDS = {0: "function", 1: "table", 2: "memory", 3: "global"}
# the order of the known sections in a module (12, data count, comes before code)
ORDER = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12}


class Malformed(ValueError):
    """The module's bytes cannot be read."""


@dataclass
class Module:
    """What a module declares, and its sections' payloads (in order) for rewriting."""

    sections: list[tuple[int, bytes]]
    types: list[tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)
    imports: list[tuple[str, str, int]] = field(default_factory=list)   # module, name, kind
    functions: list[int] = field(default_factory=list)                  # type index per defined function
    memory: tuple[int, int | None] | None = None                        # initial, maximum pages
    globals: list[tuple[int, bool, bytes]] = field(default_factory=list)  # type, mutable, init expression
    exports: dict[str, tuple[int, int]] = field(default_factory=dict)   # name -> (kind, index)
    start: int | None = None
    command: bool = False   # a WASI command (entry _start, imports from wasi_snapshot_preview1 only) or reactor
    reactor: bool = False   # a WASI reactor: exports _initialize, its entry run(seed) -> i32 (REACTOR_INIT)

    @property
    def imported_functions(self) -> int:
        return sum(1 for _, _, kind in self.imports if kind == 0)

    @property
    def imported_globals(self) -> int:
        return sum(1 for _, _, kind in self.imports if kind == 3)

    def function_type(self, index: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        imported = [t for *_, kind, t in self._import_types if kind == 0]
        t = imported[index] if index < len(imported) else self.functions[index - len(imported)]
        return self.types[t]

    _import_types: list = field(default_factory=list, repr=False)

    @property
    def takes_size(self) -> bool:
        return self.size_global() is not None

    def size_global(self) -> int | None:
        """The index among defined globals of the exported i32 global WASMCU_N, or None."""
        kind, index = self.exports.get(SIZE_GLOBAL, (None, None))
        if kind != 3 or index < self.imported_globals:
            return None
        i = index - self.imported_globals
        return i if self.globals[i][0] == I32 else None


def read_leb128(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise Malformed("unexpected end")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _uleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _sleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        done = (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40)
        out.append(byte | (0 if done else 0x80))
        if done:
            return bytes(out)


def _name(data: bytes, pos: int) -> tuple[str, int]:
    length, pos = read_leb128(data, pos)
    return data[pos:pos + length].decode("utf-8", "replace"), pos + length


def _limits(data: bytes, pos: int) -> tuple[tuple[int, int | None], int]:
    flags, pos = read_leb128(data, pos)
    low, pos = read_leb128(data, pos)
    high = None
    if flags & 1:
        high, pos = read_leb128(data, pos)
    return (low, high), pos


def _const_expr(data: bytes, pos: int) -> tuple[bytes, int]:
    """A constant expression up to its `end` (0x0b): enough for the one-instruction ones of globals."""
    start = pos
    op = data[pos]
    pos += 1
    if op in (0x41, 0x42, 0x23, 0xD2):        # i32.const, i64.const, global.get, ref.func: one LEB
        _, pos = read_leb128(data, pos)
    elif op == 0x43:
        pos += 4
    elif op == 0x44:
        pos += 8
    elif op == 0xD0:                            # ref.null t
        pos += 1
    if pos >= len(data) or data[pos] != 0x0B:
        raise Malformed("unsupported constant expression")
    return data[start:pos + 1], pos + 1


def parse(data: bytes) -> Module:
    """Read a module's declarations; raises Malformed when its bytes cannot be read."""
    if data[:8] != MAGIC:
        raise Malformed("no \\0asm magic and version 1")
    sections, pos = [], 8
    try:
        while pos < len(data):
            sid = data[pos]
            size, pos = read_leb128(data, pos + 1)
            if pos + size > len(data):
                raise Malformed("a section extends past the end of the module")
            sections.append((sid, data[pos:pos + size]))
            pos += size
        module = Module(sections)
        for sid, body in sections:
            _read_section(module, sid, body)
        return module
    except IndexError:
        raise Malformed("unexpected end") from None


def _read_section(m: Module, sid: int, body: bytes) -> None:
    pos = 0
    if sid in (1, 2, 3, 5, 6, 7):
        count, pos = read_leb128(body, 0)
    if sid == 1:
        for _ in range(count):
            if body[pos] != 0x60:
                raise Malformed("a type that is not a function type")
            n, pos = read_leb128(body, pos + 1)
            params = tuple(body[pos:pos + n])
            pos += n
            n, pos = read_leb128(body, pos)
            results = tuple(body[pos:pos + n])
            pos += n
            m.types.append((params, results))
    elif sid == 2:
        for _ in range(count):
            mod, pos = _name(body, pos)
            name, pos = _name(body, pos)
            kind = body[pos]
            pos += 1
            desc = None
            if kind == 0:
                desc, pos = read_leb128(body, pos)
            elif kind == 1:
                _, pos = _limits(body, pos + 1)
            elif kind == 2:
                _, pos = _limits(body, pos)
            elif kind == 3:
                pos += 2
            else:
                raise Malformed(f"an import of unknown kind {kind}")
            m.imports.append((mod, name, kind))
            m._import_types.append((mod, name, kind, desc))
    elif sid == 3:
        for _ in range(count):
            t, pos = read_leb128(body, pos)
            m.functions.append(t)
    elif sid == 5 and count:
        m.memory, pos = _limits(body, pos)
    elif sid == 6:
        for _ in range(count):
            vt, mut = body[pos], body[pos + 1]
            init, pos = _const_expr(body, pos + 2)
            m.globals.append((vt, bool(mut), init))
    elif sid == 7:
        for _ in range(count):
            name, pos = _name(body, pos)
            kind = body[pos]
            index, pos = read_leb128(body, pos + 1)
            m.exports[name] = (kind, index)
    elif sid == 8:
        m.start, _ = read_leb128(body, 0)


def _signature(t: tuple[tuple[int, ...], tuple[int, ...]]) -> str:
    def names(ts):
        return ", ".join(VALTYPES.get(x, hex(x)) for x in ts)
    return f"({names(t[0])}) -> ({names(t[1])})" if len(t[1]) != 1 else f"({names(t[0])}) -> {names(t[1])}"


def validate(path: Path) -> str | None:
    """wabt's wasm-validate on the module: None when valid, else its first error line."""
    from .. import tools

    exe = tools.require("wasm-validate")
    proc = subprocess.run([exe, str(path)], capture_output=True, text=True, timeout=120)
    if proc.returncode == 0:
        return None
    lines = [line for line in (proc.stderr + proc.stdout).splitlines() if line.strip()]
    return lines[0] if lines else f"wasm-validate exited with status {proc.returncode}"


def check(path: Path, entry: str, sizes: list[int], spec_file: Path, label: str | None = None) -> Module:
    """Check a prebuilt module for `entry` and `sizes` (see the module's docstring); raises a
    ConfigError naming what is wrong and what to do."""
    data = Path(path).read_bytes()

    def refuse(what: str, expected: str, field: str = "sources.wasm") -> ConfigError:
        return ConfigError(f"{label or 'the prebuilt module ' + Path(path).name}: {what}", file=spec_file,
                           field=field, expected=expected)

    why = validate(Path(path))
    if why is None:
        try:
            module = parse(data)
        except Malformed as exc:
            why = str(exc)
    if why is not None:
        raise refuse(f"is not valid WebAssembly: {why}",
                     "a WebAssembly 1.0 binary module (check it with `wasm-validate`)")
    wasi_only = module.imports and all(mod == WASI and kind == 0 for mod, _, kind in module.imports)
    if entry == COMMAND_ENTRY and wasi_only:
        return _check_command(module, sizes, refuse)
    reactor = wasi_only and REACTOR_INIT in module.exports and module.exports[REACTOR_INIT][0] == 0
    for mod, name, kind in ([] if reactor else module.imports):
        raise refuse(f"imports {mod}.{name} (a {KINDS.get(kind, 'value')}), which no runtime gives a kernel in "
                     f"wasmcu; wasmtime, V8, wasm3 and wasm2c refuse to instantiate a module with an import nothing "
                     f"provides, whether the code calls it or not (WAMR runs it until the call)",
                     "a module that imports nothing: define that function (or memory) in the module, or build it "
                     "without the code that names it")
    if entry not in module.exports:
        exported = sorted(n for n, (k, _) in module.exports.items() if k == 0)
        raise refuse(f"has no export '{entry}' (it exports {', '.join(exported) or 'no function'})",
                     "entry = \"NAME\" in workload.toml naming an exported function (i32) -> i32", field="entry")
    kind, index = module.exports[entry]
    if kind != 0:
        raise refuse(f"exports '{entry}' as a {KINDS.get(kind, 'value')}, not a function",
                     "an exported function (i32) -> i32", field="entry")
    sig = module.function_type(index)
    if sig != ((I32,), (I32,)):
        raise refuse(f"its entry '{entry}' has type {_signature(sig)}; wasmcu calls it as {entry}(seed: i32) -> i32",
                     "an exported function taking the seed (i32) and returning the checksum (i32)", field="entry")
    if SIZE_GLOBAL in module.exports and not module.takes_size:
        raise refuse(f"exports {SIZE_GLOBAL}, but not as an i32 global defined in the module",
                     f"(global (export \"{SIZE_GLOBAL}\") i32 (i32.const 0)) to take the size")
    if len(sizes) > 1 and not module.takes_size:
        raise refuse(f"takes no size, so sizes {sizes} would run the same bytes {len(sizes)} times",
                     f"one size in `sizes`, or a module that exports an i32 global {SIZE_GLOBAL} (wasmcu writes n "
                     "into it)", field="sizes")
    if reactor:  # a WASI reactor: its result, like a command's, is its output with the entry's result
        module.command = module.reactor = True
    return module


def _check_command(module: Module, sizes: list[int], refuse) -> Module:
    """A WASI command: `_start` of type () -> (), run once per size it is given (it takes none)."""
    if COMMAND_ENTRY not in module.exports or module.exports[COMMAND_ENTRY][0] != 0:
        raise refuse(f"imports WASI but exports no function {COMMAND_ENTRY}", "a WASI command (built with "
                     "wasi-libc's crt1: int main(void)) or a module that imports nothing", field="entry")
    sig = module.function_type(module.exports[COMMAND_ENTRY][1])
    if sig != ((), ()):
        raise refuse(f"its entry {COMMAND_ENTRY} has type {_signature(sig)}", "_start of type () -> ()",
                     field="entry")
    if len(sizes) > 1:
        raise refuse(f"is a WASI command, which takes no size, so sizes {sizes} would run it {len(sizes)} times",
                     "one size in `sizes`", field="sizes")
    module.command = True
    return module


def command_digest(stdout: bytes, exit_code: int) -> int:
    """A WASI command's result as one 32-bit value: the CRC-32 of its stdout and its exit code."""
    return zlib.crc32(stdout + (exit_code & 0xFFFFFFFF).to_bytes(4, "little")) & 0xFFFFFFFF


def _vec(items: list[bytes]) -> bytes:
    return _uleb(len(items)) + b"".join(items)


def _entries(body: bytes, reader) -> list[bytes]:
    """The raw entries of a vector section, split by `reader(body, pos) -> end`."""
    count, pos = read_leb128(body, 0)
    out = []
    for _ in range(count):
        end = reader(body, pos)
        out.append(body[pos:end])
        pos = end
    return out


def _export_end(body: bytes, pos: int) -> int:
    _, pos = _name(body, pos)
    _, pos = read_leb128(body, pos + 1)
    return pos


def _global_end(body: bytes, pos: int) -> int:
    return _const_expr(body, pos + 2)[1]


def _code_end(body: bytes, pos: int) -> int:
    size, pos = read_leb128(body, pos)
    return pos + size


def prepare(data: bytes, entry: str, n: int) -> tuple[bytes, list[str]]:
    """The bytes every runtime runs, and what was changed (for the build's record)."""
    module = parse(data)
    sections = dict(module.sections)
    changes: list[str] = []
    kind, index = module.exports[entry]
    exports = [e for e in _entries(sections[7], _export_end)
               if _name(e, 0)[0] != "run" or entry == "run"]
    if entry not in ("run", COMMAND_ENTRY):
        exports.append(_uleb(3) + b"run" + b"\x00" + _uleb(index))
        changes.append(f"exported '{entry}' as 'run'")
    new = {7: _vec(exports)}
    g = module.size_global()
    if g is not None:
        items = _entries(sections[6], _global_end)
        items[g] = items[g][:2] + b"\x41" + _sleb(n if n < 2**31 else n - 2**32) + b"\x0b"
        new[6] = _vec(items)
        changes.append(f"{SIZE_GLOBAL} = {n}")
    if module.start == 0:
        new.update(_trampoline(module, sections))
        changes.append("start function 0 reached through a trampoline (wasm3 0.5.0 skips a start of index 0)")
    if not changes:
        return data, changes
    out = bytearray(MAGIC)
    present = {sid for sid, _ in module.sections}
    ordered = list(module.sections) + [(sid, b"") for sid in new if sid not in present]
    ordered.sort(key=lambda s: ORDER.get(s[0], 0) if s[0] else 0)  # stable: custom sections keep their place
    ordered = _keep_customs(module.sections, ordered)
    for sid, body in ordered:
        body = new.get(sid, body) if sid else body
        out += bytes([sid]) + _uleb(len(body)) + body
    return bytes(out), changes


def _keep_customs(original: list[tuple[int, bytes]], ordered: list[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
    """Known sections in their order, custom sections (name, producers) after them."""
    return [s for s in ordered if s[0]] + [s for s in original if not s[0]]


def _trampoline(module: Module, sections: dict[int, bytes]) -> dict[int, bytes]:
    """A new function `call 0` as the start function: the same start, at an index other than 0."""
    types = _entries(sections.get(1, b"\x00"), _type_end)
    try:
        t = module.types.index(((), ()))
    except ValueError:
        t = len(types)
        types.append(b"\x60\x00\x00")
    funcs = module.functions + [t]
    new_index = module.imported_functions + len(module.functions)
    code = _entries(sections.get(10, b"\x00"), _code_end)
    body = b"\x00" + b"\x10\x00" + b"\x0b"        # no locals; call 0; end
    code.append(_uleb(len(body)) + body)
    return {1: _vec(types), 3: _vec([_uleb(x) for x in funcs]), 8: _uleb(new_index), 10: _vec(code)}


def _type_end(body: bytes, pos: int) -> int:
    n, pos = read_leb128(body, pos + 1)
    n, pos = read_leb128(body, pos + n)
    return pos + n
