"""Calibration without a board (measurements given, a synthetic fit) and the cluster client's
defaults without a cluster (a fake Dask client, fake futures)."""

import dataclasses
import math
from types import SimpleNamespace

import pytest

from wasmcu import calibrate as cal
from wasmcu import devices
from wasmcu.calibrate.fit import Sample, fit
from wasmcu.errors import ConfigError, WasmcuError
from wasmcu.measure.cycles import COSTS, CostModel, coefficients
from wasmcu.model import Cell


def _events(**counts):
    base = {e: 0 for e in ("insns", "alu", "load", "store", "mul", "div", "branch", "taken_branches", "jump", "call",
                           "indirect", "multi", "multi_regs", "pop_pc")}
    base.update(counts)
    return base


def _table(**costs):
    table = {k: 1 for k in COSTS if k not in ("fp", "fp_mac", "fp_div")}
    table.update(fetch_wait=0, **costs)
    return CostModel.from_table({**table, "source": "test"}, None)


def _cycles(events, costs):
    c = coefficients(events)
    return sum(c[k] * v for k, v in costs.items())


SYNTHETIC = [_events(insns=a + l + s, alu=a, load=l, store=s)
             for a, l, s in ((1000, 10, 10), (100, 900, 5), (50, 20, 700), (400, 300, 300), (700, 100, 400))]
NOISE = (1.004, 0.997, 1.002, 0.995, 1.003)


# --- calibrate ----------------------------------------------------------------------------------

def test_a_board_on_a_core_no_emulated_profile_has_must_be_named():
    devs = devices.discover()
    alone = {"pico-board": dataclasses.replace(devs["pico-board"], name="my-board")}
    with pytest.raises(ConfigError, match="which emulated profile does 'my-board' calibrate\\? none shares its core: "
                                          "name it with --emulated"):
        cal.emulated_for(alone["pico-board"], alone)


def test_calibrate_from_given_measurements_holds_single_values_by_default(monkeypatch):
    for var in ("WASMCU_FLASHER", "WASMCU_BOARD_PORT", "WASMCU_PROBE"):
        monkeypatch.delenv(var, raising=False)
    devs = devices.discover()
    board, emulated = devs["pico-board"], devs["pico"]
    table = emulated.cycle_model
    hidden = {k: c.value for k, c in table.costs.items()}
    ms = [cal.Measurement(f"k{i}", e, _cycles(e, hidden) * n, "timer x clock")
          for i, (e, n) in enumerate(zip(SYNTHETIC, NOISE))]
    ms.append(cal.Measurement("broken", error="did not build"))
    c = cal.calibrate(board, emulated, [], measurements=ms, measured_on="2026-11-30T10:00:00+00:00")
    assert (c.provenance["board"], c.provenance["emulated"], c.provenance["kernels"]) == ("pico-board", "pico", 5)
    assert c.provenance["fit"]["free"] is False
    assert c.provenance["failed"] == {"broken": "did not build"}
    assert c.provenance["date"] == "2026-11-30T10:00:00+00:00" and "fitted_on" in c.provenance
    single = [k for k, v in table.costs.items() if v.low == v.high and c.fit.costs[k].status != "not-excited"]
    assert single and all(c.fit.costs[k].status == "fixed" for k in single)


# --- the fit ------------------------------------------------------------------------------------

def test_a_fixed_cost_says_why_and_a_fitted_one_has_its_standard_error():
    table = _table(load={"value": 2, "low": 1, "high": 4, "why": "test"})
    hidden = {"alu": 1, "load": 2.6, "store": 1}
    samples = [Sample(f"k{i}", e, _cycles(e, hidden) * n) for i, (e, n) in enumerate(zip(SYNTHETIC, NOISE))]
    f = fit(samples, table)
    assert f.costs["alu"].status == "fixed"
    assert f.costs["alu"].note == "the table states one value (--free lets it move)" and f.costs["alu"].stderr == 0.0
    load = f.costs["load"]
    assert load.status == "fitted" and isinstance(load.stderr, float)
    assert 0 < load.stderr < 0.5 and math.isfinite(load.stderr)


# --- the cluster client, without a cluster ----------------------------------------------------------

def test_the_cluster_grace_is_a_minute_unless_set(monkeypatch):
    from wasmcu.executors.cluster import GRACE_ENV, grace_seconds

    monkeypatch.delenv(GRACE_ENV, raising=False)
    assert grace_seconds() == 60.0


def test_a_dashboard_warning_names_every_worker_that_serves_one():
    from wasmcu.executors.cluster import dashboards

    info = {"workers": {"tcp://a:1": {"name": "w1", "services": {"dashboard": 1}},
                        "tcp://b:1": {"services": {"dashboard": 2}},
                        "tcp://c:1": {"name": 3, "services": {"dashboard": 2}}}}
    assert dashboards(info, "tcp://s:1") == ["workers w1, tcp://b:1, 3 serve Dask's dashboard (plain HTTP, no "
                                             "login): start them with --no-dashboard"]


class FakeClient:
    def __init__(self, facts):
        self.facts, self.closed, self.status = facts, False, "running"

    def scheduler_info(self, n_workers=-1):
        return {"services": {}, "workers": {a: {"name": a} for a in self.facts}}

    def wait_for_workers(self, n, timeout=None):
        pass

    def run(self, fn, on_error="raise"):
        return self.facts

    def close(self, timeout=None):
        self.closed = True


def _facts(wasm3):
    return {"hostname": "h", "wasmcu": "1.0", "tools": {}, "runtimes": {"wasm3": wasm3}}


def test_a_cluster_whose_workers_differ_in_versions_is_refused_unless_mixed_versions(monkeypatch):
    import distributed

    from wasmcu.executors import cluster

    clients = []

    def client(address, **kw):
        clients.append(FakeClient({"tcp://a:1": _facts("0.5.0"), "tcp://b:1": _facts("0.5.1")}))
        return clients[-1]

    monkeypatch.setattr(distributed, "Client", client)
    monkeypatch.setattr(cluster, "check_address", lambda address, timeout=None: ("127.0.0.1", 1))
    with pytest.raises(WasmcuError, match="differ in versions that change results \\(runtimes.wasm3"):
        cluster.ClusterRun("tcp://127.0.0.1:1")
    assert clients[-1].closed
    run = cluster.ClusterRun("tcp://127.0.0.1:1", mixed_versions=True)
    assert run.mixed_versions and set(run.provenance()["cluster"]["workers"]) == {"tcp://a:1", "tcp://b:1"}


class FakeFuture:
    """A future the scheduler cancelled, done after `after` looks."""

    status = "cancelled"

    def __init__(self, key, after):
        self.key, self.after, self.looks, self.released = key, after, 0, False

    def done(self):
        self.looks += 1
        return self.looks > self.after

    def release(self):
        self.released = True


def _run():
    from wasmcu.executors.cluster import ClusterRun

    run = object.__new__(ClusterRun)
    run.address, run.client, run.grace = "tcp://s:1", SimpleNamespace(status="running"), 60.0
    run._wait_any = lambda pending: None
    run._watch = lambda *args: None
    return run


def test_collect_records_every_future_until_none_is_left_or_with_once_the_first():
    a, b = FakeFuture("a", 0), FakeFuture("b", 2)
    cells = {a: (Cell("crc", 1, "c", "wasm3", "pico"), "qemu", None),
             b: (Cell("fib", 1, "c", "wasm3", "pico"), "qemu", None)}
    got = []
    pending = dict(cells)
    assert _run()._collect(pending, got.append) == {"a", "b"}
    assert pending == {} and a.released and b.released
    assert [(r.cell.workload, r.status) for r in got] == [("crc", "error"), ("fib", "error")]
    assert "cancelled it" in got[0].error
    a, b = FakeFuture("a", 0), FakeFuture("b", 2)
    pending, got = {a: cells[next(iter(cells))], b: cells[list(cells)[1]]}, []
    assert _run()._collect(pending, got.append, once=True) == {"a"}
    assert list(pending) == [b] and len(got) == 1
