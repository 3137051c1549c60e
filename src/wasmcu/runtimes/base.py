"""What a runtime is, and wasmcu's one timing protocol.

The timing protocol, implemented once per language — here in Python (`time_calls`),
in C (`timing_loop.c`, the wasm2c glue, WAMR's `wamr/bench.c`) and in JavaScript
(`v8_bench.js`) — and the same in all of them:

1. The first call's result is the reference checksum.
2. Warm-up: at least `warmup` calls and at least `min_warmup_s` seconds.
3. Calibration: one call is timed; a sample is `inner` consecutive calls, with `inner`
   the smallest count lasting at least `min_sample_us` (1 to 10,000).
4. `repeat` samples; every call's result is compared with the reference; the per-call
   time of a sample is its time divided by `inner`. A difference (in the warm-up or a
   sample) means the kernel is not repeatable (NotRepeatable): it is then timed by fresh
   instances, one call each, as a board runs it (measure_once below).
5. The calls of a sample are timed inside the runtime's own host program where it has
   one (a C loop for native and wasm2c, the JS loop for V8, WAMR's C program), so no
   binding call is in the figure. Runtimes driven through a Python binding (wasm3,
   wasmtime) are timed from a Python loop: the same protocol is run on a module whose
   `run` returns its argument, and that per-call binding cost is reported apart
   (`binding_us`) and taken out of the kernel's samples.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import CellError, NotRepeatable


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
    containment: bool = False        # one misbehaving call and a second one (wasmcu.runtimes.contain), no timing
    fuel: int | None = None          # a metering limit, for runtimes that offer one (wasmtime's fuel)
    watchdog_s: float | None = None  # containment: a runtime's own program stops a call that runs longer (V8, WAMR)
    once: bool = False               # one call per fresh instance (a run-once kernel, the host reference)


@dataclass
class HostMeasurement:
    checksum: int
    samples_us: list[float]
    load_samples_us: list[float]
    calls_per_sample: int = 1
    binding_us: float | None = None   # per-call cost of the binding, taken out of samples_us
    peak_rss_bytes: int | None = None  # an out-of-process runtime's own peak RSS (run_measured)
    extra: dict = field(default_factory=dict)


# a module whose run(x) returns x: timing it through a binding gives the binding's cost
IDENTITY_WASM = bytes.fromhex("0061736d01000000" "01060160017f017f" "03020100" "070701037275" "6e0000"
                              "0a0601040020000b")

# Loop(n, expect) -> (elapsed µs of n calls timed inside the runtime's program, a result
# that differed from `expect` or None)
Loop = Callable[[int, int], "tuple[float, int | None]"]


class Runtime:
    """A way to execute a kernel: one declaration, registered with
    ``@wasmcu.runtimes.registry.register`` (or an entry point in group ``wasmcu.runtimes``).
    Subclasses fill in the class attributes and the methods of the places they run."""

    name: str = ""
    mode: str = ""          # one of wasmcu.model.EXECUTION_MODES
    summary: str = ""
    # where it runs: "host" (this computer, through `load`/`measure`) and/or "firmware" (the
    # emulated and real boards, through `firmware_glue` and `firmware_parts`)
    where: tuple[str, ...] = ("host",)
    # in the default set (the runtimes a device runs when the user names none): True on every
    # backend it runs on, False on none, or a tuple of backends ("host", "qemu", "board")
    default: bool | tuple[str, ...] = True
    wasm: bool = True       # runs a wasm module (False: native code)
    # the artifact is a shared library: the dynamic loader would hand out the library it
    # already loaded, so each timed load gets a fresh copy of the file (made untimed)
    shared_library: bool = False
    # the firmware glue implementing the firmware frame's interface (backends/firmware/wasmcu_fw.h):
    # the path of a C file, by convention `glue.c` in the runtime's own folder
    # (``Path(__file__).with_name("glue.c")``)
    firmware_glue: Path | str | None = None
    # the compiler of the runtime's firmware library where it is not the architecture's GCC
    # (the vendor SDKs' compiler): arch name -> ("clang", why)
    firmware_cc_default: dict[str, tuple[str, str]] = {}
    # sizes the firmware part is built with, which change its footprint: name -> (default,
    # the C macro the glue reads). A device overrides them in [runtimes.NAME]; each cell's
    # provenance records the values used (`runtime_settings`).
    firmware_sizes: dict[str, tuple[int, str]] = {}
    # sizes the host runtime is set up with (recorded as `runtime_settings` in host cells)
    host_sizes: dict[str, int] = {}

    def unavailable_reason(self) -> str | None:
        """None when the runtime can run on this host; else what is missing and how to get it."""
        return None

    def versions(self) -> dict[str, str]:
        return {}

    def version_info(self) -> dict:
        """The runtime's own version, the sha256 of the sources it was built from and where it
        came from (each None where unknown); every cell records it (`provenance.runtime`)."""
        return {"version": None, "source_sha256": None, "from": None}

    def prepare(self, kernel) -> tuple[str, dict]:
        """Build stage (in the parent process): the artifact to load and its build metadata.
        `kernel`: the cell's kernel build (wasmcu.workloads.kernel_source.KernelSource)."""
        from ..toolchains.wasm import build_wasm

        module = build_wasm(kernel)
        return str(module.wasm), module.meta

    def derived_artefact(self, wasm: Path, arch: str | None) -> tuple[str, Path] | None:
        """The artefact this runtime derives from the module ahead of the run, for a board
        architecture or (None) the host: (its kind, its file), or None when it runs the module
        itself (an interpreter, a JIT)."""
        return None

    def firmware_unavailable_reason(self, device) -> str | None:
        """None when the firmware part can be built for `device`; else what is missing."""
        return None

    def firmware_parts(self, kernel, device, arch, opt: str) -> tuple[list, list, list]:
        """What the firmware links besides main.c and the glue: (objects, static libraries or C
        sources; include directories; extra compiler flags such as -D defines). `kernel`: the
        cell's kernel build (wasmcu.workloads.kernel_source.KernelSource)."""
        raise NotImplementedError(f"runtime {self.name!r} declares no firmware parts")

    def default_firmware_cc(self, arch_name: str) -> tuple[str, str]:
        """The compiler of this runtime's firmware on an architecture when the cell names none, and why."""
        return self.firmware_cc_default.get(arch_name, ("gcc", "the architecture's GCC, as the vendor SDKs use"))

    def firmware_settings(self, device) -> dict[str, int]:
        """The sizes the firmware part is built with: the runtime's defaults, overridden by the
        device's [runtimes.NAME] table (checked when the device is loaded; a version's NAME@VERSION
        table over its family's)."""
        tables = device.section("runtimes")  # a version (`wasm3@0.9.0`) takes its family's sizes, then its own
        given = {**tables.get(self.name.split("@", 1)[0], {}), **tables.get(self.name, {})}
        return {key: int(given.get(key, default)) for key, (default, _) in self.firmware_sizes.items()}

    def firmware_defines(self, device) -> list[str]:
        """The sizes as -D flags for the glue."""
        settings = self.firmware_settings(device)
        return [f"-D{macro}={settings[key]}" for key, (_, macro) in self.firmware_sizes.items()]

    def doctor_lines(self) -> list[str]:
        """What `wasmcu doctor` says about this runtime's builds beyond its availability (lines
        that several runtimes of one family share are printed once)."""
        return []

    def load(self, job: HostJob) -> Callable[[], int]:
        """Load and instantiate; return a zero-argument callable that runs the kernel once."""
        raise NotImplementedError

    def loop(self, call, job: HostJob) -> Loop | None:
        """The timing loop inside the runtime's program for a loaded kernel, or None: the
        calls are then timed from Python and the binding's cost is measured apart."""
        return None

    def identity(self, job: HostJob, tmp: Path) -> Callable[[], int] | None:
        """A loaded function that returns its argument, through the same binding as `load`
        (None: there is no binding to measure)."""
        if not self.wasm:
            return None
        path = tmp / "identity.wasm"
        path.write_bytes(IDENTITY_WASM)
        return self.load(dataclasses.replace(job, artifact=str(path)))

    def once_sample(self, job: HostJob, tmp: Path, i: int) -> tuple[int, float, float]:
        """One call of `run(seed)` in a fresh instance: (result, call µs, load µs). In-process
        by default; a runtime with its own host program runs it once per sample."""
        this = job
        if self.shared_library:  # a fresh copy: the loader would hand back the loaded library
            copy = tmp / f"once-{i}-{Path(job.artifact).name}"
            shutil.copyfile(job.artifact, copy)
            this = dataclasses.replace(job, artifact=str(copy))
        t0 = time.perf_counter_ns()
        call = self.load(this)
        t1 = time.perf_counter_ns()
        result = _u32(call())
        t2 = time.perf_counter_ns()
        return result, (t2 - t1) / 1000, (t1 - t0) / 1000

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
            loop = self.loop(call, job)
            ident = self.identity(job, Path(tmp))
            return time_calls(call, job, load_samples, loop, ident)


def run_measured(cmd: list[str]) -> tuple[subprocess.CompletedProcess, int]:
    """Run an out-of-process runtime; its output and the peak RSS of that process alone
    (not of other tools the worker ran, which RUSAGE_CHILDREN would include)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(cmd, proc.returncode, out.read(), err.read()), usage.ru_maxrss * 1024


def _python_batch(call: Callable[[], int], first: int, inner: int) -> tuple[float, int | None]:
    bad = None
    perf = time.perf_counter_ns
    t0 = perf()
    for _ in range(inner):
        r = call()
        if r != first and _u32(r) != first:
            bad = r
    return (perf() - t0) / 1000, bad


def time_calls(call: Callable[[], int], job: HostJob, load_samples: list[float],
               loop: Loop | None = None, identity: Callable[[], int] | None = None) -> HostMeasurement:
    """The timing protocol (module docstring): from Python, or through the runtime's own `loop`.

    `identity` is the same binding calling a function that returns its argument: each
    sample of it is taken right after a sample of the kernel, so the binding's cost is
    measured under the same conditions; without a `loop` it is taken out of each sample."""
    first = _u32(call())
    deadline = time.perf_counter() + job.min_warmup_s
    done = 0
    while done < job.warmup or time.perf_counter() < deadline:
        _check(call(), first)
        done += 1
    perf = time.perf_counter_ns
    if loop is not None:
        one, bad = loop(1, first)
    else:
        t0 = perf()
        bad = call()
        one = (perf() - t0) / 1000
        bad = None if _u32(bad) == first else bad
    if bad is not None:
        _check(bad, first)
    one = max(one, 0.01)
    inner = max(1, min(10_000, int(job.min_sample_us / one) + 1)) if one < job.min_sample_us else 1
    ident_first = _u32(identity()) if identity is not None else None
    samples, binding = [], []
    for _ in range(max(1, job.repeat)):
        elapsed, bad = loop(inner, first) if loop is not None else _python_batch(call, first, inner)
        if bad is not None:
            _check(bad, first)
        samples.append(elapsed / inner)
        if identity is not None:
            b, _ = _python_batch(identity, ident_first, inner)
            binding.append(b / inner)
    m = HostMeasurement(checksum=first, samples_us=samples, load_samples_us=load_samples, calls_per_sample=inner)
    if binding:
        m.binding_us = sorted(binding)[len(binding) // 2]
        if loop is None:  # timed from Python: take the binding out of each sample
            m.extra["raw_samples_us"] = samples
            m.samples_us = [k - b for k, b in zip(samples, binding)]
            if sorted(m.samples_us)[len(m.samples_us) // 2] <= 0:
                m.extra["warning"] = (f"the kernel's time is below what the binding lets wasmcu resolve "
                                      f"({m.binding_us:.2f} µs per call through it): use a larger n")
    return m


def _u32(value) -> int:
    if isinstance(value, (list, tuple)):
        value = value[0]
    if not isinstance(value, int):
        raise CellError(f"kernel returned {value!r}, expected an i32", "load-failed")
    return value & 0xFFFFFFFF


def _check(value, first: int) -> None:
    if _u32(value) != first:
        raise NotRepeatable(f"kernel is not repeatable: returned {_u32(value):#x} after {first:#x} in the same "
                            "instance")


# --- a kernel that is not repeatable: one call per fresh instance, as a board runs it ----------
# A board calls `run(seed)` once after reset. Some real programs change their own data (a matrix
# inverted in place, a state machine that keeps its state), so a second call in the same instance
# gives another result. Such a kernel is timed by `repeat` fresh instances (a fresh load of the
# module or of a copy of the shared library; for runtimes with their own host program, a process
# per sample), each called once. Every fresh instance must give the same result; one that does
# not is a kernel that is not deterministic at all, an error.

def harness_not_repeatable(who: str, error: str) -> NotRepeatable:
    """A host program's "not-repeatable: ..." report, worded as the in-process runtimes word it."""
    return NotRepeatable(f"kernel is not repeatable under {who}: {error.split(': ', 1)[-1]}")


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
                                f"the first one {checksums[0]:#x} (the same seed, nothing kept between them)",
                                "not-deterministic")
    extra = {"run_once": True, "run_once_note": RUN_ONCE_NOTE}
    if reason:
        extra["run_once_reason"] = reason
    return HostMeasurement(checksum=checksums[0], samples_us=samples, load_samples_us=loads, calls_per_sample=1,
                           extra=extra)
