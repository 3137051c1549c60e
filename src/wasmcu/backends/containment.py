"""The containment suite on the backends: a misbehaving kernel run once, observed, classified (wasmcu.measure.containment).

On the host the call runs in a worker process of its own (wasmcu.backends.containment_call) under
a short time limit; wasmtime meters it with fuel; V8 and WAMR run it in their own programs, whose
watchdog has the runtime terminate a call that outlives WATCHDOG_S (V8 heeds it; a WAMR built
without its thread manager does not, and its program says so). On an
emulated board the firmware is built with the canary (backends/firmware/canary.c) and the
containment report of main.c, and QEMU runs it under a small instruction budget, which stands
in for a watchdog. The cell is `ok` when the outcome was observed and classified, whatever it
was; `error` only when nothing could be observed (a build that failed, a report that is not one).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from ..measure.containment import Observation, classify
from ..measure.footprint import symbol_address
from ..model import OK, UNSUPPORTED
from ..protocol import parse
from ..runtimes.base import HostJob
from ..workloads import SEED

# the host's runtimes that run in the worker process (wasmcu.backends.containment_call); the others
# (V8, WAMR) have a containment program of their own (their runtime's `contain`)
IN_PROCESS = ("native", "wasm2c", "wasm3", "wasm3-gas", "wasmtime", "wasmtime-pulley")
HOST_LIMIT_S = 5.0                   # the host's time limit for one misbehaving call
WATCHDOG_S = 1.0                     # a runtime's own watchdog (V8, WAMR): well inside the host's limit
BOARD_LIMIT_INSTRUCTIONS = 50_000_000  # an emulated board's budget: a watchdog's part
FUEL = 50_000_000                    # wasmtime's fuel for one call: far more than any kernel of the suite needs
METERING = {
    "wasmtime": f"wasmtime fuel: {FUEL:,} units, then the runtime traps",
    "wasmtime-pulley": f"wasmtime fuel: {FUEL:,} units, then the runtime traps",
    "wasm3": "none: wasm3 meters only a module instrumented for gas (the runtime wasm3-gas); only the time limit "
             "ends an endless loop here",
    "wasm2c": "none: wasm2c's generated C has no metering; only the time limit ends an endless loop",
    "native": "none: native code has no metering; only the time limit (a watchdog on a board) ends an endless loop",
    "v8-liftoff": f"a watchdog: the call runs in a vm context with a {WATCHDOG_S:g} s timeout, then V8 terminates it",
    "v8-turbofan": f"a watchdog: the call runs in a vm context with a {WATCHDOG_S:g} s timeout, then V8 terminates it",
}
WAMR_METERING = (f"a watchdog thread calls wasm_runtime_terminate after {WATCHDOG_S:g} s; WAMR heeds it only "
                 f"when built with its thread manager (WAMR_BUILD_THREAD_MGR=1), and an instruction budget "
                 f"only with WAMR_BUILD_INSTRUCTION_METERING=1")


def _metering(rt) -> str:
    if rt.name in METERING:
        return METERING[rt.name]
    if rt.name.startswith("wamr-"):
        return WAMR_METERING
    return getattr(rt, "metering", None) or "none offered to wasmcu by this runtime"


def _supported(rt) -> bool:
    return rt.name in IN_PROCESS or callable(getattr(rt, "contain", None))


def _finish(res, workload, rt, obs: Observation) -> None:
    res.extra.update(classify(obs, rt.wasm, workload.containment.get("refused_result")),
                     misbehaviour=workload.containment["misbehaviour"],
                     metering=_metering(rt))
    if getattr(rt, "contain_settings", None):  # the suite's own budget (wasm3-gas), recorded where the settings are
        res.provenance["runtime_settings"] = {**(res.provenance.get("runtime_settings") or {}), **rt.contain_settings}
    res.status = OK


def host_cell(res, workload, rt, artifact: str, timeout_s: float, run_worker) -> None:
    """Observe one misbehaving call on the host and classify it into `res`; `run_worker(job,
    timeout_s)` runs a job in a worker process (wasmcu.backends.host.run_worker)."""
    if not _supported(rt):
        res.fail("unsupported", f"the containment suite runs on the host's in-process runtimes "
                                f"({', '.join(IN_PROCESS)}) and on those with a containment program of their "
                                f"own (V8, WAMR); {rt.name} has neither", UNSUPPORTED)
        return
    limit = min(timeout_s, HOST_LIMIT_S)
    job = HostJob(runtime=rt.name, artifact=artifact, seed=SEED, containment=True,
                  fuel=FUEL if rt.name.startswith("wasmtime") else None,
                  watchdog_s=min(WATCHDOG_S, limit / 2))
    out = run_worker(job, limit)
    obs = Observation(second_call="none: the process did not survive")
    if out.get("kind") == "timeout":
        obs.hang, obs.detect_us, obs.detect_kind = f"the host's {limit:g} s time limit", limit * 1e6, "limit"
    elif out.get("kind") == "crash":
        obs.fault = out["error"]
    elif "error" in out:
        res.fail(out.get("kind", "error"), out["error"])
        return
    else:
        c = out["containment"]
        obs = Observation(trap=c["trap"], result=c["result"], alive=c["alive"], alive_error=c["alive_error"],
                          detect_us=c["detect_us"], detect_kind="measured", second_call=c["second_call"],
                          stopped_by=c.get("stopped_by"), hang=c.get("hang"))
        if c.get("hang"):
            obs.detect_kind = "limit"
    _finish(res, workload, rt, obs)


def qemu_cell(res, workload, rt, elf: Path, device, arch, ctx, *, command, arm_fault) -> None:
    """Run the containment firmware under QEMU with a small instruction budget and classify it;
    `command(elf, device, arch, counts_file, limit, memory_model)` (QEMU's command line under the
    event-count plugin) and `arm_fault(text, device, stack_bottom)` are the qemu backend's
    (wasmcu.backends.qemu)."""
    budget = min(ctx.max_instructions, BOARD_LIMIT_INSTRUCTIONS)
    with tempfile.TemporaryDirectory(prefix="wasmcu-contain-") as tmp:
        counts_file = Path(tmp) / "counts.json"
        cmd = command(elf, device, arch, counts_file, budget, memory_model=False)
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=ctx.timeout_s)
        except subprocess.TimeoutExpired:
            res.fail("timeout", f"timeout: QEMU did not finish within {ctx.timeout_s:g} s")
            return
        counts = json.loads(counts_file.read_text()) if counts_file.is_file() else None
    text = (proc.stdout + proc.stderr).decode(errors="replace")
    report = parse(proc.stdout + proc.stderr)
    res.extra["qemu_exit"] = proc.returncode
    obs = Observation(second_call="none: the firmware did not survive")
    run_w = counts["windows"][0] if counts else None
    hz = device.clock_hz
    if counts and counts.get("limit_hit"):
        obs.hang = (f"the emulator's budget of {budget:,} instructions (a watchdog's part; about "
                    f"{budget / hz * 1e3:,.0f} ms at {hz / 1e6:g} MHz at one instruction a cycle)")
        obs.detect_us, obs.detect_kind = budget / hz * 1e6, "limit"
    elif "error" in report.fields:  # the firmware's own fault handler (RISC-V) said what happened
        obs.fault = f"firmware reported {report.fields['error']}"
    elif "contain_rc" in report.fields and report.ended:
        trapped = report.int("contain_rc") != 0
        alive_ok = report.int("alive_rc") == 0
        obs = Observation(trap=report.fields.get("trap", "trap") if trapped else None,
                          result=None if trapped else report.int("checksum"),
                          alive=report.int("alive") if alive_ok else None,
                          alive_error=None if alive_ok else "the second call trapped too",
                          canary_intact=report.int("canary") == 1, second_call="the same runtime instance",
                          stopped_by=report.fields.get("stopped_by") if trapped else None)
        if run_w is not None:
            est = device.cycle_model.estimate({"insns": run_w["insns"], **run_w["events"]})
            obs.detect_us, obs.detect_kind = est.cycles / hz * 1e6, "estimated"
    elif proc.returncode != 0:
        fault = arm_fault(text, device, symbol_address(elf, "__heap_end"))  # (kind, message) or None
        obs.fault = fault[1] if fault else f"the firmware stopped (QEMU exit status {proc.returncode}): {text.strip()[-200:]!r}"
    else:
        res.fail("no-report", f"the firmware's containment report is incomplete: {text.strip()[-300:]!r}")
        return
    _finish(res, workload, rt, obs)
