"""Whether a stored run is still going: the process and host that run it, and its heartbeat.

A bench records its process id, its host and a heartbeat (refreshed every HEARTBEAT_S seconds
by a thread of its own) in its row of the store. A run left ``running`` whose process is gone
(on this host: no such process; elsewhere: no heartbeat for STALE_S seconds) is shown as
``abandoned`` and may be resumed; resuming a run that is still going is refused.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

HEARTBEAT_S = 15.0
STALE_S = 120.0  # no heartbeat for this long: the run's process is gone (or its machine is)

RUNNING, COMPLETE, INTERRUPTED, ABANDONED = "running", "complete", "interrupted", "abandoned"


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: finished cells are kept and the run is marked interrupted."""


def raise_terminated(signum, frame) -> None:
    """A SIGTERM handler (the CLI installs it): stop as Ctrl-C does."""
    raise Terminated()


def this_process() -> dict:
    """What a run records of the process that runs it."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "heartbeat": time.time()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def state(run: dict, now: float | None = None) -> str:
    """The run's state as it really is: ``abandoned`` for a run stored as ``running`` whose
    process is gone; else the stored state."""
    stored = run.get("state")
    if stored != RUNNING:
        return stored
    pid, host, beat = run.get("pid"), run.get("host"), run.get("heartbeat")
    if pid is None or beat is None:  # written before runs had a heartbeat: nobody can be running it
        return ABANDONED
    now = time.time() if now is None else now
    if host == socket.gethostname() and not _alive(pid):
        return ABANDONED
    return RUNNING if now - beat < STALE_S else ABANDONED


def describe(run: dict, now: float | None = None) -> str:
    """Who runs it, for a message: "process 123 on host, last heartbeat 4 s ago"."""
    now = time.time() if now is None else now
    beat = run.get("heartbeat")
    ago = f", last heartbeat {now - beat:.0f} s ago" if beat else ""
    return f"process {run.get('pid')} on {run.get('host')}{ago}"


@contextmanager
def heartbeat(db: Path, run_id: int, every_s: float | None = None):
    """Refresh run `run_id`'s heartbeat every `every_s` seconds while the block runs (a thread
    with its own connection to the store)."""
    every_s = HEARTBEAT_S if every_s is None else every_s
    stop = threading.Event()

    def beat() -> None:
        try:
            db_conn = sqlite3.connect(db, timeout=30, isolation_level=None)
        except sqlite3.Error:
            return
        try:
            while not stop.wait(every_s):
                try:
                    db_conn.execute("UPDATE runs SET heartbeat=? WHERE id=?", (time.time(), run_id))
                except sqlite3.Error:
                    pass  # a busy store: the next beat tries again
        finally:
            db_conn.close()

    thread = threading.Thread(target=beat, name=f"wasmcu-heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
