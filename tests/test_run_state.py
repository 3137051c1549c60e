"""A run's state is true: SIGTERM is handled like Ctrl-C, a run whose process is gone shows as
`abandoned` and can be resumed, a live run cannot be resumed, nor a run with other options."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import ROOT, bench_json, wasmcu
from wasmcu import runstate
from wasmcu.store import Store, StoreError

KERNEL = "#include <stdint.h>\nuint32_t run(uint32_t seed) { return seed + WASMCU_N; }\n"
# a slow oracle: each cell takes a second, so that a run can be stopped in its middle
ORACLE = "import time\ndef checksum(n, seed):\n    time.sleep(1)\n    return seed + n\n"


@pytest.fixture
def slow(tmp_path):
    d = tmp_path / "slow"
    d.mkdir()
    (d / "workload.toml").write_text('name = "slow"\nsizes = [1, 2, 3, 4, 5, 6, 7, 8]\n[sources]\nc = "kernel.c"\n')
    (d / "kernel.c").write_text(KERNEL)
    (d / "oracle.py").write_text(ORACLE)
    return ["--device", "host", "--runtime", "native", "--workload", "slow", "--lang", "c", "--repeat", "2",
            "--warmup", "0", "--workload-dir", str(d)]


def start(args, db):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.Popen([sys.executable, "-m", "wasmcu", "bench", *args, "--db", str(db)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_cells(db, count, proc, limit=120):
    deadline = time.time() + limit
    while time.time() < deadline:
        if db.exists():
            try:
                con = sqlite3.connect(db, timeout=5)
                n = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
                con.close()
                if n >= count:
                    return n
            except sqlite3.OperationalError:
                pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError("no cells stored in time")


def test_sigterm_keeps_the_cells_and_marks_the_run_interrupted(slow, db):
    proc = start(slow, db)
    wait_for_cells(db, 1, proc)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "terminated" in err and "--resume" in err, err
    with Store(db, create=False) as store:
        (run,) = store.runs()
        assert run["state"] == "interrupted" and 1 <= len(store.results(run["id"])) < 8


def test_a_killed_run_shows_as_abandoned_a_live_one_cannot_be_resumed_and_an_abandoned_one_can(slow, db):
    proc = start(slow, db)
    wait_for_cells(db, 1, proc)
    with Store(db, create=False) as store:
        (run,) = store.runs()
        assert run["state"] == "running" and run["pid"] == proc.pid and run["host"] == socket.gethostname()
    live = wasmcu("bench", *slow, "--resume", "--db", str(db), timeout=120)
    assert live.returncode == 2 and f"run 1 is still going (process {proc.pid} on" in live.stderr, live.stderr
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    with Store(db, create=False) as store:
        assert store.runs()[0]["state"] == "abandoned"
        before = len(store.results(1))
    assert before < 8  # nothing was run twice by the refused resume
    proc2, cells = bench_json(*slow, "--resume", "--db", str(db), timeout=300)
    assert proc2.returncode == 0, proc2.stderr
    assert len(cells) == 8 and all(c["status"] == "ok" for c in cells)
    with Store(db, create=False) as store:
        assert [r["state"] for r in store.runs()] == ["complete"]
        assert store.db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 8


def test_resuming_with_other_options_is_refused_saying_which(slow, db):
    proc = start(slow, db)
    wait_for_cells(db, 1, proc)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    other = wasmcu("bench", *slow, "--repeat", "3", "--resume", "--db", str(db), timeout=120)
    assert other.returncode == 2, other.stderr
    assert "run 1 was started with other options (repeat: 2 then, 3 now)" in other.stderr
    assert "leave out --resume to start a new run" in other.stderr
    more = wasmcu("bench", *slow[:-2], "--workload-dir", slow[-1], "--device", "host,pico", "--resume", "--db",
                  str(db), timeout=120)
    assert more.returncode == 2 and "devices: 'host' then, 'host,pico' now" in more.stderr, more.stderr
    with Store(db, create=False) as store:
        assert len(store.runs()) == 1 and store.runs()[0]["state"] == "interrupted"


def test_the_state_of_a_run_elsewhere_follows_its_heartbeat():
    now = 1_000_000.0
    elsewhere = {"state": "running", "pid": 1, "host": "another-machine", "heartbeat": now - 10}
    assert runstate.state(elsewhere, now) == "running"
    assert runstate.state(dict(elsewhere, heartbeat=now - runstate.STALE_S - 1), now) == "abandoned"
    assert runstate.state(dict(elsewhere, pid=None, heartbeat=None), now) == "abandoned"  # an old store's
    here = {"state": "running", "pid": os.getpid(), "host": socket.gethostname(), "heartbeat": now}
    assert runstate.state(here, now) == "running"
    assert runstate.state(dict(here, state="complete"), now) == "complete"


def test_the_heartbeat_is_refreshed_while_a_run_goes(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        run_id = store.begin_run({}, [])
        first = store.run(run_id)["heartbeat"]
        with runstate.heartbeat(store.path, run_id, every_s=0.05):
            time.sleep(0.5)
        assert store.run(run_id)["heartbeat"] > first
        with pytest.raises(StoreError, match=f"run {run_id} is still going"):
            store.reopen_run(run_id)  # this very process runs it
