"""Ratios to native: each result beside its cell's native result, and their geometric mean and SD.

The modes table and figure, the runtime scores and Embench's score summarise ratios this way."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from ..model import OK, Result


def native_key(r: Result) -> tuple:
    """What a result shares with its native baseline: workload, size, language, device and build."""
    return r.cell.workload, r.cell.n, r.cell.lang, r.cell.device, r.cell.build


def ratios_to_native(results: list[Result], metrics: dict[str, tuple[str, Callable]]
                     ) -> Iterator[tuple[Result, Result, str, float]]:
    """(result, its native result, metric, ratio) for each ok result with an ok native result
    (natives beside themselves included) and each metric both have a positive value of: a
    negative host time (binding cost above the kernel's) has a warning in its cell, and no ratio."""
    natives = {native_key(r): r for r in results if r.cell.runtime == "native" and r.status == OK}
    for r in results:
        base = natives.get(native_key(r))
        if r.status != OK or base is None:
            continue
        for metric, (_, value) in metrics.items():
            v, b = value(r), value(base)
            if v and b and not (v < 0 or b < 0):
                yield r, base, metric, v / b


def geomean_gsd(values: list[float], *, ddof: int = 1) -> tuple[float, float]:
    """Geometric mean and geometric standard deviation (1.0 for one value) of positive numbers.
    The SD's divisor is the count less `ddof`: 1, the sample SD (wasmcu's scores); 0, the
    population SD (Embench's own score)."""
    if not values or any(v <= 0 for v in values):
        raise ValueError(f"geometric mean of non-positive or no values: {values!r}")
    logs = [math.log(v) for v in values]
    mean = sum(logs) / len(logs)
    if len(logs) < 2:
        return math.exp(mean), 1.0
    var = sum((x - mean) ** 2 for x in logs) / (len(logs) - ddof)
    return math.exp(mean), math.exp(math.sqrt(var))
