"""Small linear memory (`--ram small`): a runtime gets only the memory the module's data and shadow stack need.

A module built by wasmcu declares whole 64 KiB pages (one by default), and the runtimes
allocate all of them on the board's heap, although a kernel's data may fit in a few KB. Under
`--ram small`, the module is built exporting its layout (`__heap_base`: the end of its static
data and shadow stack; `__data_end`), and when the module never grows its memory (no
`memory.grow`: its program break or allocator is not linked in), the runtime is given only
that much:

- WAMR shrinks the memory itself (its "shrunk memory", on by default in its builds: a module
  exporting `__heap_base` and `__data_end` that never grows gets one page of that size);
- wasm3 (0.5.0 and later) allocates no more than its runtime's `memoryLimit`, which wasmcu's
  glue sets from the `memory_limit_bytes` setting ([runtimes.wasm3]), here the module's need.

An access beyond that memory traps as out of bounds in both, never silently. The cell records
what was done: `extra.linear_memory_sizing` (`data`, or `pages` with
`extra.linear_memory_sizing_why`), `extra.linear_memory_data_bytes` (the need), and, for
wasm3, the setting in its provenance's `runtime_settings`. Toolchains with pages smaller than
64 KiB (wasm-ld's custom page sizes) would let every runtime do the same; LLVM 19's wasm-ld
has none.
"""

from __future__ import annotations

import dataclasses

from .. import runtimes as runtimes_mod
from ..workloads.module_check import Malformed, parse, read_leb128
from .sizing import SMALL, with_settings  # noqa: F401  (SMALL: for callers)
ALIGN = 8              # WAMR rounds the shrunk size up to 8 bytes; wasm3's limit is the same
BUILT = ("c", "cpp", "rust")   # languages whose modules wasmcu links (and can make export their layout)


def data_need(wasm: bytes) -> int | None:
    """The bytes of linear memory a module's static data and shadow stack take (its exported
    `__heap_base`, rounded up to 8), or None when it does not export it."""
    try:
        m = parse(wasm)
    except (Malformed, ValueError):
        return None
    kind, index = m.exports.get("__heap_base", (None, None))
    if kind != 3 or index < m.imported_globals:
        return None
    init = m.globals[index - m.imported_globals][2]
    if init[:1] != b"\x41":  # i32.const
        return None
    value, _ = read_leb128(init, 1)
    return -(-value // ALIGN) * ALIGN


def grows(wat: str) -> bool:
    """Whether a module's WAT listing has a memory.grow (its memory may not be shrunk)."""
    return "memory.grow" in wat


def shrink(res, workload, device, cell):
    """(the workload, the device) to build and run `cell` with under `--ram small`; records in
    `res` what was done (see the module's docstring)."""
    from ..toolchains.wasm import build_wasm
    from ..workloads.kernel_source import kernel_source

    rt = runtimes_mod.get(cell.runtime)

    def keep(why: str):
        res.extra.update(linear_memory_sizing="pages", linear_memory_sizing_why=why)
        return workload, device

    if not rt.wasm or cell.runtime == "native":
        return workload, device
    if cell.lang not in BUILT:
        return keep(f"a {cell.lang} module is not linked by wasmcu: its layout is not exported")
    family = cell.runtime.split("@", 1)[0]
    if not (family.startswith("wamr-") or "memory_limit_bytes" in rt.firmware_sizes):
        return keep(f"{cell.runtime} allocates the module's whole pages (it has no memory limit wasmcu can set)")
    variant = dataclasses.replace(workload, layout_exports=True)
    module = build_wasm(kernel_source(variant, cell.n, cell.lang))
    if not module.wat.is_file() or grows(module.wat.read_text(errors="replace")):
        return keep("the module grows its memory (memory.grow: its heap is linked in)")
    need = data_need(module.wasm.read_bytes())
    if need is None:
        return keep("the module does not export __heap_base")
    res.extra.update(linear_memory_sizing="data", linear_memory_data_bytes=need)
    if "memory_limit_bytes" in rt.firmware_sizes:
        device = with_settings(device, cell.runtime, {"memory_limit_bytes": need})
    return variant, device
