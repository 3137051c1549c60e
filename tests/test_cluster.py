"""`wasmcu bench --cluster`: a real Dask scheduler and real workers on this machine,
bound to the loopback interface, started with Dask's own commands."""

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, DaskProcesses, bench_json, wasmcu

# Dask's client runs in subprocesses only: this process stays as small as the other tests expect
if importlib.util.find_spec("distributed") is None:
    pytest.skip("needs the Python package distributed (scripts/setup.sh installs it)", allow_module_level=True)

from wasmcu.executors.cluster import compare_workers, host_timing_computers  # noqa: E402
from wasmcu.executors.cluster_worker import run_cell_task, versions_that_matter, worker_facts  # noqa: E402
from wasmcu.measure.powertrace import load_trace  # noqa: E402
from wasmcu.model import Cell  # noqa: E402
from wasmcu.store import Store  # noqa: E402

pytestmark = pytest.mark.slow  # end-to-end: real builds, runs and processes

SUITE = ["--device", "host,pico", "--runtime", "native,wasm3", "--workload", "bubblesort:20,crc16:20",
         "--repeat", "3", "--warmup", "1"]
needs_qemu = pytest.mark.qemu


ASK_WORKERS = """
import json, os, sys
from distributed import Client
with Client(sys.argv[1], timeout=30) as client:
    client.wait_for_workers(int(sys.argv[2]), timeout=60)
    info = client.scheduler_info(n_workers=-1)["workers"]
    pids = client.run(os.getpid)
    print(json.dumps({a: {"name": w["name"], "pid": pids[a], "resources": w.get("resources") or {}}
                      for a, w in info.items()}))
"""


class Cluster(DaskProcesses):
    """`dask scheduler` and `dask worker`s as subprocesses, on 127.0.0.1."""

    def __init__(self, tmp: Path, workers: list[dict], env: dict | None = None):
        super().__init__(tmp, env)
        self.file = tmp / "scheduler.json"
        self.start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                    "--scheduler-file", str(self.file)], "scheduler")
        self.address = self.scheduler_address(self.file)
        for i, w in enumerate(workers):
            args = ["worker", self.address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
                    "--no-dashboard", "--name", w.get("name", f"w{i}")]
            if w.get("resources"):
                args += ["--resources", w["resources"]]
            if w.get("preload"):
                args += ["--preload", w["preload"]]
            if w.get("no_nanny"):
                args.append("--no-nanny")
            self.start(args, f"worker{i}", w.get("env"))
        self.n = len(workers)
        self.workers()

    def workers(self) -> dict[str, dict]:
        """address -> {name, pid, resources}"""
        proc = subprocess.run([sys.executable, "-c", ASK_WORKERS, self.address, str(self.n)], capture_output=True,
                              text=True, timeout=90)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two workers; the second has the Pico board (run by rp2040js here)."""
    c = Cluster(tmp_path_factory.mktemp("cluster"), [{"name": "plain"}, {"name": "with-pico", "resources": "pico-board=1"}],
                env={"WASMCU_FLASHER": "rp2040js"})
    yield c
    c.close()


def _key(c: dict) -> tuple:
    return (c["workload"], c["n"], c["lang"], c["runtime"], c["device"], c["build"])


@needs_qemu
def test_cluster_gives_the_cells_and_checksums_of_a_local_run(cluster, tmp_path):
    local, local_cells = bench_json(*SUITE, "--db", str(tmp_path / "local.sqlite"))
    assert local.returncode == 0, local.stderr
    proc, cells = bench_json(*SUITE, "--cluster", cluster.address, "--db", str(tmp_path / "cluster.sqlite"))
    assert proc.returncode == 0, proc.stderr
    assert len(cells) == len(local_cells) == 16
    assert {_key(c): (c["status"], c["checksum"]) for c in cells} == \
           {_key(c): (c["status"], c["checksum"]) for c in local_cells}
    # emulated figures are exact: the same on any worker as here
    emulated = {_key(c): (c["cycles"], c["instructions"], c["flash_bytes"]) for c in cells if c["device"] == "pico"}
    assert emulated == {_key(c): (c["cycles"], c["instructions"], c["flash_bytes"])
                        for c in local_cells if c["device"] == "pico"}
    workers = cluster.workers()
    for c in cells:
        w = c["provenance"]["worker"]
        assert w["address"] in workers and w["hostname"] and w["pid"] == workers[w["address"]]["pid"]
    # the run's provenance lists every worker with its tool versions
    with Store(tmp_path / "cluster.sqlite") as store:
        prov = json.loads(store.runs()[-1]["provenance"])
        assert len(store.results()) == 16
    assert prov["cluster"]["scheduler"] == cluster.address
    assert set(prov["cluster"]["workers"]) == set(workers)
    assert all(f["tools"]["clang"] == prov["tools"]["clang"] for f in prov["cluster"]["workers"].values())


@pytest.mark.skipif(not (shutil.which("node") and shutil.which("arm-none-eabi-gcc")),
                    reason="needs node and arm-none-eabi-gcc (scripts/setup.sh installs them)")
def test_board_cells_run_only_on_the_worker_with_the_board(cluster, db):
    proc, cells = bench_json("--device", "pico-board", "--runtime", "native,wasm3", "--workload", "crc16:20",
                             "--lang", "c,rust", "--cluster", cluster.address, "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    with_board = [a for a, w in cluster.workers().items() if w["resources"].get("pico-board")]
    assert len(with_board) == 1 and len(cells) == 4
    for c in cells:
        assert c["status"] == "ok" and c["time_kind"] == "measured" and c["extra"]["flasher"] == "rp2040js", c
        assert c["provenance"]["worker"]["address"] == with_board[0]


def test_board_cells_without_a_worker_that_has_the_board_fail_at_once(cluster, tmp_path, db):
    profile = (ROOT / "src/wasmcu/devices/profiles/pico-board.toml").read_text()
    (tmp_path / "devs").mkdir()
    (tmp_path / "devs/lab-pico.toml").write_text(profile.replace('name = "pico-board"', 'name = "lab-pico"'))
    # a hang guard, not a speed check: waiting for a worker that never comes would never end
    proc, cells = bench_json("--device", "lab-pico,host", "--runtime", "native", "--workload", "crc16:20", "--lang",
                             "c", "--repeat", "3", "--device-dir", str(tmp_path / "devs"), "--cluster",
                             cluster.address, "--db", str(db), timeout=300)
    assert proc.returncode == 1, proc.stderr
    board = next(c for c in cells if c["device"] == "lab-pico")
    host = next(c for c in cells if c["device"] == "host")
    assert board["status"] == "error"
    assert "no worker of the cluster" in board["error"] and "--resources lab-pico=1" in board["error"]
    assert host["status"] == "ok"  # the other cells ran, on the workers, with the client's profile folder


def test_unreachable_scheduler_is_a_clear_error_and_stored_cells_stay(db):
    proc, cells = bench_json("--device", "host", "--runtime", "native", "--workload", "crc16:20", "--lang", "c",
                             "--repeat", "3", "--db", str(db))
    assert proc.returncode == 0 and len(cells) == 1
    proc = wasmcu("bench", "--device", "host", "--runtime", "native,wasm3", "--workload", "crc16:20", "--lang", "c",
                  "--repeat", "3", "--db", str(db), "--resume", "--cluster", "tcp://127.0.0.1:9",
                  timeout=300)  # a hang guard, not a speed check
    assert proc.returncode == 2
    assert "cannot reach a Dask scheduler at 'tcp://127.0.0.1:9' (connection refused" in proc.stderr
    assert "check the address" in proc.stderr
    with Store(db) as store:
        assert len(store.runs()) == 1 and [r.status for r in store.results()] == ["ok"]
    proc = wasmcu("bench", "--device", "host", "--db", str(db), "--mixed-versions")
    assert proc.returncode == 2 and "mixed_versions (--mixed-versions) applies to the workers of a cluster" in proc.stderr
    for bad in ("not an address", "tcp://127.0.0.1", "udp://127.0.0.1:8786", "127.0.0.1:99999"):
        proc = wasmcu("bench", "--device", "host", "--db", str(db), "--cluster", bad)
        assert proc.returncode == 2 and f"--cluster '{bad}' is not a Dask scheduler address" in proc.stderr
        assert "expected tcp://HOST:PORT" in proc.stderr and "Traceback" not in proc.stderr


@needs_qemu
def test_a_worker_killed_mid_run_loses_no_cell(tmp_path, db):
    c = Cluster(tmp_path, [{"name": "a", "no_nanny": True}, {"name": "b", "no_nanny": True}])
    try:
        workers = c.workers()
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        proc = subprocess.Popen([sys.executable, "-m", "wasmcu", "bench", "--json", *SUITE, "--workload",
                                 "bubblesort:20,bubblesort:200,crc16:20", "--cluster", c.address, "--db", str(db)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        lines, killed = [], []

        def read():
            for line in proc.stderr:
                lines.append(line)
                if line.startswith("ok ") and not killed:
                    victim = next(iter(workers.values()))
                    os.kill(victim["pid"], signal.SIGKILL)
                    killed.append(victim)

        t = threading.Thread(target=read)
        t.start()
        out = proc.stdout.read()
        proc.wait(timeout=120)
        t.join()
        assert killed, "".join(lines)
        cells = json.loads(out)
        assert len(cells) == 24, "".join(lines)
        with Store(db) as store:
            stored = store.results()
        assert len(stored) == 24 and {r.cell for r in stored} == {Cell(*_key(x)) for x in cells}
        for r in stored:
            assert r.status in ("ok", "error"), r
            if r.status == "ok":
                assert r.checksum == r.expected
            else:
                assert r.error, r
        # the cells after the kill ran on the worker that is left
        left = [a for a in workers if workers[a]["pid"] != killed[0]["pid"]]
        assert any(r.provenance["worker"]["address"] == left[0] for r in stored)
        assert sum(r.status == "ok" for r in stored) >= 20
    finally:
        c.close()


def test_workers_that_differ_in_a_tool_version_are_refused(tmp_path, db):
    fake = tmp_path / "wasm-opt"
    fake.write_text("#!/bin/sh\necho 'wasm-opt version 999'\n")
    fake.chmod(0o755)
    c = Cluster(tmp_path, [{"name": "a"}, {"name": "b", "env": {"WASMCU_WASM_OPT": str(fake)}}])
    try:
        proc = wasmcu("bench", "--device", "host", "--runtime", "native", "--workload", "crc16:20", "--lang", "c",
                      "--repeat", "3", "--cluster", c.address, "--db", str(db))
        assert proc.returncode == 2, proc.stderr
        assert "differ in versions that change results" in proc.stderr
        assert "tools.wasm-opt" in proc.stderr and "wasm-opt version 999" in proc.stderr
        assert "--mixed-versions" in proc.stderr
        with Store(db) as store:
            assert store.runs() == []  # refused before anything was stored
        proc, cells = bench_json("--device", "host", "--runtime", "native", "--workload", "crc16:20", "--lang", "c",
                                 "--repeat", "3", "--cluster", c.address, "--db", str(db), "--mixed-versions")
        assert proc.returncode == 0 and cells[0]["status"] == "ok", proc.stderr
        assert "running with workers that differ" in proc.stderr
    finally:
        c.close()


def test_compare_workers_names_what_differs_and_what_is_missing():
    a = {"hostname": "a", "wasmcu": "0.1.0", "python": "3.11.7", "tools": {"clang": "19.1.7", "qemu": "7.2"},
         "runtimes": {"pywasm3": "0.5.0"}}
    b = dict(a, hostname="b", tools={"clang": "19.1.8"})
    differ, warn = compare_workers({"tcp://1": a, "tcp://2": b})
    assert differ == ["tools.clang: '19.1.7' on tcp://1 (a), '19.1.8' on tcp://2 (b)"]
    assert warn == ["tools.qemu is missing on tcp://2 (b): cells that need it fail there"]
    assert compare_workers({"tcp://1": a, "tcp://2": dict(a, hostname="b")}) == ([], [])
    assert compare_workers({"tcp://1": a}) == ([], [])


def test_a_worker_with_other_versions_than_the_cluster_stores_an_error():
    from wasmcu.backends import RunContext
    from wasmcu.bench import execute_cell
    from wasmcu.model import Cell
    from wasmcu.workloads import discover

    from wasmcu.executors.cluster_worker import workload_fingerprint

    cell = Cell("crc16", 20, "c", "native", "host")
    wl = discover([])["crc16"]
    from wasmcu.devices import discover as devices

    inputs = {"workload_dirs": [], "device_dirs": [], "workload_hash": workload_fingerprint(wl),
              "device_hash": devices([])["host"].profile_hash}
    expect = dict(versions_that_matter(worker_facts()), **{"tools.clang": "clang 1.0"})
    r, files = run_cell_task(cell, RunContext(repeat=3, warmup=1), inputs, expect, execute_cell)
    assert r.status == "error" and "tools.clang" in r.error and "'clang 1.0' on the others" in r.error
    assert files == {}
    r, _ = run_cell_task(cell, RunContext(repeat=3, warmup=1), dict(inputs, workload_hash="0" * 16), None, execute_cell)
    assert r.status == "error" and "another workload 'crc16'" in r.error
    r, _ = run_cell_task(cell, RunContext(repeat=3, warmup=1), inputs, versions_that_matter(worker_facts()), execute_cell)
    assert r.status == "ok" and r.checksum == r.expected and r.provenance["worker"]["pid"] == os.getpid()


@pytest.mark.skipif(not (shutil.which("node") and shutil.which("arm-none-eabi-gcc")),
                    reason="needs node and arm-none-eabi-gcc (scripts/setup.sh installs them)")
def test_a_power_trace_measured_on_a_board_worker_is_stored_beside_the_clients_store(tmp_path, db):
    from ppk2_fake import FakePPK2, steps

    args = ["--device", "pico-board", "--runtime", "native", "--workload", "crc16:2000", "--lang", "c", "--db", str(db)]
    proc, cells = bench_json(*args, env={"WASMCU_FLASHER": "rp2040js"})
    assert cells[0]["status"] == "ok", proc.stderr
    pulse = round(cells[0]["time_us"] / 10)  # samples at 100 kS/s
    with FakePPK2(steps([(2000, 800.0, 0), (pulse, 20_000.0, 1), (1, 800.0, 0)])) as fake:
        c = Cluster(tmp_path / "cluster", [{"name": "plain"}, {
            "name": "bench", "resources": "pico-board=1",
            "env": {"WASMCU_FLASHER": "rp2040js", "WASMCU_PPK2_PORT": fake.port}}])
        try:
            proc, cells = bench_json(*args, "--cluster", c.address)
        finally:
            c.close()
    cell = cells[0]
    assert proc.returncode == 0 and cell["status"] == "ok", proc.stderr
    assert cell["energy_kind"] == "measured" and cell["energy_uj"] == pytest.approx(5.0 * 20_000 * pulse * 10e-6,
                                                                                     rel=0.01)
    assert cell["provenance"]["worker"]["name"] == "bench"
    trace = db.parent / cell["extra"]["power_trace"]
    recorded, analysis = load_trace(trace)  # the worker's trace, with the window it found
    assert analysis["method"] == "marker" and [w["end"] - w["start"] for w in analysis["windows"]] == [pulse]
    # (a sample lost on a busy machine is NaN in the trace, counted apart; the pulse is still there)
    assert np.nanmax(recorded.current_ua) == pytest.approx(20_000.0, rel=0.01)


LETHAL_ORACLE = """import os, signal

def checksum(n, seed):
    if os.environ.get("WASMCU_TEST_LETHAL_ORACLE"):  # set on this test's workers only
        os.kill(os.getppid(), signal.SIGKILL)  # the worker: an oracle runs in a child process of it
    return 7
"""


def test_a_cell_whose_workers_keep_dying_is_stored_as_an_error_with_the_reason(tmp_path, db):
    from conftest import make_workload

    lethal = make_workload(tmp_path / "w", "lethal", c="unsigned run(unsigned seed){return 7;}\n", oracle=LETHAL_ORACLE)
    good = make_workload(tmp_path / "w", "good", c="unsigned run(unsigned seed){return 7;}\n")
    c = Cluster(tmp_path / "cluster", [{"name": "a"}, {"name": "b"}],
                env={"WASMCU_TEST_LETHAL_ORACLE": "1", "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"})
    try:
        proc, cells = bench_json("--device", "host", "--runtime", "native", "--workload", "lethal:4,good:4",
                                 "--workload-dir", str(lethal), "--workload-dir", str(good), "--repeat", "3",
                                 "--cluster", c.address, "--db", str(db), env={"WASMCU_TEST_LETHAL_ORACLE": ""})
    finally:
        c.close()
    assert proc.returncode == 1, proc.stderr
    by = {x["workload"]: x for x in cells}
    assert by["good"]["status"] == "ok" and by["good"]["checksum"] == 7
    assert by["lethal"]["status"] == "error"
    assert "every worker that ran it died" in by["lethal"]["error"] and "the other cells went on" in by["lethal"]["error"]
    with Store(db) as store:
        assert {r.cell.workload: r.status for r in store.results()} == {"good": "ok", "lethal": "error"}


@needs_qemu
def test_a_lost_scheduler_stops_the_run_with_finished_cells_stored_and_resume_finishes(tmp_path, db):
    a = Cluster(tmp_path / "a", [{"name": "a0"}, {"name": "a1"}])
    try:
        proc = subprocess.Popen([sys.executable, "-m", "wasmcu", "bench", *SUITE, "--cluster", a.address, "--db",
                                 str(db)], stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, PYTHONPATH=str(ROOT / "src")))
        lines, oks = [], 0
        for line in proc.stderr:
            lines.append(line)
            oks += line.startswith("ok ")
            if oks == 3 and a.procs[0].poll() is None:
                os.killpg(a.procs[0].pid, signal.SIGKILL)  # the scheduler
        proc.wait(timeout=60)
    finally:
        a.close()
    err = "".join(lines)
    assert proc.returncode == 2, err
    assert f"lost the connection to the Dask scheduler at {a.address}" in err and "--resume" in err
    assert "Traceback" not in err
    with Store(db) as store:
        run = store.runs()[-1]
        stored = store.results()
    assert run["state"] == "interrupted" and 3 <= len(stored) < 16
    assert all(r.status == "ok" for r in stored)
    b = Cluster(tmp_path / "b", [{"name": "b0"}, {"name": "b1"}])
    try:
        proc, cells = bench_json(*SUITE, "--resume", "--cluster", b.address, "--db", str(db))
    finally:
        b.close()
    assert proc.returncode == 0, proc.stderr
    with Store(db) as store:
        assert len(store.runs()) == 1 and store.runs()[0]["state"] == "complete"
        assert len(store.results()) == 16 and all(r.status == "ok" for r in store.results())


def test_host_cells_are_timed_on_computers_of_one_kind():
    def f(host, cpu, cores=8):
        return {"hostname": host, "cpu": cpu, "cores": cores}

    facts = {"tcp://1": f("a", "EPYC"), "tcp://2": f("a", "EPYC"), "tcp://3": f("b", "Xeon"), "tcp://4": f("c", "EPYC"),
             "tcp://5": f("d", "EPYC", 4)}
    assert host_timing_computers(facts) == (["a", "c"], ["b", "d"])
    assert host_timing_computers({"tcp://1": f("z", "EPYC"), "tcp://2": f("y", "Xeon")}) == (["y"], ["z"])
    assert host_timing_computers({}) == ([], [])


def test_a_worker_without_wasmcu_is_refused_before_anything_runs(tmp_path, db):
    hide = tmp_path / "no_wasmcu.py"
    hide.write_text("import sys\nsys.modules['wasmcu'] = None  # as on a computer where wasmcu is not installed\n")
    c = Cluster(tmp_path / "cluster", [{"name": "a"}, {"name": "bare", "preload": str(hide)}])
    try:
        proc = wasmcu("bench", "--device", "host", "--runtime", "native", "--workload", "crc16:20", "--lang", "c",
                      "--repeat", "3", "--cluster", c.address, "--db", str(db))
    finally:
        c.close()
    assert proc.returncode == 2, proc.stderr
    assert "cannot run wasmcu" in proc.stderr and "install wasmcu on their computers" in proc.stderr
    with Store(db) as store:
        assert store.runs() == []


@pytest.mark.skipif(not (shutil.which("node") and shutil.which("arm-none-eabi-gcc")),
                    reason="needs node and arm-none-eabi-gcc (scripts/setup.sh installs them)")
def test_board_cells_whose_board_worker_leaves_become_errors_after_the_grace_time(tmp_path, db):
    c = Cluster(tmp_path / "cluster", [{"name": "plain", "no_nanny": True},
                                       {"name": "board", "no_nanny": True, "resources": "pico-board=1",
                                        "env": {"WASMCU_FLASHER": "rp2040js"}}])
    try:
        board = next(w for w in c.workers().values() if w["resources"].get("pico-board"))
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), WASMCU_CLUSTER_GRACE="3")
        proc = subprocess.Popen([sys.executable, "-m", "wasmcu", "bench", "--json", "--device", "pico-board",
                                 "--runtime", "native,wasm3", "--workload", "crc16:20,bubblesort:20", "--lang", "c,rust",
                                 "--cluster", c.address, "--db", str(db)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        lines = []

        def read():
            for line in proc.stderr:
                lines.append(line)
                if line.startswith("ok ") and sum(x.startswith("ok ") for x in lines) == 1:
                    os.kill(board["pid"], signal.SIGKILL)

        t = threading.Thread(target=read)
        t.start()
        cells = json.loads(proc.stdout.read())
        proc.wait(timeout=300)  # a hang guard, not a speed check
        t.join()
    finally:
        c.close()
    err = "".join(lines)
    assert proc.returncode == 1, err
    assert len(cells) == 8
    left = [x for x in cells if x["status"] == "error"]
    assert left and all("the worker with the Dask resource 'pico-board' left the cluster" in x["error"]
                        and "--resources pico-board=1" in x["error"] for x in left), left
    assert all(x["status"] == "ok" for x in cells if x not in left)
    with Store(db) as store:
        assert len(store.results()) == 8
