"""The `host` backend: this computer, every runtime in a worker process."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
from dataclasses import asdict

from .. import bounded, runtimes
from ..errors import BuildError, CellError, DoesNotFit, ToolMissing, ToolTooOld, WasmcuError
from ..measure.stats import summarize
from ..model import DOES_NOT_FIT, OK, UNSUPPORTED, Draft, Result
from ..runtimes.base import HostJob
from ..toolchains.wasm import build_wasm, memory_pages
from ..measure.sample_check import check_samples
from ..runtimes import wasi, wasi_host
from ..runtimes.wasi import host as wasi_harness
from ..workloads import SEED, WASM_ONLY
from ..workloads.kernel_source import kernel_source
from .base import Backend, RunContext
from .containment import host_cell
from .benefits import record_module
from .image import record_library_cost
from ..runtimes.identity import runtime_record

HOST_LINEAR_MEMORY_LIMIT = 1 << 30  # 1 GiB; a host profile may set [limits] linear_memory_bytes


def check_linear_memory(wasm, limit: int, device: str) -> None:
    """Refuse a module whose initial linear memory exceeds what the device allows."""
    try:
        pages = memory_pages(wasm.read_bytes())
    except ValueError:
        return  # not a valid module: the runtime reports its own error
    if pages is not None and pages * 65536 > limit:
        raise DoesNotFit(f"does not fit {device}: the module needs {pages * 64} KB of linear memory "
                         f"({pages} pages), {device} allows {limit // 1024} KB")


class HostBackend(Backend):
    name = "host"

    def unsupported_reason(self, runtime, device):
        rt = runtimes.get(runtime)
        if not runtimes.runs_on(rt, self.name):
            return f"runtime '{runtime}' runs in firmware only: it has no host measurement"
        return rt.unavailable_reason()

    def run_cell(self, cell, workload, device, ctx: RunContext) -> Result:
        return self._measure(cell, workload, device, ctx).freeze()

    def prepare(self, cell, workload, device) -> None:
        """The kernel's module or native build (cached), made while other cells run: the
        timing itself runs alone."""
        rt = runtimes.get(cell.runtime)
        if cell.build != "o2" or rt.unavailable_reason() or (not rt.wasm and cell.lang == "wasm"):
            return
        if _wasi_program(rt, workload, cell):
            return  # built when measured (wasi_harness.prepare)
        rt.prepare(kernel_source(workload, cell.n, cell.lang))

    def _measure(self, cell, workload, device, ctx: RunContext) -> Draft:
        rt = runtimes.get(cell.runtime)
        res = Draft(cell=cell, backend=self.name)
        if cell.build != "o2":
            res.fail("unsupported", f"build mode '{cell.build}' applies to boards (their vendor SDK's default "
                                    "optimisation); host builds use -O2", UNSUPPORTED)
            return res
        reason = rt.unavailable_reason()
        if reason:
            res.fail("unsupported", reason, UNSUPPORTED)
            return res
        if not rt.wasm and cell.lang in WASM_ONLY:
            res.fail("unsupported", WASM_ONLY[cell.lang], UNSUPPORTED)
            return res
        wasi_program = _wasi_program(rt, workload, cell)  # wasmcu's WASI layer in a host program (runtimes/wasi)
        if wasi_program and not wasi_harness.supported(rt):
            res.fail("unsupported", wasi_host.UNSUPPORTED, UNSUPPORTED)
            return res
        kernel = kernel_source(workload, cell.n, cell.lang)  # the kernel's build, worked out once for the cell
        try:
            if rt.wasm:
                limit = device.section("limits").get("linear_memory_bytes", HOST_LINEAR_MEMORY_LIMIT)
                check_linear_memory(build_wasm(kernel).wasm, limit, device.name)
            if wasi_program:
                wasi.check_imports(build_wasm(kernel).wasm, device.name)
                artifact, build_meta = wasi_harness.prepare(rt, kernel)
            else:
                artifact, build_meta = rt.prepare(kernel)
        except (BuildError, ToolMissing, ToolTooOld) as exc:
            res.fail("build-failed", f"build failed: {exc}")
            return res
        except DoesNotFit as exc:
            res.fail("does-not-fit", str(exc), DOES_NOT_FIT)
            return res
        except CellError as exc:
            res.fail(exc.kind, str(exc))
            return res
        record_module(res, kernel, None)
        res.provenance.update(build=build_meta, runtime_versions=rt.versions(), mode=rt.mode,
                              runtime_settings=dict(rt.host_sizes) or None, runtime=runtime_record(rt))
        if rt.wasm:  # the host's native kernel uses the system's shared libc: nothing is linked in
            record_library_cost(res, build_wasm(kernel).meta.get("library_cost"), "module")
        if workload.containment:  # a misbehaving kernel: observed and classified, not timed
            host_cell(res, workload, rt, artifact, ctx.timeout_s, run_worker)
            return res
        job = HostJob(runtime=rt.name, artifact=artifact, repeat=ctx.repeat, warmup=ctx.warmup, seed=SEED)
        out = wasi_harness.run(artifact, SEED, ctx.repeat, ctx.timeout_s) if wasi_program else \
            run_worker(job, ctx.timeout_s)
        if "error" in out:
            res.fail(out.get("kind", "error"), out["error"])
            return res
        res.status = OK
        res.checksum = out["checksum"] & 0xFFFFFFFF
        res.samples_us = out["samples_us"]
        res.load_samples_us = out["load_samples_us"]
        why, doubt = check_samples(res.samples_us)
        s = summarize(res.samples_us)
        res.time_us, res.time_us_ci, res.time_kind = s.median, [s.ci_low, s.ci_high], "measured"
        if why:  # a zero or negative time is never stored: the result stands, the time is no measurement
            res.time_us, res.time_us_ci, res.time_kind = None, None, None
            res.extra["time_unresolved"] = True
            doubt = f"no time stored: {why}"
        res.load_us = float(sorted(res.load_samples_us)[len(res.load_samples_us) // 2])
        res.host_rss_bytes = out.get("peak_rss_bytes")
        res.extra.update(stats=s.as_dict(), calls_per_sample=out.get("calls_per_sample", 1),
                         binding_us=out.get("binding_us"),
                         peak_rss_kind="process max RSS", **out.get("extra", {}))
        for w in (s.warning, doubt):
            if w:
                res.extra["warning"] = "; ".join(x for x in (res.extra.get("warning"), w) if x)
        return res


def _wasi_program(rt, workload, cell) -> bool:
    """Whether the cell's module imports WASI and the runtime gets it from wasmcu's own layer (not
    wasmtime's or Node's): it then runs in a host program of that layer (runtimes/wasi/host)."""
    if not rt.wasm or cell.runtime in wasi_host.RUNTIMES:
        return False
    try:
        return wasi.mode(kernel_source(workload, cell.n, cell.lang)) is not None
    except (BuildError, DoesNotFit, ToolMissing, ToolTooOld, CellError):
        return False  # the build reports it


def run_worker(job: HostJob, timeout_s: float) -> dict:
    """Run one job in `python -m wasmcu.worker`; kill its process group on timeout."""
    env = dict(os.environ)
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = bounded.start([sys.executable, "-m", "wasmcu.worker", *bounded.child_args(timeout_s)], env=env)
    out = bounded.communicate(proc, json.dumps(asdict(job)), timeout_s)  # kills the group on Ctrl-C too
    if out is None:
        return {"error": f"timeout: the kernel did not return within {timeout_s:g} s (raise it with --timeout)",
                "kind": "timeout"}
    stdout, stderr = out
    if proc.returncode != 0 or not stdout.strip():
        return {"error": crash_message(job, proc.returncode, stderr), "kind": "crash"}
    try:
        return json.loads(stdout)
    except json.JSONDecodeError:
        return {"error": f"worker printed garbage: {stdout[:200]!r}", "kind": "internal"}


CRASH_ADVICE = {
    "native": "run the kernel natively under a debugger (gdb) to see the faulting line, or run it with "
              "--runtime wasm3 or wasmtime, which stop an out-of-bounds access with a trap that says so",
}


def crash_message(job: HostJob, returncode: int, stderr: str) -> str:
    """What a crashed worker says: the signal, where (the Python frame the crash happened under,
    from the worker's fault handler: loading the kernel or calling it), and what to try."""
    sig = -returncode if returncode and returncode < 0 else None
    what = f"killed by signal {signal.Signals(sig).name}" if sig else f"exit status {returncode}"
    where = _crash_frame(stderr)
    advice = CRASH_ADVICE.get(job.runtime, f"run the kernel with another runtime (wasm3, wasmtime) to see whether "
                                           f"the kernel or the {job.runtime} runtime is at fault")
    own = [line.strip() for line in stderr.splitlines() if line.strip() and not _FRAME.search(line)
           and not line.startswith(("Fatal Python error", "Current thread", "Thread 0x", "Extension modules"))]
    tail = " ".join(own[-6:])[-400:]  # what the runtime itself printed, without the fault handler's frames
    text = f"the runtime crashed ({what})"
    if where:
        text += f" while {where}"
    text += f" [{job.runtime}, {job.artifact}]; what to try: {advice}"
    return text + (f"; its last output: {tail}" if tail else "")


# what the worker was doing, by the function of the innermost frame the fault handler printed
_PHASES = {"load": "loading the kernel", "once_sample": "running the kernel once in a fresh instance"}
_FRAME = re.compile(r'File "([^"]+)", line (\d+) in (\S+)')


def _crash_frame(stderr: str) -> str | None:
    """Where the worker crashed, from its fault handler's traceback (most recent call first)."""
    frames = _FRAME.findall(stderr)
    if not frames:
        return None
    file, line, func = frames[0]
    return f"{_PHASES.get(func, 'running the kernel')} (in {func}, {os.path.basename(file)}:{line})"


REFERENCE_WASM = "wasmtime"  # the reference runtime of a prebuilt module
_REFERENCES: dict[tuple, int] = {}
_REFERENCES_LOCK = threading.Lock()


def reference_runtime(lang: str) -> str:
    """The runtime whose result on the host is the expected checksum of a workload without an
    oracle: the native build of its language, or, for a prebuilt module (no source to build
    natively), wasmtime."""
    return REFERENCE_WASM if lang in WASM_ONLY else "native"


def native_reference(workload, n: int, lang: str, seed: int = SEED, timeout_s: float = 120) -> int:
    """The host's reference result of `run(seed)` for `workload` at size n in `lang`: the expected
    checksum of a workload without an oracle. Built like the reference runtime's cell (cached;
    `reference_runtime`), called once in a worker process; remembered for the rest of this process.
    Raises CellError saying why when there is no such result."""
    name = reference_runtime(lang)
    native = name == "native"
    its = "its host-native" if native else f"its reference ({name} on the host)"
    key = (str(workload.directory), workload.name, n, lang, seed)
    with _REFERENCES_LOCK:
        if key in _REFERENCES:
            return _REFERENCES[key]
    rt = runtimes.get(name)
    why = rt.unavailable_reason()
    if why:
        raise CellError(f"workload '{workload.name}' has no oracle and "
                        f"{'the host' + chr(39) + 's native result' if native else 'the reference runtime ' + name} is "
                        f"not available ({why}): give it an [oracle] in workload.toml", "reference-failed")
    try:
        artifact, _ = rt.prepare(kernel_source(workload, n, lang))
    except WasmcuError as exc:
        raise CellError(f"workload '{workload.name}' has no oracle and {its} build, which gives the "
                        f"expected checksum, failed: {exc}", "reference-failed") from None
    # called exactly as a board calls it: once, in a fresh instance
    job = HostJob(runtime=name, artifact=artifact, seed=seed, repeat=1, warmup=0, load_repeat=1,
                  min_sample_us=0.0, min_warmup_s=0.0, once=True)
    out = run_worker(job, timeout_s)
    if "error" in out:
        raise CellError(f"workload '{workload.name}' has no oracle and {its} run, which gives the "
                        f"expected checksum, failed: {out['error']}", "reference-failed")
    value = out["checksum"] & 0xFFFFFFFF
    with _REFERENCES_LOCK:
        _REFERENCES[key] = value
    return value
