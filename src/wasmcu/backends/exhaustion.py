"""Naming the memory that ran out on a board: one failure kind per cause, with its size and the setting that changes it.

A firmware's error message (`STAGE: what the runtime said`) says that something ran out, in
the runtime's words; this module says which part of the RAM it was (WAMR's pool, the heap,
the runtime's wasm stack, the module's linear memory), how large that part was, and which
setting makes it larger. A cell is `does-not-fit` only when the part already takes all the
RAM the device has left; otherwise it is an error whose message says what to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import DOES_NOT_FIT, ERROR


@dataclass(frozen=True)
class Exhaustion:
    kind: str       # one of wasmcu.model.ERROR_KINDS
    message: str
    status: str     # ERROR, or DOES_NOT_FIT when the need exceeds the device


# what each runtime says when one of its parts runs out (its own words, matched once here)
WAMR_POOL = "allocate memory failed"            # WAMR's pool (module, instance, stacks) ran out
WAMR_EXEC_ENV = "out of memory creating the execution environment"  # the glue's: the exec env comes from the pool
WAMR_LINEAR = "allocate linear memory failed"   # os_mmap (the heap) could not hold the linear memory
WAMR_OPERAND = "wasm operand stack overflow"    # the exec env's wasm stack (operand and call frames)
WASM3_MALLOC = ("memory allocation failed", "out of memory")  # wasm3's malloc (its heap)
WASM3_STACK = "[trap] stack overflow"           # wasm3's value stack (m3_NewRuntime's stack size)


def kb(n: int | None) -> str:
    return "?" if n is None else f"{n / 1024:.1f} KB"


def classify(msg: str, runtime: str, settings: dict[str, int], device, heap_limit: int | None) -> Exhaustion | None:
    """The exhaustion a firmware's error message reports, or None when it reports another
    failure. `settings`: the runtime's firmware sizes (Runtime.firmware_settings); `heap_limit`:
    the bytes of heap the image leaves (Footprint.heap_limit_bytes)."""
    ram = device.ram_bytes
    if WAMR_LINEAR in msg:
        return Exhaustion("linear-memory-exhausted",
                          f"the module's linear memory does not fit the heap: {msg} (the heap has {kb(heap_limit)} of "
                          f"{device.name}'s {kb(ram)} RAM; the module's memory is [wasm] memory_bytes in its "
                          f"workload.toml)", DOES_NOT_FIT)
    if (WAMR_POOL in msg or WAMR_EXEC_ENV in msg) and "pool_bytes" in settings:
        pool = settings["pool_bytes"]
        setting = f"[runtimes.{runtime}] pool_bytes"
        if heap_limit is not None and heap_limit < pool:  # not even room to double it
            return Exhaustion("pool-exhausted",
                              f"does not fit {device.name}: WAMR's memory pool of {kb(pool)} ran out ({msg}) and the "
                              f"device has only {kb(heap_limit)} of RAM left to enlarge it ({setting})", DOES_NOT_FIT)
        return Exhaustion("pool-exhausted",
                          f"WAMR's memory pool ran out: {msg}; the pool is {kb(pool)} ({setting} in the device "
                          f"profile; {device.name} has {kb(heap_limit)} of RAM left beside it)", ERROR)
    if WAMR_OPERAND in msg and "stack_bytes" in settings:
        return Exhaustion("wasm-stack-overflow",
                          f"WAMR's wasm stack overflowed: {msg}; it is {settings['stack_bytes']:,} bytes "
                          f"([runtimes.{runtime}] stack_bytes in the device profile)", ERROR)
    if WASM3_STACK in msg and "stack_bytes" in settings:
        return Exhaustion("wasm-stack-overflow",
                          f"wasm3's value stack overflowed: {msg}; it is {settings['stack_bytes']:,} bytes "
                          f"([runtimes.{runtime}] stack_bytes in the device profile)", ERROR)
    if any(m in msg for m in WASM3_MALLOC):
        return Exhaustion("heap-exhausted",
                          f"does not fit {device.name}: {msg} (the heap has {kb(heap_limit)}: the RAM left beside "
                          f"static data and the native stack, [build] stack_bytes in the device profile)",
                          DOES_NOT_FIT)
    return None
