"""A host harness program's JSON result, read among the lines its runtime printed itself.

A runtime linked into a harness (WAMR's ``bench.c``) may print warnings of its own on stdout
(WAMR's ``os_printf`` writes there) before the harness prints its one JSON line: the result is
the last line that is a JSON object, and the other lines are kept as the runtime's notes. A
harness killed by a signal (a crash in WAMR's AOT code, say) prints nothing: its message says
which signal, rather than being empty.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

from ..errors import CellError

# the C helpers every host program includes (its folder is on each program's include path)
HOST_PROGRAM_H = Path(__file__).with_name("host_program.h")


def _signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def parse(who: str, returncode: int, stdout: str, stderr: str) -> tuple[dict, list[str]]:
    """The harness's JSON object and the other lines of its stdout (the runtime's own), or a
    CellError (kind crash) saying how it ended and what it printed."""
    lines = stdout.splitlines()
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip()
        if line.startswith("{"):
            try:
                out = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(out, dict):
                notes = [x.strip() for j, x in enumerate(lines) if j != i and x.strip()]
                return out, notes
    how = f"killed by {_signal_name(returncode)}" if returncode < 0 else f"exit status {returncode}"
    printed = (stderr.strip() or stdout.strip())[-400:]
    raise CellError(f"{who} failed ({how}) without a result: " +
                    (printed if printed else "it printed nothing (a crash inside the runtime or the module's "
                                             "compiled code; try the same cell with another runtime)"), "crash")
