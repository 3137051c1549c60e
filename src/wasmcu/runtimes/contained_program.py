"""Run a runtime's own containment program (V8's node, WAMR's C program) and read its one JSON observation.

Such a program makes the misbehaving call under its own watchdog, then a second call on the
same instance, and prints {"containment": {trap, trap_kind, result, alive, alive_error,
detect_us, second_call, stopped_by}}; a program that dies or prints nothing is a crash (the
worker's parent sees a hang as its time limit).
"""

from __future__ import annotations

import json
import subprocess

from ..errors import CellError


def run_contain_program(cmd: list[str], who: str) -> dict:
    """The program's observation (the dict inside "containment"); CellError when it reported a
    failure to load (its kind) or printed no observation (kind crash, with its exit status)."""
    proc = subprocess.run(cmd, capture_output=True, text=True)
    try:
        out = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else None
    except json.JSONDecodeError:
        out = None
    if not isinstance(out, dict):
        status = f"signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}"
        raise CellError(f"{who}'s containment program died ({status}) without an observation: "
                        f"{(proc.stderr or proc.stdout).strip()[-300:]!r}", "crash")
    if "error" in out:
        raise CellError(f"{who}: {out['error']}", out.get("kind", "error"))
    return out["containment"]
