"""wasmcu.runstate in the test process: who runs a run (describe), its true state at the edges,
the process a run records, and the heartbeat thread."""

import os
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from wasmcu import runstate


def test_describe_names_the_process_the_host_and_how_old_the_heartbeat_is():
    run = {"pid": 4321, "host": "bench-box", "heartbeat": 1000.0}
    assert runstate.describe(run, now=1004.4) == "process 4321 on bench-box, last heartbeat 4 s ago"
    assert runstate.describe(run, now=1090.0) == "process 4321 on bench-box, last heartbeat 90 s ago"
    # no heartbeat (a store from before heartbeats): who, without an age
    assert runstate.describe({"pid": 7, "host": "h"}, now=5.0) == "process 7 on h"
    assert runstate.describe({"pid": 7, "host": "h", "heartbeat": None}, now=5.0) == "process 7 on h"
    assert runstate.describe({}, now=5.0) == "process None on None"


def test_describe_measures_the_age_from_now_by_default():
    text = runstate.describe({"pid": 1, "host": "h", "heartbeat": time.time() - 30})
    assert text.startswith("process 1 on h, last heartbeat ") and text.endswith(" s ago")
    age = int(text.split("last heartbeat ")[1].split()[0])
    assert 29 <= age <= 40


def test_a_stored_state_other_than_running_is_the_state():
    for stored in ("complete", "interrupted", "abandoned", None):
        assert runstate.state({"state": stored, "pid": os.getpid(), "host": socket.gethostname(),
                               "heartbeat": 0.0}, now=1e9) == stored


def test_a_running_run_without_a_process_or_a_heartbeat_is_abandoned():
    now = 5000.0
    full = {"state": "running", "pid": 1, "host": "elsewhere", "heartbeat": now}
    assert runstate.state(full, now) == "running"
    assert runstate.state(dict(full, pid=None), now) == "abandoned"
    assert runstate.state(dict(full, heartbeat=None), now) == "abandoned"
    assert runstate.state({"state": "running", "host": "elsewhere", "heartbeat": now}, now) == "abandoned"


def test_a_run_elsewhere_is_running_until_its_heartbeat_is_stale_s_old():
    now = 10_000.0
    run = {"state": "running", "pid": 1, "host": "another-machine"}
    assert runstate.state(dict(run, heartbeat=now), now) == "running"
    assert runstate.state(dict(run, heartbeat=now - runstate.STALE_S + 0.5), now) == "running"
    assert runstate.state(dict(run, heartbeat=now - runstate.STALE_S), now) == "abandoned"  # exactly stale
    assert runstate.state(dict(run, heartbeat=now - 10 * runstate.STALE_S), now) == "abandoned"
    # a heartbeat ahead of this clock (another machine's clock): still running
    assert runstate.state(dict(run, heartbeat=now + 50), now) == "running"


def test_a_run_here_is_abandoned_once_its_process_is_gone_even_with_a_fresh_heartbeat():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its pid names no process now
    now = time.time()
    gone = {"state": "running", "pid": child.pid, "host": socket.gethostname(), "heartbeat": now}
    assert runstate.state(gone, now) == "abandoned"
    mine = dict(gone, pid=os.getpid())
    assert runstate.state(mine, now) == "running"
    # the same pid on another host is not looked up here: its heartbeat decides
    assert runstate.state(dict(gone, host="not-" + socket.gethostname()), now) == "running"
    # the default clock is now
    assert runstate.state(dict(mine, heartbeat=time.time())) == "running"
    assert runstate.state(dict(mine, heartbeat=time.time() - runstate.STALE_S - 5)) == "abandoned"


def test_alive_counts_a_process_it_may_not_signal_as_alive(monkeypatch):
    def refuse(pid, sig):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(runstate.os, "kill", refuse)
    assert runstate._alive(12345) is True


def test_alive_tells_a_live_process_from_a_gone_one():
    assert runstate._alive(os.getpid()) is True
    assert runstate._alive(1) is True  # init: alive, whoever owns it
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert runstate._alive(child.pid) is False


def test_this_process_records_the_pid_the_host_and_a_heartbeat_of_now():
    before = time.time()
    me = runstate.this_process()
    after = time.time()
    assert set(me) == {"pid", "host", "heartbeat"}
    assert me["pid"] == os.getpid() and me["host"] == socket.gethostname()
    assert before <= me["heartbeat"] <= after


def test_raise_terminated_raises_a_keyboard_interrupt_of_its_own():
    with pytest.raises(runstate.Terminated) as exc:
        runstate.raise_terminated(15, None)
    assert isinstance(exc.value, KeyboardInterrupt)


def _runs_table(path, run_id=3, beat=1.0):
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, heartbeat REAL)")
    con.execute("INSERT INTO runs VALUES (?, ?)", (run_id, beat))
    con.execute("INSERT INTO runs VALUES (?, ?)", (run_id + 1, beat))
    con.close()


def _beats(path):
    con = sqlite3.connect(path)
    rows = dict(con.execute("SELECT id, heartbeat FROM runs").fetchall())
    con.close()
    return rows


def test_the_heartbeat_refreshes_its_own_run_only_and_stops_with_the_block(tmp_path):
    db = tmp_path / "runs.sqlite"
    _runs_table(db)
    start = time.time()
    with runstate.heartbeat(db, 3, every_s=0.02):
        time.sleep(0.3)
    beats = _beats(db)
    assert beats[3] >= start and beats[4] == 1.0  # run 4 is another run
    time.sleep(0.1)
    assert _beats(db)[3] == beats[3]  # the thread stopped with the block


def test_the_heartbeat_waits_heartbeat_s_by_default(tmp_path, monkeypatch):
    db = tmp_path / "runs.sqlite"
    _runs_table(db)
    monkeypatch.setattr(runstate, "HEARTBEAT_S", 0.02)
    with runstate.heartbeat(db, 3):
        time.sleep(0.3)
    assert _beats(db)[3] > 1.0
    monkeypatch.setattr(runstate, "HEARTBEAT_S", 60.0)
    _runs_table(tmp_path / "other.sqlite")
    with runstate.heartbeat(tmp_path / "other.sqlite", 3):
        time.sleep(0.1)
    assert _beats(tmp_path / "other.sqlite")[3] == 1.0  # no beat within the first minute


def test_a_beat_that_fails_is_tried_again_at_the_next_one(tmp_path):
    db = tmp_path / "late.sqlite"
    sqlite3.connect(db).close()  # no runs table yet: the first beats fail
    with runstate.heartbeat(db, 3, every_s=0.01):
        time.sleep(0.1)
        _runs_table(db)
        time.sleep(0.3)
    assert _beats(db)[3] > 1.0


def test_the_heartbeat_survives_a_store_it_cannot_write_and_one_it_cannot_open(tmp_path):
    db = tmp_path / "empty.sqlite"
    sqlite3.connect(db).close()  # no runs table: every update fails, the block still runs
    with runstate.heartbeat(db, 1, every_s=0.01):
        time.sleep(0.05)
    with runstate.heartbeat(tmp_path / "no" / "such" / "dir.sqlite", 1, every_s=0.01):
        time.sleep(0.05)
