"""Host timing samples that cannot be durations: a zero or negative time is never stored as ok.

A clock read in the wrong order, a counter that wrapped or a harness bug can give a sample of
0 or less (under load, ``-5.0 us`` was seen); a median of such samples is no measurement.
"""

from __future__ import annotations

import math


def invalid_samples(samples: list[float], what: str = "time") -> str | None:
    """Why these samples are not durations (zero, negative, not finite, none), or None."""
    if not samples:
        return f"no {what} sample was taken"
    bad = [s for s in samples if not isinstance(s, (int, float)) or not math.isfinite(s) or s <= 0]
    if not bad:
        return None
    return (f"{len(bad)} of {len(samples)} {what} samples are not positive durations ({', '.join(f'{s:g}' for s in bad[:3])}"
            f"{', ...' if len(bad) > 3 else ''} us): the host clock or the harness gave an impossible time, so the "
            f"cell is not stored as ok; run it again on a quieter machine")
