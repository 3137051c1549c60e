"""Timing a kernel that is not repeatable: one call per fresh instance, as a board runs it.

A board calls `run(seed)` once after reset. Some real programs change their own data (a
matrix inverted in place, a state machine that keeps its state), so a second call in the
same instance gives another result. Such a kernel is timed by `repeat` fresh instances
(a fresh load of the module or of a copy of the shared library; for runtimes with their
own host program, a process per sample), each called once. Every fresh instance must give
the same result; one that does not is a kernel that is not deterministic at all, an error.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..errors import CellError
from .base import HostJob, HostMeasurement

RUN_ONCE_NOTE = ("run-once: the kernel gives another result when called again in the same instance, so each "
                 "sample is one call in a fresh instance, as on a board")


def measure_once(rt, job: HostJob, reason: str | None = None) -> HostMeasurement:
    """`repeat` samples, each one call of `run(seed)` in a fresh instance of runtime `rt`."""
    checksums, samples, loads = [], [], []
    with tempfile.TemporaryDirectory(prefix="wasmcu-once-") as tmp:
        for i in range(max(1, job.repeat)):
            checksum, call_us, load_us = rt.once_sample(job, Path(tmp), i)
            checksums.append(checksum & 0xFFFFFFFF)
            samples.append(call_us)
            loads.append(load_us)
            if checksums[-1] != checksums[0]:
                raise CellError(f"kernel is not deterministic: a fresh instance returned {checksums[-1]:#x}, "
                                f"the first one {checksums[0]:#x} (the same seed, nothing kept between them)")
    extra = {"run_once": True, "run_once_note": RUN_ONCE_NOTE}
    if reason:
        extra["run_once_reason"] = reason
    return HostMeasurement(checksum=checksums[0], samples_us=samples, load_samples_us=loads, calls_per_sample=1,
                           extra=extra)
