"""The local executor: emulated cells and the builds of host cells in parallel, host timings alone."""

import threading
import time
from types import SimpleNamespace

from wasmcu import devices, workloads
from wasmcu.backends import RunContext
from wasmcu.bench import execute_cell, prepare_cell
from wasmcu.executors import run_local
from wasmcu.model import Cell, Result
from wasmcu.toolchains import cache

DEVICES = {"pico": SimpleNamespace(backend="qemu"), "host": SimpleNamespace(backend="host")}


class Trace:
    """Runs and prepares that take a little time and note what else was running meanwhile."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running: set = set()
        self.events: list = []
        self.overlaps: dict = {}

    def _busy(self, what, seconds=0.05):
        with self.lock:
            self.overlaps[what] = set(self.running)
            for other in self.running:
                self.overlaps[other].add(what)
            self.running.add(what)
            self.events.append(("start", what))
        time.sleep(seconds)
        with self.lock:
            self.running.discard(what)
            self.events.append(("end", what))

    def run_one(self, cell, workload, device, ctx):
        self._busy(("run", cell))
        return Result(cell=cell, backend=device.backend, status="ok")

    def prepare(self, cell, workload, device):
        self._busy(("prepare", cell))
        if cell.n == 2:
            raise RuntimeError("a build that fails")


def test_host_cells_are_built_in_parallel_then_timed_alone():
    emulated = [Cell("w", n, "c", "wasm3", "pico") for n in range(4)]
    host = [Cell("w", n, "c", "native", "host") for n in range(3)]
    trace, recorded = Trace(), []
    run_local(host[:2] + emulated + host[2:], {"w": None}, DEVICES, RunContext(), trace.run_one, recorded.append,
              jobs=2, prepare=trace.prepare)
    assert sorted(r.cell for r in recorded) == sorted(emulated + host)  # a failed prepare still runs its cell
    assert {c for kind, c in trace.overlaps if kind == "prepare"} == set(host)
    # each host cell's timing ran with nothing else running, after every emulated cell and every build
    for cell in host:
        assert trace.overlaps[("run", cell)] == set()
    first_host_run = trace.events.index(("start", ("run", host[0])))
    before = [("prepare", c) for c in host] + [("run", c) for c in emulated]
    assert all(trace.events.index(("end", x)) < first_host_run for x in before)
    # the emulated cells and the builds shared the two workers
    assert any(trace.overlaps[("prepare", c)] for c in host)
    assert any(trace.overlaps[("run", c)] for c in emulated)


def test_one_job_prepares_then_runs_in_order():
    host = [Cell("w", n, "c", "native", "host") for n in range(2)]
    trace, recorded = Trace(), []
    run_local(host, {"w": None}, DEVICES, RunContext(), trace.run_one, recorded.append, jobs=1, prepare=trace.prepare)
    assert [e for e in trace.events if e[0] == "start"] == [("start", ("prepare", host[0])), ("start", ("prepare", host[1])),
                                                            ("start", ("run", host[0])), ("start", ("run", host[1]))]


def test_a_prepared_host_cell_builds_nothing_while_it_is_timed(tmp_path, monkeypatch):
    monkeypatch.setenv("WASMCU_CACHE", str(tmp_path / "cache"))
    wl, dev = workloads.discover()["crc16"], devices.discover()["host"]
    cell = Cell("crc16", 8, "c", "native", "host")
    before = dict(cache.STATS)
    prepare_cell(cell, wl, dev)
    assert cache.STATS["builds"] > before["builds"]
    built = cache.STATS["builds"]
    result = execute_cell(cell, wl, dev, RunContext(repeat=3, warmup=1))
    assert result.status == "ok", result.error
    assert cache.STATS["builds"] == built  # everything it needed was there
