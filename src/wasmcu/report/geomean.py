"""The geometric mean and geometric standard deviation every summary of ratios in the report uses."""

from __future__ import annotations

import math


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
