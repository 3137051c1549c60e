"""The host side of the containment suite: one misbehaving call and a second call, in the worker process.

Runs in `python -m wasmcu.worker` (a process of its own, so that a fault or a hang ends
that process only). The misbehaving call is run(seed); the second call is run(0), which a
contained kernel answers with wasmcu.measure.containment.ALIVE: through the same library for
the runtimes that load one (native, wasm2c), through a fresh instance in the same process
for the others (wasm3, wasmtime), whose bindings hand out no second entry point. A runtime that
runs in a program of its own (V8, WAMR) has that program observe both calls (its `contain`,
wasmcu.runtimes.contained_program), under its own watchdog.
"""

from __future__ import annotations

import dataclasses
import time

from ..errors import CellError
from ..runtimes.base import HostJob

# the failure kinds that say the runtime stopped the call on a budget (metering or a watchdog)
STOP_KINDS = ("out-of-fuel", "out-of-gas", "terminated")


def contain(job: HostJob) -> dict:
    """{'containment': {trap, trap_kind, result, alive, alive_error, detect_us, second_call,
    stopped_by}}; a fault or a hang never returns here (the parent sees the process die or time out)."""
    from ..runtimes import get

    rt = get(job.runtime)
    program = getattr(rt, "contain", None)
    if program is not None:  # the runtime's own program observes both calls
        c = program(job)
        return {"containment": {k: c.get(k) for k in ("trap", "trap_kind", "result", "alive", "alive_error",
                                                      "detect_us", "second_call", "stopped_by", "hang")}}
    call = rt.load(job)
    trap = trap_kind = result = stopped_by = None
    t0 = time.perf_counter_ns()
    try:
        result = call() & 0xFFFFFFFF
    except CellError as exc:
        trap, trap_kind = str(exc), exc.kind
        if exc.kind in STOP_KINDS:
            stopped_by = getattr(rt, "metering_words", {}).get(exc.kind, exc.kind)
    detect_us = (time.perf_counter_ns() - t0) / 1000
    alive = alive_error = None
    try:
        alive = rt.load(dataclasses.replace(job, seed=0))() & 0xFFFFFFFF
    except CellError as exc:
        alive_error = str(exc)
    second = "the same library in this process" if rt.shared_library or not rt.wasm else \
        "a fresh instance in the same process"
    return {"containment": {"trap": trap, "trap_kind": trap_kind, "result": result, "alive": alive,
                            "alive_error": alive_error, "detect_us": detect_us, "second_call": second,
                            "stopped_by": stopped_by}}
