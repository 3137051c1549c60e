"""Telling a shadow-stack overflow apart: a failed wasm cell is run again with a larger shadow stack.

C, C++ and Rust modules keep their locals that do not fit in wasm locals (arrays, structures
whose address is taken) on a data stack in their own linear memory: wasm-ld places it above
the static data, `[wasm] stack_bytes` large (4 KB by default). A frame larger than what is
left runs down into the static data, silently (a wrong checksum) or, below address 0, as an
out-of-bounds trap: in every runtime alike, which reads as a runtime bug. Only a failed cell is
looked at, so a sweep whose cells pass costs nothing more: its module is rebuilt with a shadow
stack four times larger (as much as its linear memory allows), and when that run gives the
expected checksum the cell's failure is the shadow stack's, with the size that worked.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from .. import runtimes as runtimes_mod
from ..errors import WasmcuError
from ..model import ERROR, MISMATCH, OK, Result

GROWTH = 4


def probe_size(workload) -> int | None:
    """The larger shadow stack to try, or None when the linear memory leaves no room for one."""
    size = workload.shadow_stack_bytes * GROWTH
    size = min(size, workload.memory_bytes // 2)
    return size if size > workload.shadow_stack_bytes else None


def applies(result: Result, workload) -> bool:
    """A failed cell of a wasm runtime, its module built here from sources (a prebuilt module's
    stack is its own), not a kernel that misbehaves on purpose."""
    if workload.containment or result.cell.lang == "wasm" or not runtimes_mod.get(result.cell.runtime).wasm:
        return False
    return (result.status == MISMATCH and result.error_kind == "mismatch") or \
        (result.status == ERROR and result.error_kind == "trap")


def explain(result: Result, workload, run: Callable[[object], Result]) -> Result:
    """`result`, or a `shadow-stack-overflow` failure when the same cell with a larger shadow
    stack gives the expected checksum. `run(variant)`: the cell run and verified with the
    variant workload."""
    if not applies(result, workload):
        return result
    size = probe_size(workload)
    if size is None:
        return result
    try:
        probe = run(dataclasses.replace(workload, shadow_stack_bytes=size))
    except WasmcuError:  # the larger stack does not build or run: the cell keeps its own failure
        return result
    if probe.status != OK:
        return result
    had = workload.shadow_stack_bytes
    what = "returned a wrong checksum" if result.status == MISMATCH else "trapped"
    message = (f"the module's shadow stack overflowed: with {had:,} bytes the kernel {what} ({result.error}); with "
               f"{size:,} bytes it gives the expected checksum. Set [wasm] stack_bytes = {size} (or more) in the "
               f"workload's workload.toml")
    extra = {**result.extra, "shadow_stack_bytes": had, "shadow_stack_works_with_bytes": size}
    return result.replace(extra=extra).failed(ERROR, "shadow-stack-overflow", message)
