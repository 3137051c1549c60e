"""The shadow stack a module needs, measured here: the stack region painted, the kernel run once, the deepest byte.

C, C++ and Rust modules keep locals that do not fit in wasm locals on a data stack in their
own linear memory (`[wasm] stack_bytes`, 4 KB by default), and a frame larger than what is
left runs into the static data silently (see wasmcu.backends.shadowstack). Under
`--ram module`, before a board cell is built, its module is built once more with a larger
shadow stack (four times the workload's, at most half its linear memory), its stack region is
filled with a pattern, and `run(seed)` is called once under wasmtime: the lowest byte that no
longer holds the pattern is how deep the stack went. A module that needs no more than its
workload gives is left as it is (the same bytes, the same figures); one that needs more is
built with that need, an eighth more, in KB, and the cell records both
(`extra.shadow_stack_needed_bytes`, `extra.shadow_stack_sized_bytes`). When the measurement
cannot be made (no wasmtime, a prebuilt module, a stack deeper than the larger one), the cell
runs as before and a failure is still explained by shadowstack's rerun.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import threading
from pathlib import Path

from .. import runtimes as runtimes_mod
from ..workloads.module_check import Malformed, parse, read_leb128
from .shadowstack import probe_size

PATTERN = 0xA5
GRANULE = 1024
BUILT = ("c", "cpp", "rust")   # modules linked by wasmcu with -zstack-size
I32, ALIGN = 0x7F, 16
TIMEOUT_S = 30         # the host run is stopped after this (the cell then runs as before)


def stack_top(wasm: bytes) -> int | None:
    """The initial value of the module's stack pointer (LLVM's `__stack_pointer`: its first
    global, a mutable i32), or None."""
    try:
        m = parse(wasm)
    except (Malformed, ValueError):
        return None
    if m.imported_globals or not m.globals:
        return None
    vt, mutable, init = m.globals[0]
    if vt != I32 or not mutable or init[:1] != b"\x41":
        return None
    value, _ = read_leb128(init, 1)
    return value


def measure(wasm: Path, seed: int, stack_bytes: int) -> int | None:
    """Bytes of shadow stack `wasm`'s run(seed) used, in a region of `stack_bytes` below its
    stack pointer; None when it cannot be told (no wasmtime, no stack pointer, a trap, a stack
    that used the whole region)."""
    data = Path(wasm).read_bytes()
    return _measure(hashlib.sha256(data).hexdigest(), str(wasm), seed, stack_bytes)


def _measure_uncached(sha: str, wasm: str, seed: int, stack_bytes: int) -> int | None:
    try:
        import wasmtime
    except ImportError:
        return None
    data = Path(wasm).read_bytes()
    top = stack_top(data)
    if top is None:
        return None
    bottom = max(top - stack_bytes, 0)
    config = wasmtime.Config()
    config.epoch_interruption = True   # a kernel that runs too long here is stopped, not waited for
    engine = wasmtime.Engine(config)
    timer = threading.Timer(TIMEOUT_S, engine.increment_epoch)
    try:
        store = wasmtime.Store(engine)
        store.set_epoch_deadline(1)
        instance = wasmtime.Instance(store, wasmtime.Module(engine, data), [])
        exports = instance.exports(store)
        memory = exports["memory"]
        memory.write(store, bytes([PATTERN]) * (top - bottom), bottom)
        timer.start()
        exports["run"](store, seed)
        region = memory.read(store, bottom, top)
    except Exception:  # noqa: BLE001 - a trap, a timeout, no memory or run export: not measurable here
        return None
    finally:
        timer.cancel()
    used = next((top - (bottom + i) for i, b in enumerate(region) if b != PATTERN), 0)
    if used >= top - bottom - ALIGN:  # it reached the end of the region: deeper than we can tell
        return None
    return used


# cached; the function above is a plain one because mutation testing skips decorated functions
_measure = functools.lru_cache(maxsize=256)(_measure_uncached)


def sized(need: int) -> int:
    """The shadow stack for a module measured to use `need` bytes: an eighth more, in KB."""
    return -(-(need + need // 8) // GRANULE) * GRANULE


def fit(res, workload, cell):
    """The workload to build `cell` with: its shadow stack sized to the measured need when that is
    more than it gives; records the need in `res` (see the module's docstring)."""
    from ..toolchains.wasm import build_wasm
    from ..workloads.kernel_source import kernel_source
    from ..workloads import SEED

    rt = runtimes_mod.get(cell.runtime)
    if not rt.wasm or cell.lang not in BUILT or workload.containment:
        return workload
    larger = probe_size(workload)
    if larger is None:
        return workload
    try:
        module = build_wasm(kernel_source(dataclasses.replace(workload, shadow_stack_bytes=larger), cell.n, cell.lang))
    except Exception:  # noqa: BLE001 - it does not build with the larger stack: the cell builds its own
        return workload
    need = measure(module.wasm, SEED, larger)
    if need is None:
        return workload
    res.extra["shadow_stack_needed_bytes"] = need
    if need <= workload.shadow_stack_bytes:
        return workload
    size = sized(need)
    res.extra["shadow_stack_sized_bytes"] = size
    return dataclasses.replace(workload, shadow_stack_bytes=size)
