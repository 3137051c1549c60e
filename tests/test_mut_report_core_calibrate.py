"""Calibration without a board (measurements given, a synthetic fit) and the cluster client's
defaults without a cluster (a fake Dask client, fake futures)."""

import dataclasses
import logging
import math
import re
from types import SimpleNamespace

import pytest
from calibration_events import SYNTHETIC, cost_table, cycles_of

from wasmcu import calibrate as cal
from wasmcu import devices
from wasmcu.calibrate.fit import Sample, fit
from wasmcu.errors import ConfigError, WasmcuError
from wasmcu.model import Cell, Result

NOISE = (1.004, 0.997, 1.002, 0.995, 1.003)


# --- calibrate ----------------------------------------------------------------------------------

def test_a_board_on_a_core_no_emulated_profile_has_must_be_named():
    devs = devices.discover()
    alone = {"pico-board": dataclasses.replace(devs["pico-board"], name="my-board")}
    with pytest.raises(ConfigError, match="which emulated profile does 'my-board' calibrate\\? none shares its core: "
                                          "name it with --emulated"):
        cal.emulated_for(alone["pico-board"], alone)


def _measurements(n=5, **board):
    devs = devices.discover()
    table = devs["pico"].cycle_model
    hidden = {k: c.value for k, c in table.costs.items()}
    return [cal.Measurement(f"k{i}", e, cycles_of(e, hidden) * f, "timer x clock", firmware_sha256=f"sha{i}",
                            board=board or None)
            for i, (e, f) in enumerate(list(zip(SYNTHETIC, NOISE))[:n])]


@pytest.fixture
def no_board_env(monkeypatch):
    for var in ("WASMCU_FLASHER", "WASMCU_BOARD_PORT", "WASMCU_PROBE"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def test_calibrate_from_given_measurements_holds_single_values_by_default(no_board_env):
    devs = devices.discover()
    board, emulated = devs["pico-board"], devs["pico"]
    table = emulated.cycle_model
    ms = _measurements() + [cal.Measurement("broken", error="did not build")]
    c = cal.calibrate(board, emulated, [], measurements=ms, measured_on="2026-11-30T10:00:00+00:00")
    assert (c.board, c.emulated, c.fit.free, c.measurements) == ("pico-board", "pico", False, ms)
    prov = dict(c.provenance)
    fitted_on = prov.pop("fitted_on")
    assert re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", fitted_on)     # UTC, to the second
    f = c.fit
    assert prov == {
        "board": "pico-board", "chip": "rp2040", "flasher": "uf2-drive", "port": None, "probe": None, "place": None,
        "timer": cal.CHIPS["rp2040"].timer, "clock_hz": 125_000_000, "emulated": "pico",
        "emulated_profile_hash": emulated.profile_hash, "date": "2026-11-30T10:00:00+00:00", "kernels": 5,
        "failed": {"broken": "did not build"}, "firmware_sha256": {f"k{i}": f"sha{i}" for i in range(5)},
        "fit": {"free": False, "rms_residual_pct": round(f.rms(f.residuals_pct), 4),
                "rms_loo_error_pct": round(f.rms(f.loo_error_pct), 4),
                "rms_table_error_pct": round(f.rms(f.table_error_pct), 4)}}
    assert prov["fit"]["rms_table_error_pct"] != f.rms(f.table_error_pct)      # rounded to 4 places
    assert prov["timer"]
    single = [k for k, v in table.costs.items() if v.low == v.high and f.costs[k].status != "not-excited"]
    assert single and all(f.costs[k].status == "fixed" for k in single)


def test_calibrate_settings_come_from_the_environment_then_the_board_runs(no_board_env):
    devs = devices.discover()
    no_board_env.setenv("WASMCU_BOARD_PORT", "/dev/ttyACM7")
    no_board_env.setenv("WASMCU_PROBE", "cmsis-dap")
    no_board_env.setenv("WASMCU_FLASHER", "openocd")
    c = cal.calibrate(devs["pico-board"], devs["pico"], [], measurements=_measurements(2), free=True)
    assert (c.provenance["port"], c.provenance["probe"], c.provenance["flasher"]) == \
        ("/dev/ttyACM7", "cmsis-dap", "openocd")
    assert c.fit.free is True and c.provenance["fit"]["free"] is True
    assert c.provenance["kernels"] == 2 and "fitted_on" not in c.provenance
    assert re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", c.provenance["date"])
    c = cal.calibrate(devs["pico-board"], devs["pico"], [],
                      measurements=_measurements(2, flasher="picotool", place="lab", port="", other="x"))
    assert (c.provenance["flasher"], c.provenance["place"], c.provenance["port"]) == ("picotool", "lab",
                                                                                     "/dev/ttyACM7")


def test_calibrate_needs_two_kernels_that_ran(no_board_env):
    from wasmcu.calibrate.fit import CalibrationError

    devs = devices.discover()
    ms = _measurements(1) + [cal.Measurement(k, error=f"{k} failed") for k in "abcd"]
    with pytest.raises(CalibrationError) as err:
        cal.calibrate(devs["pico-board"], devs["pico"], [], measurements=ms)
    assert str(err.value) == ("only 1 of 5 calibration kernels ran on both sides (a: a failed; b: b failed; "
                              "c: c failed)")                      # the first three reasons
    with pytest.raises(CalibrationError) as err:
        cal.calibrate(devs["pico-board"], devs["pico"], [], measurements=_measurements(1))
    assert str(err.value) == "only 1 of 1 calibration kernels ran on both sides"


# --- the fit ------------------------------------------------------------------------------------

def test_a_fixed_cost_says_why_and_a_fitted_one_has_its_standard_error():
    table = cost_table(load={"value": 2, "low": 1, "high": 4, "why": "test"})
    hidden = {"alu": 1, "load": 2.6, "store": 1}
    samples = [Sample(f"k{i}", e, cycles_of(e, hidden) * n) for i, (e, n) in enumerate(zip(SYNTHETIC, NOISE))]
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
    def __init__(self, facts, address, **kw):
        self.facts, self.address, self.kw, self.closed, self.status, self.asked = facts, address, kw, False, "running", []

    def scheduler_info(self, n_workers=0):
        self.asked.append(n_workers)
        return {"services": {}, "workers": {a: {"name": a} for a in self.facts}}

    def wait_for_workers(self, n, timeout=None):
        self.waited = (n, timeout)
        if not self.facts:
            raise TimeoutError("no workers")

    def run(self, fn, on_error="raise"):
        self.ran = (fn, on_error)
        return self.facts

    def close(self, timeout=None):
        self.closed = True


def _facts(wasm3, tools=None):
    return {"hostname": "h", "wasmcu": "1.0", "tools": tools or {}, "runtimes": {"wasm3": wasm3}}


@pytest.fixture
def fake_cluster(monkeypatch):
    """ClusterRun against a fake Dask client whose workers have the facts put in `workers`."""
    import distributed

    from wasmcu.executors import cluster

    made = SimpleNamespace(clients=[], workers={})

    def client(address, **kw):
        made.clients.append(FakeClient(dict(made.workers), address, **kw))
        return made.clients[-1]

    monkeypatch.setattr(distributed, "Client", client)
    monkeypatch.setattr(cluster, "check_address", lambda address, timeout=None: ("127.0.0.1", 1))
    levels = {name: logging.getLogger(name).level for name in ["distributed", *logging.root.manager.loggerDict]}
    yield made
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_a_cluster_whose_workers_differ_in_versions_is_refused_unless_mixed_versions(fake_cluster, caplog):
    from wasmcu.executors import cluster

    fake_cluster.workers = {"tcp://a:1": _facts("0.5.0", {"clang": "17"}), "tcp://b:1": _facts("0.5.1", {"clang": "18"})}
    with pytest.raises(WasmcuError, match="differ in versions that change results \\(runtimes.wasm3"):
        cluster.ClusterRun("tcp://127.0.0.1:1")
    assert fake_cluster.clients[-1].closed
    with caplog.at_level(logging.WARNING, logger="wasmcu"):
        run = cluster.ClusterRun("tcp://127.0.0.1:1", mixed_versions=True)
    assert run.mixed_versions and set(run.provenance()["cluster"]["workers"]) == {"tcp://a:1", "tcp://b:1"}
    assert run.provenance()["tools"] == {"clang": "17"}          # the first worker's
    assert ("cluster: running with workers that differ (runtimes.wasm3: '0.5.0' on tcp://a:1 (h), '0.5.1' on "
            "tcp://b:1 (h); tools.clang: '17' on tcp://a:1 (h), '18' on tcp://b:1 (h)); each cell records its "
            "worker") in caplog.messages


def test_a_cluster_of_like_workers_is_accepted_and_recorded(fake_cluster, caplog):
    from wasmcu.executors import cluster

    fake_cluster.workers = {"tcp://a:1": dict(_facts("0.5.0", {"clang": "17"}), python="3.11"),
                            "tcp://b:1": dict(_facts("0.5.0", {"clang": "17", "zig": "0.13"}), python="3.12")}
    with caplog.at_level(logging.WARNING, logger="wasmcu"):
        run = cluster.ClusterRun("tcp://127.0.0.1:1", connect_timeout=7.5)
    assert "cluster: workers differ: python: '3.11' on tcp://a:1 (h), '3.12' on tcp://b:1 (h)" in caplog.messages
    client = fake_cluster.clients[-1]
    assert client.address == "tcp://127.0.0.1:1"
    assert client.kw == {"timeout": 7.5, "set_as_default": False, "security": None}
    assert client.asked == [-1]                      # every worker, for the dashboard warnings
    assert run.provenance() == {"cluster": {"scheduler": "tcp://127.0.0.1:1", "tls": False,
                                            "workers": fake_cluster.workers},
                                "tools": {"clang": "17", "zig": "0.13"}}
    assert logging.getLogger("distributed").level == logging.CRITICAL   # its reconnection tracebacks are quiet


def test_the_client_waits_for_a_worker_and_asks_each_for_its_facts(fake_cluster, monkeypatch, caplog):
    from wasmcu.executors import cluster
    from wasmcu.executors.cluster_worker import worker_facts

    monkeypatch.setenv(cluster.GRACE_ENV, "3")
    fake_cluster.workers = {"tcp://a:1": _facts("0.5.0"), "tcp://b:1": dict(_facts("0.5.0"), hostname="h2"),
                            "tcp://c:1": _facts("0.5.0")}
    with caplog.at_level(logging.INFO, logger="wasmcu"):
        run = cluster.ClusterRun("tcp://127.0.0.1:1")
    client = fake_cluster.clients[-1]
    assert client.waited == (1, 3.0) and client.ran == (worker_facts, "return")
    assert (run.grace, run.tls, run.address, run.mixed_versions) == (3.0, False, "tcp://127.0.0.1:1", False)
    assert "cluster tcp://127.0.0.1:1: 3 workers on 2 computers" in caplog.messages


def test_a_cluster_without_workers_or_with_a_broken_one_is_refused(fake_cluster):
    from wasmcu.executors import cluster

    with pytest.raises(WasmcuError, match="the Dask scheduler at tcp://127.0.0.1:1 has no workers: start at least one "
                                          "with `dask worker tcp://127.0.0.1:1 --nworkers 1 --nthreads 1`"):
        cluster.ClusterRun("tcp://127.0.0.1:1")
    assert fake_cluster.clients[-1].closed
    fake_cluster.workers = {"tcp://a:1": _facts("0.5.0"), "tcp://b:1": ImportError("no module named wasmcu")}
    with pytest.raises(WasmcuError, match="some workers of tcp://127.0.0.1:1 cannot run wasmcu \\(tcp://b:1: "
                                          "ImportError: no module named wasmcu\\): install wasmcu"):
        cluster.ClusterRun("tcp://127.0.0.1:1")
    assert fake_cluster.clients[-1].closed


def test_a_scheduler_that_cannot_be_reached_is_a_clear_error(monkeypatch):
    import distributed

    from wasmcu.executors import cluster

    def client(address, **kw):
        raise OSError("connection refused")

    monkeypatch.setattr(distributed, "Client", client)
    monkeypatch.setattr(cluster, "check_address", lambda address, timeout=None: ("127.0.0.1", 1))
    with pytest.raises(WasmcuError, match="cannot reach a Dask scheduler at 'tcp://127.0.0.1:1' within 8 s "
                                          "\\(OSError: connection refused\\): check the address .* its port is "
                                          "open \\(a scheduler started with TLS certificates is reached at "
                                          "tls://HOST:PORT with --tls-ca/--tls-cert/--tls-key\\); nothing was run"):
        cluster.ClusterRun("tcp://127.0.0.1:1", connect_timeout=8.2)


def test_tls_files_for_a_plain_tcp_address_are_refused(fake_cluster):
    from wasmcu.executors import cluster

    with pytest.raises(WasmcuError, match="--tls-ca apply to a scheduler that speaks TLS"):
        cluster.ClusterRun("tcp://127.0.0.1:1", tls_ca="ca.pem")
    with pytest.raises(WasmcuError, match="--tls-cert, --tls-key apply to a scheduler that speaks TLS"):
        cluster.ClusterRun("tcp://127.0.0.1:1", tls_cert="c.pem", tls_key="k.pem")
    assert fake_cluster.clients == []


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
    run.address, run.client, run.grace, run._left = "tcp://s:1", SimpleNamespace(status="running"), 60.0, 4
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
    assert [(r.cell.workload, r.backend, r.status) for r in got] == [("crc", "qemu", "error"), ("fib", "qemu", "error")]
    assert "cancelled it" in got[0].error
    a, b = FakeFuture("a", 0), FakeFuture("b", 2)
    pending, got = {a: cells[next(iter(cells))], b: cells[list(cells)[1]]}, []
    assert _run()._collect(pending, got.append, once=True) == {"a"}
    assert list(pending) == [b] and len(got) == 1


class Finished:
    """A future that finished: its result, or an error when fetched."""

    def __init__(self, key="k", result=None, status="finished", exc=None, fetch_fails=0):
        self.key, self.status, self._result, self.exc, self.fetch_fails = key, status, result, exc, fetch_fails
        self.released = False

    def done(self):
        return True

    def result(self, timeout=None):
        if self.fetch_fails:
            self.fetch_fails -= 1
            raise OSError("worker gone")
        return self._result

    def exception(self):
        return self.exc

    def release(self):
        self.released = True


CELL = Cell("crc", 1, "c", "wasm3", "pico")


def test_outcome_of_a_finished_cancelled_or_failed_future(tmp_path):
    from distributed.scheduler import KilledWorker

    run = _run()
    run.db_path = None
    ok = Result(CELL, "qemu", status="ok", extra={"power_trace": "traces/t.npz", "n": 1})
    assert run._outcome(Finished(result=(ok, {})), CELL, "qemu") is ok
    assert run._outcome(Finished(result=(ok, {"traces/t.npz": b"x"})), CELL, "qemu").extra == {"n": 1}
    assert run._outcome(Finished(result=(ok, {}), fetch_fails=1), CELL, "qemu") is None
    r = run._outcome(Finished(status="cancelled"), CELL, "qemu")
    assert (r.backend, r.status, r.error_kind) == ("qemu", "error", "error")
    assert r.error == ("the scheduler at tcp://s:1 cancelled it (a worker or the scheduler was shut down "
                       "meanwhile)")
    r = run._outcome(Finished(status="error", exc=KilledWorker("t", SimpleNamespace(address="tcp://w:1"), 3)), CELL, "qemu")
    assert r.backend == "qemu" and r.error.startswith("every worker that ran it died (killed or crashed) before it "
                                                      "finished, as often as the scheduler allows (")
    r = run._outcome(Finished(status="error", exc=ValueError("bad n")), CELL, "qemu")
    assert r.error == "it failed on the cluster: ValueError: bad n"
    run.client.status = "closed"
    with pytest.raises(WasmcuError, match="lost the connection to the Dask scheduler at tcp://s:1 with 4 cells not run"):
        run._outcome(Finished(result=(ok, {}), fetch_fails=1), CELL, "qemu")
    with pytest.raises(WasmcuError, match="lost the connection"):
        run._outcome(Finished(status="cancelled"), CELL, "qemu")


def test_files_sent_with_a_result_are_written_beside_the_store_inside_its_folder_only(tmp_path, caplog):
    run = _run()
    run.db_path = tmp_path / "store" / "results.sqlite"
    ok = Result(CELL, "qemu", status="ok", extra={"power_trace": "traces/t.npz"})
    with caplog.at_level(logging.WARNING, logger="wasmcu"):
        got = run._outcome(Finished(result=(ok, {"traces/t.npz": b"trace", "../out.npz": b"no"})), CELL, "qemu")
    assert got is ok
    assert (tmp_path / "store" / "traces" / "t.npz").read_bytes() == b"trace"
    assert not (tmp_path / "out.npz").exists()
    assert caplog.messages == ["cluster: ignored a file from a worker outside the store's folder: ../out.npz"]
    assert sorted(p.name for p in (tmp_path / "store" / "traces").iterdir()) == ["t.npz"]


def test_collect_gives_up_on_a_result_lost_three_times():
    run = _run()
    run.db_path = None
    ok = Result(CELL, "qemu", status="ok")
    lost, fine = Finished("lost", result=(ok, {}), fetch_fails=3), Finished("fine", result=(ok, {}), fetch_fails=2)
    got = []
    assert run._collect({lost: (CELL, "qemu", None), fine: (CELL, "qemu", None)}, got.append) == {"lost", "fine"}
    assert [r.status for r in got] == ["error", "ok"]      # two failed fetches are tried again, the third is not
    err = got[0]
    assert err.backend == "qemu" and err.error == ("its result was lost three times on the cluster (the workers "
                                                   "holding it died before it was fetched)")
    assert lost.released and fine.released


def test_standard_errors_are_the_residual_variance_times_the_inverse_normal_matrix():
    import numpy as np

    from wasmcu.calibrate.fit import _standard_errors

    sub = np.array([[1.0], [1.0], [1.0]])
    se = _standard_errors(sub, np.array([1.0, 2.0, 3.0]), np.array([2.0]))
    assert se == pytest.approx([math.sqrt((1 + 0 + 1) / (3 - 1) / 3)])
    assert np.isnan(_standard_errors(np.array([[1.0, 0.0], [0.0, 1.0]]), np.ones(2), np.ones(2))).all()  # n = p
    assert np.isnan(_standard_errors(np.array([[1.0, 1.0]] * 3), np.ones(3), np.ones(2))).all()           # singular
