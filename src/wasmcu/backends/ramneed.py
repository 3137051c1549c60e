"""The RAM a firmware cell needed, measured: the smallest RAM it ran in and what that is made of.

The configured peak (`ram_peak_bytes`) counts every fixed region at its size: WAMR's pool is
static data of `pool_bytes`, whatever the module used of it. The need counts what the run
used: static data without the pool, the native stack's and the heap's high-water marks (the
heap holds the module's linear memory under wasm3 and WAMR), and the pool's high-water mark.
"""

from __future__ import annotations


def ram_needed(ram_static: int, stack_hwm: int, heap_hwm: int, pool_bytes: int | None = None,
               pool_hwm: int | None = None, linear_memory: int | None = None) -> tuple[int, dict[str, int]]:
    """(the bytes of RAM the run needed, its breakdown). `linear_memory` is part of the heap
    (reported apart, not added twice)."""
    static = ram_static - (pool_bytes or 0)
    parts = {"static_bytes": static, "native_stack_bytes": stack_hwm, "heap_bytes": heap_hwm}
    if pool_bytes is not None:
        parts["pool_bytes"] = pool_hwm or 0
    total = sum(parts.values())
    if linear_memory:
        parts["linear_memory_bytes"] = linear_memory  # inside heap_bytes
    return total, parts
