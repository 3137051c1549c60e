"""Containment: what a misbehaving kernel did to its runtime and to the code around it, observed and classified.

A containment kernel (a workload with [containment]) misbehaves when called as run(seed),
seed != 0, and answers ALIVE when called as run(0). A backend observes one misbehaving call
and then a second call, and hands the observation to `classify`:

- outcome `trapped`: the runtime stopped the kernel and said why (`trap`, its own words);
- `stopped`: the runtime stopped the kernel on a budget: its metering (wasmtime's fuel, the gas
  of a module instrumented for it) ran out, or a watchdog had it terminate the call (`stopped_by`);
- `refused`: the kernel asked for something (memory) and was refused, and said so;
- `completed`: the kernel ran to its end (a wasm write past an array stays inside the
  module's linear memory; native code has nothing that stops it);
- `corrupted`: memory the firmware owns (the canary beside the kernel's data) changed;
- `fault`: the CPU faulted or the host process was killed by a signal;
- `hang`: only the time limit (or the emulator's instruction budget) ended it.

`contained` is true when the misbehaviour was stopped or bounded by the runtime (trapped,
stopped, refused, or a wasm kernel that completed inside its own memory), the canary (where one is
checked) is intact and the second call answered ALIVE; false otherwise: native code that ran
its misbehaviour through is not contained, whatever it happened to hit.
"""

from __future__ import annotations

from dataclasses import dataclass

ALIVE = 0x600D
TRAPPED, REFUSED, COMPLETED, CORRUPTED, FAULT, HANG = "trapped", "refused", "completed", "corrupted", "fault", "hang"
STOPPED = "stopped"
OUTCOMES = (TRAPPED, STOPPED, REFUSED, COMPLETED, CORRUPTED, FAULT, HANG)


@dataclass
class Observation:
    """What a backend saw of one misbehaving call and the call after it."""

    trap: str | None = None          # the runtime's own words when it stopped the call
    result: int | None = None        # the call's result when it returned normally
    alive: int | None = None         # the second call's answer (run(0)), None when there was none
    alive_error: str | None = None   # why the second call failed
    canary_intact: bool | None = None  # None: no canary is checked here
    stopped_by: str | None = None    # the budget that stopped it: metering, or a watchdog's terminate
    fault: str | None = None         # a CPU fault or a signal that killed the process
    hang: str | None = None          # the limit that ended it
    detect_us: float | None = None   # from the call to its return, trap, or the limit
    detect_kind: str | None = None   # measured, estimated, or limit
    second_call: str = "the same runtime instance"  # what answered the second call


def classify(obs: Observation, wasm: bool, refused_result: int | None = None) -> dict:
    """The cell's extra fields: outcome, contained, trap, detect_us, detect_kind, alive and a note."""
    alive = obs.alive is not None and (obs.alive & 0xFFFFFFFF) == ALIVE
    out = {"trap": obs.trap, "detect_us": obs.detect_us, "detect_kind": obs.detect_kind,
           "alive": alive, "canary_intact": obs.canary_intact, "second_call": obs.second_call}
    if obs.hang:
        outcome, contained, note = HANG, False, f"only the limit ended it: {obs.hang}"
    elif obs.fault:
        outcome, contained, note = FAULT, False, obs.fault
    elif obs.canary_intact is False:
        outcome, contained, note = CORRUPTED, False, "the canary beside the kernel's data was overwritten"
    elif obs.trap is not None and obs.stopped_by:
        outcome, contained, note = STOPPED, alive, f"the runtime stopped it on a budget: {obs.stopped_by}"
    elif obs.trap is not None:
        outcome, contained, note = TRAPPED, alive, "the runtime stopped it"
    elif refused_result is not None and obs.result is not None and (obs.result & 0xFFFFFFFF) == refused_result:
        outcome, contained, note = REFUSED, alive, "it was refused and said so"
    else:
        outcome, contained = COMPLETED, wasm and alive
        note = ("it ran to its end inside the module's own linear memory" if wasm else
                "nothing stopped it: native code has no bounds")
    if obs.stopped_by:
        out["stopped_by"] = obs.stopped_by
    if outcome in (TRAPPED, STOPPED, REFUSED, COMPLETED) and not alive:
        note += f"; the second call did not answer: {obs.alive_error or f'it returned {obs.alive!r}'}"
    out.update(outcome=outcome, contained=bool(contained), containment_note=note)
    return out
