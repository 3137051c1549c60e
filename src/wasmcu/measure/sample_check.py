"""Host timing samples that cannot be durations: a zero or negative time is never stored as ok.

A runtime timed through a Python binding has the binding's cost, measured right after each
sample, taken out of that sample; under load the difference can be zero or negative (`-5.0 us`
was seen). A cell whose median time is not positive has no measurement: its result (the
checksum) stands, but no time is stored (`time_us` null, `extra.time_unresolved`, a warning
saying why); a few samples of zero or less under a positive median are a warning, since they
bias the median down.
"""

from __future__ import annotations

import math
import statistics


def check_samples(samples: list[float], what: str = "time") -> tuple[str | None, str | None]:
    """(why the samples are no measurement, or None; a warning about some of them, or None)."""
    if not samples:
        return f"no {what} sample was taken", None
    if not all(isinstance(s, (int, float)) and math.isfinite(s) for s in samples):
        return f"a {what} sample is not a number ({samples[:5]})", None
    bad = [s for s in samples if s <= 0]
    if not bad:
        return None, None
    shown = ", ".join(f"{s:g}" for s in bad[:3]) + (", ..." if len(bad) > 3 else "")
    median = statistics.median(samples)
    if median <= 0:
        return (f"the median {what} is {median:g} us ({len(bad)} of {len(samples)} samples are zero or negative: "
                f"{shown}): the kernel's time is below what the host's clock and the binding let wasmcu resolve, "
                f"or the machine is loaded; use a larger n or a quieter machine"), None
    return None, (f"{len(bad)} of {len(samples)} {what} samples were zero or negative ({shown} us) once the "
                  f"binding's cost was taken out: the median is biased low; use a larger n or a quieter machine")
