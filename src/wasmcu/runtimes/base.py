"""What a runtime is, and the timing loop every in-process runtime shares."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import CellError


@dataclass
class HostJob:
    """One host measurement, as sent to the worker process."""

    runtime: str
    artifact: str = ""
    seed: int = 42                   # the argument of run(seed) (wasmcu.workloads.SEED)               # what the runtime loads: module, shared library, AOT file
    repeat: int = 20
    warmup: int = 3
    load_repeat: int = 3
    min_sample_us: float = 5000.0    # calls are batched so one sample lasts at least this (5 ms)
    min_warmup_s: float = 0.2        # warm up for at least this long (CPU clocks and caches settle)


@dataclass
class HostMeasurement:
    checksum: int
    samples_us: list[float]
    load_samples_us: list[float]
    calls_per_sample: int = 1
    extra: dict = field(default_factory=dict)


class Runtime:
    """A way to execute a kernel. Subclasses fill in the class attributes and methods."""

    name: str = ""
    mode: str = ""          # native, interpreter, jit, aot, transpiler
    summary: str = ""
    wasm: bool = True       # runs a wasm module (False: native code)
    # the artifact is a shared library: the dynamic loader would hand out the library it
    # already loaded, so each timed load gets a fresh copy of the file (made untimed)
    shared_library: bool = False

    def unavailable_reason(self) -> str | None:
        """None when the runtime can run on this host; else what is missing and how to get it."""
        return None

    def versions(self) -> dict[str, str]:
        return {}

    def prepare(self, workload, n: int, lang: str) -> tuple[str, dict]:
        """Build stage (in the parent process): the artifact to load and its build metadata."""
        from ..toolchains.wasm import build_wasm

        module = build_wasm(workload, n, lang)
        return str(module.wasm), module.meta

    def load(self, job: HostJob) -> Callable[[], int]:
        """Load and instantiate; return a zero-argument callable that runs the kernel once."""
        raise NotImplementedError

    def measure(self, job: HostJob) -> HostMeasurement:
        """Default in-process measurement: time `load` and then repeated calls."""
        load_samples = []
        call = None
        with tempfile.TemporaryDirectory(prefix="wasmcu-load-") as tmp:
            for i in range(max(1, job.load_repeat)):
                this = job
                if self.shared_library:
                    copy = Path(tmp) / f"{i}-{Path(job.artifact).name}"
                    shutil.copyfile(job.artifact, copy)
                    this = dataclasses.replace(job, artifact=str(copy))
                t0 = time.perf_counter_ns()
                call = self.load(this)
                load_samples.append((time.perf_counter_ns() - t0) / 1000)
            return time_calls(call, job, load_samples)


def time_calls(call: Callable[[], int], job: HostJob, load_samples: list[float]) -> HostMeasurement:
    """Warm up, calibrate calls per sample, then take `job.repeat` samples."""
    first = _u32(call())
    deadline = time.perf_counter() + job.min_warmup_s
    done = 0
    while done < job.warmup or time.perf_counter() < deadline:
        _check(call(), first)
        done += 1
    # calibration: how many calls make one sample last at least min_sample_us
    t0 = time.perf_counter_ns()
    _check(call(), first)
    one = max((time.perf_counter_ns() - t0) / 1000, 0.01)
    inner = max(1, min(10_000, int(job.min_sample_us / one) + 1)) if one < job.min_sample_us else 1
    samples = []
    perf = time.perf_counter_ns
    for _ in range(max(1, job.repeat)):
        bad = None
        t0 = perf()
        for _ in range(inner):
            r = call()
            if r != first and _u32(r) != first:
                bad = r
        t1 = perf()
        if bad is not None:
            _check(bad, first)
        samples.append((t1 - t0) / 1000 / inner)
    return HostMeasurement(checksum=first, samples_us=samples, load_samples_us=load_samples, calls_per_sample=inner)


def _u32(value) -> int:
    if isinstance(value, (list, tuple)):
        value = value[0]
    if not isinstance(value, int):
        raise CellError(f"kernel returned {value!r}, expected an i32")
    return value & 0xFFFFFFFF


def _check(value, first: int) -> None:
    if _u32(value) != first:
        raise CellError(f"kernel is not deterministic: returned {_u32(value):#x} after {first:#x}")
