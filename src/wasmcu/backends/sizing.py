"""Sizing a board runtime's memory from the module: a part that ran out is enlarged within the RAM, the cell rerun.

The device profile gives each runtime fixed sizes (WAMR's pool and wasm stack, wasm3's value
stack, the native stack region): the paper's. A cell that fits them runs with them, so its
figures are those of the fixed sizes. A cell whose module needs more (a module of many
functions in WAMR's 32 KB pool, a deep call chain) is run once more with the part that ran
out made as large as the RAM the image leaves allows (a generous run), or, for the native
stack, as large as the run measured it needs (wasmcu.backends.qemu's stack_needed); the cell
then records the sizes it ran with (`extra.ram_sized`). It is `does-not-fit` only when even
that does not fit the device. `--ram profile` keeps the fixed sizes.
"""

from __future__ import annotations

import copy
import dataclasses

from .. import runtimes as runtimes_mod
from ..model import DOES_NOT_FIT, OK

MODULE, PROFILE, SMALL = "module", "profile", "small"  # small: module, and a small linear memory (linear_memory)
MARGIN = 8 * 1024      # heap left beside the linear memory for the runtime's own small allocations
GRANULE = 1024         # sizes are rounded to whole KB
RESIZED_KINDS = ("pool-exhausted", "wasm-stack-overflow", "stack-overflow")
ROUNDS = 3
VALUE_STACK_NEED = "value_stack_needed_bytes"  # wasm3's value stack, measured on the host (wasm3_stack)


def with_settings(device, runtime: str, runtime_sizes: dict[str, int], stack_bytes: int | None = None):
    """A variant of `device` whose [runtimes.RUNTIME] table (and [build] stack_bytes) say otherwise."""
    data = copy.deepcopy(device.data)
    if runtime_sizes:
        data.setdefault("runtimes", {}).setdefault(runtime, {}).update(runtime_sizes)
    if stack_bytes is not None:
        data.setdefault("build", {})["stack_bytes"] = stack_bytes
    return dataclasses.replace(device, data=data)


def spare_heap(res) -> int:
    """The heap the image leaves beyond the module's linear memory and a margin (bytes, >= 0)."""
    heap = int(res.extra.get("heap_limit_bytes") or 0)
    return max(heap - int(res.extra.get("linear_memory_bytes") or 0) - MARGIN, 0) // GRANULE * GRANULE


def larger_sizes(res, runtime: str, device) -> tuple[dict[str, int], int | None] | None:
    """The sizes of a generous run after `res` ran out of a part: ({runtime setting: size},
    the native stack region or None), or None when there is no room to enlarge that part."""
    rt = runtimes_mod.get(runtime)
    settings = rt.firmware_settings(device)
    spare = spare_heap(res)
    if res.error_kind == "pool-exhausted" and "pool_bytes" in settings:
        if spare < GRANULE:
            return None
        return {"pool_bytes": settings["pool_bytes"] + spare}, None
    if res.error_kind == "wasm-stack-overflow" and "stack_bytes" in settings:
        stack = settings["stack_bytes"]
        if "pool_bytes" in settings and spare < GRANULE and stack < settings["pool_bytes"] // 3 // GRANULE * GRANULE:
            return {"stack_bytes": settings["pool_bytes"] // 3 // GRANULE * GRANULE}, None
        if "pool_bytes" in settings:  # WAMR: the wasm stack is taken from the pool, which takes the spare heap
            if spare < GRANULE:
                return None
            pool = settings["pool_bytes"] + spare
            return {"pool_bytes": pool, "stack_bytes": max(stack, pool // 3 // GRANULE * GRANULE)}, None
        if spare < GRANULE:  # wasm3: its value stack comes from the heap
            return None
        return {"stack_bytes": stack + spare // 2 // GRANULE * GRANULE}, None
    return None


def measured_value_stack(res, cell, workload, device) -> tuple[dict[str, int], None] | None:
    """wasm3's value stack sized to what the module was measured to need on the host (wasm3_stack),
    rather than half the heap: the rest stays for the heap and the native stack. None when that
    does not apply (another runtime or part, a `wasm3@VERSION`), was not found, or is no larger
    than the value stack that just overflowed (then the heap decides, as for other versions)."""
    from ..toolchains.wasm import build_wasm
    from ..workloads.kernel_source import kernel_source
    from ..workloads import SEED
    from .wasm3_stack import applies, sized, value_stack_need

    if res.error_kind != "wasm-stack-overflow" or not applies(cell.runtime):
        return None
    try:
        need = value_stack_need(build_wasm(kernel_source(workload, cell.n, cell.lang)).wasm, SEED, spare_heap(res))
    except Exception:  # noqa: BLE001 - the module does not build here: size from the heap instead
        return None
    if need is None or sized(need) <= runtimes_mod.get(cell.runtime).firmware_settings(device)["stack_bytes"]:
        return None
    return {"stack_bytes": sized(need), VALUE_STACK_NEED: need}, None


def native_stack_size(need: int) -> int:
    """The native stack region for a run measured to use `need` bytes: an eighth more, in KB."""
    return -(-(need + need // 8) // GRANULE) * GRANULE


def resize(backend, res, cell, workload, device, ctx):
    """`res`, or the cell run again with the part that ran out sized from the module (see the
    module's docstring), up to ROUNDS times (a larger pool may show the wasm stack short next);
    the result records the sizing either way (`extra.ram_sizing`). When the sized run fails
    too, the cell is the first failure, with what the sized run said after it."""
    res.extra["ram_sizing"] = ctx.ram
    if ctx.ram not in (MODULE, SMALL) or workload.containment:
        return res
    first, sized, variant, notes = res, {}, device, {}
    for _ in range(ROUNDS):
        if res.status == OK or res.error_kind not in RESIZED_KINDS:
            break
        if res.error_kind == "stack-overflow":
            need = res.extra.get("stack_needed_bytes")
            if not need:
                break
            stack = native_stack_size(int(need))
            variant = with_settings(variant, cell.runtime, {}, stack)
            sized["native_stack_bytes"] = stack
        else:
            larger = measured_value_stack(res, cell, workload, variant) or larger_sizes(res, cell.runtime, variant)
            if larger is None:
                res.status = DOES_NOT_FIT
                break
            need = larger[0].pop(VALUE_STACK_NEED, None)
            if need:
                notes[VALUE_STACK_NEED] = need
            variant = with_settings(variant, cell.runtime, larger[0])
            sized.update(larger[0])
        res = backend.measure_sized(cell, workload, variant, ctx)
        res.extra.update(ram_sizing=ctx.ram, ram_sized=dict(sized), **notes)
        if res.status != OK and res.error_kind in ("does-not-fit", "heap-exhausted"):
            res.status = DOES_NOT_FIT
            break
    if res is first or res.status == OK:
        return res
    what = ", ".join(f"{k} = {v:,}" for k, v in sized.items())
    first.extra.update(ram_sizing=ctx.ram, ram_sized=sized, ram_sized_error_kind=res.error_kind)
    first.status = DOES_NOT_FIT if res.status == DOES_NOT_FIT else first.status
    first.error += f"; sized from the module within {device.name}'s RAM ({what}), it failed too: {res.error}"
    return first
