"""Statistics for sampled timings: median, bootstrap CI, MAD outliers, instability."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAD_SCALE = 1.4826        # MAD -> standard deviation for normal data
OUTLIER_MADS = 3.5        # a sample this many scaled MADs from the median is an outlier
UNSTABLE_RCV = 0.10       # robust coefficient of variation above which we warn (pyperf warns at 10 %)


@dataclass
class Summary:
    n: int
    median: float
    ci_low: float
    ci_high: float
    mad: float
    outliers: list[int]
    unstable: bool
    warning: str | None

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def summarize(samples: list[float], *, confidence: float = 0.95, resamples: int = 2000, seed: int = 0) -> Summary:
    """Median with a percentile-bootstrap confidence interval of the median."""
    x = np.asarray(samples, dtype=float)
    if x.size == 0:
        raise ValueError("no samples")
    med = float(np.median(x))
    mad = float(np.median(np.abs(x - med)))
    if x.size >= 3:
        rng = np.random.default_rng(seed)
        boots = np.median(rng.choice(x, size=(resamples, x.size), replace=True), axis=1)
        alpha = (1 - confidence) / 2
        low, high = (float(v) for v in np.quantile(boots, [alpha, 1 - alpha]))
    else:
        low, high = float(x.min()), float(x.max())
    scaled = MAD_SCALE * mad
    outliers = [int(i) for i in np.nonzero(np.abs(x - med) > OUTLIER_MADS * scaled)[0]] if scaled > 0 else []
    rcv = scaled / med if med > 0 else 0.0
    warning = None
    if rcv > UNSTABLE_RCV:
        warning = (f"unstable: spread is {rcv:.0%} of the median (MAD-based); "
                   "use more --repeat, or a quieter machine")
    elif len(outliers) > max(1, x.size // 10):
        warning = f"{len(outliers)} of {x.size} samples are outliers"
    return Summary(n=int(x.size), median=med, ci_low=low, ci_high=high, mad=mad, outliers=outliers,
                   unstable=rcv > UNSTABLE_RCV, warning=warning)
