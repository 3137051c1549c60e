"""Result handling in wasmcu.bench, whatever the backend: every cell's checksum is checked
against its expected value (the oracle's, or the host's native result), a cell's failure
becomes its result instead of stopping the run, and a run stores each result as it comes,
resumes what is missing, and says when it was interrupted."""

import importlib
import json
import logging
from types import SimpleNamespace

import pytest

from wasmcu.backends.board import BoardBackend
from wasmcu.backends.host import HostBackend
from wasmcu.backends.qemu import QemuBackend
from wasmcu.bench import execute_cell, run_bench, verify
from wasmcu.devices import discover
from wasmcu.errors import CellError, ConfigError, WasmcuError

bench = importlib.import_module("wasmcu.bench")  # the module (wasmcu.bench is the API's function)
from wasmcu.model import Cell, Result
from wasmcu.plan import Spec, plan
from wasmcu.store import Store
from wasmcu.workloads import load_workload

from conftest import make_workload

SEVEN = "unsigned run(unsigned seed){return 7;}\n"
# an oracle whose answer depends on n, so that a check against the wrong size is seen
BY_SIZE = "def checksum(n, seed):\n    return 1000 + n\n"


@pytest.fixture
def oracle_workload(tmp_path):
    return load_workload(make_workload(tmp_path, "sized", c=SEVEN, oracle=BY_SIZE, sizes=(4, 5)))


@pytest.fixture
def bare_workload(tmp_path):
    """A workload without an oracle: its cells are checked against the host's native result."""
    d = make_workload(tmp_path, "bare", c=SEVEN)
    (d / "oracle.py").unlink()
    return load_workload(d)


@pytest.fixture
def references(monkeypatch):
    """The host's native results, without building anything: 2000 + n, recorded per call."""
    calls = []

    def reference(workload, n, lang):
        calls.append((workload.name, n, lang))
        return 2000 + n

    monkeypatch.setattr(bench, "native_reference", reference)
    return calls


def _ok(cell, checksum, backend="qemu"):
    return Result(cell=cell, backend=backend, status="ok", checksum=checksum)


# --- verify: against the oracle --------------------------------------------------------------

def test_the_oracle_of_the_cells_size_gives_the_expected_checksum(oracle_workload):
    cell = Cell("sized", 5, "c", "wasm3", "pico")
    good = verify(_ok(cell, 1005), oracle_workload)
    assert (good.status, good.expected, good.verified_by, good.error) == ("ok", 1005, "oracle", None)
    bad = verify(_ok(cell, 1004), oracle_workload)  # the size-4 answer is wrong at size 5
    assert (bad.status, bad.expected, bad.verified_by) == ("mismatch", 1005, "oracle")
    assert bad.error == "checksum 0x000003ec differs from the oracle's 0x000003ed"
    # the firmware reports a u32: only its low 32 bits count, and the message shows them
    wide = verify(_ok(cell, (5 << 32) | 1004), oracle_workload)
    assert wide.error == "checksum 0x000003ec differs from the oracle's 0x000003ed"
    assert verify(_ok(cell, (5 << 32) | 1005), oracle_workload).status == "ok"


def test_a_cell_that_ran_without_a_checksum_is_an_error(oracle_workload):
    r = verify(Result(cell=Cell("sized", 4, "c", "native", "host"), backend="host", status="ok"), oracle_workload)
    assert (r.status, r.error, r.expected, r.verified_by) == ("error", "the run reported no checksum", 1004, "oracle")


def test_a_mismatch_reported_by_the_backend_is_checked_again(oracle_workload):
    cell = Cell("sized", 4, "c", "wasm3", "pico")
    r = verify(Result(cell=cell, backend="qemu", status="mismatch", checksum=1004, error="was"), oracle_workload)
    # only an ok result is compared: a mismatch keeps its status and message
    assert (r.status, r.error, r.expected, r.verified_by) == ("mismatch", "was", 1004, "oracle")


class Broken(Exception):
    pass


@pytest.mark.parametrize("raised, message", [
    (Broken("no table for n"), "the oracle {file} raised Broken: no table for n"),
    (CellError("the oracle gave up"), "the oracle gave up"),  # the tool's own errors speak for themselves
])
def test_an_oracle_that_raises_makes_the_cell_an_error(oracle_workload, monkeypatch, raised, message):
    def expected(n, **kw):
        raise raised

    monkeypatch.setattr(oracle_workload, "expected", expected)
    cell = Cell("sized", 4, "c", "wasm3", "pico")
    for status in ("ok", "mismatch"):
        r = verify(Result(cell=cell, backend="qemu", status=status, checksum=1004), oracle_workload)
        assert (r.status, r.error, r.expected) == ("error", message.format(file=oracle_workload.oracle_file), None)
    # a cell that failed already keeps its own error
    failed = Result(cell=cell, backend="qemu", status="error", error="trap: unreachable")
    assert verify(failed, oracle_workload) == failed
    skipped = Result(cell=cell, backend="qemu", status="unsupported", error="no JIT here")
    assert verify(skipped, oracle_workload) == skipped


# --- verify: against the host's native result ------------------------------------------------

def test_without_an_oracle_the_host_native_result_of_the_same_size_and_language_is_expected(
        bare_workload, references):
    cell = Cell("bare", 6, "rust", "wasm3", "pico")
    good = verify(_ok(cell, 2006), bare_workload)
    assert (good.status, good.expected, good.verified_by, good.error) == ("ok", 2006, "native-host", None)
    assert references == [("bare", 6, "rust")]
    bad = verify(_ok(cell, 2007), bare_workload)
    assert (bad.status, bad.expected, bad.verified_by) == ("mismatch", 2006, "native-host")
    assert bad.error == "checksum 0x000007d7 differs from the host's native result 0x000007d6"
    # a host cell of another runtime, and a native cell elsewhere, are compared with the reference too
    for other in (Cell("bare", 6, "rust", "wasm3", "host"), Cell("bare", 6, "rust", "native", "pico")):
        backend = "host" if other.device == "host" else "qemu"
        r = verify(_ok(other, 99, backend=backend), bare_workload)
        assert (r.status, r.expected) == ("mismatch", 2006)
    assert len(references) == 4


def test_the_host_native_cell_is_its_own_reference(bare_workload, references):
    cell = Cell("bare", 6, "c", "native", "host")
    r = verify(_ok(cell, (1 << 32) | 0x1234, backend="host"), bare_workload)
    assert (r.status, r.expected, r.verified_by, r.error) == ("ok", 0x1234, "native-host", None)
    assert references == []  # nothing else is built or run for it
    # without a checksum it has no value of its own: the reference is asked, and the cell fails
    none = verify(Result(cell=cell, backend="host", status="ok"), bare_workload)
    assert (none.status, none.error, none.expected) == ("error", "the run reported no checksum", 2006)
    assert references == [("bare", 6, "c")]


def test_a_failed_cell_without_an_oracle_is_not_compared(bare_workload, references):
    cell = Cell("bare", 6, "c", "wasm3", "pico")
    for status in ("error", "unsupported", "does-not-fit"):
        r = Result(cell=cell, backend="qemu", status=status, error="why", checksum=5)
        assert verify(r, bare_workload) == r
    assert references == []  # no native build is made for them


def test_when_the_native_reference_fails_the_cell_says_why(bare_workload, monkeypatch):
    def reference(workload, n, lang):
        raise CellError(f"workload '{workload.name}' has no oracle and its host-native build failed")

    monkeypatch.setattr(bench, "native_reference", reference)
    r = verify(_ok(Cell("bare", 6, "c", "wasm3", "pico"), 2006), bare_workload)
    # the cell ran: it is kept, unverified, with the reason
    assert (r.status, r.error, r.expected, r.verified_by, r.checksum) == (
        "unverified", "unverified: workload 'bare' has no oracle and its host-native build failed", None, None, 2006)


# --- execute_cell: a cell's failure is its result ---------------------------------------------

@pytest.fixture
def host():
    return discover()["host"]


@pytest.fixture
def ctx():
    return bench.RunContext(repeat=2, warmup=0, timeout_s=5.0)


def test_a_cell_runs_on_its_devices_backend_and_is_verified(oracle_workload, host, ctx, monkeypatch):
    seen = []

    def run_cell(self, cell, workload, device, context):
        seen.append((type(self), cell, workload, device, context))
        return Result(cell=cell, backend="host", status="ok", checksum=1004, time_us=3.0)

    def unsupported_reason(self, runtime, device):
        seen.append(("asked", runtime, device.name))
        return None

    monkeypatch.setattr(HostBackend, "run_cell", run_cell)
    monkeypatch.setattr(HostBackend, "unsupported_reason", unsupported_reason)
    cell = Cell("sized", 4, "c", "wasm3", "host")
    r = execute_cell(cell, oracle_workload, host, ctx)
    assert seen == [("asked", "wasm3", "host"), (HostBackend, cell, oracle_workload, host, ctx)]
    assert (r.cell, r.backend, r.status, r.expected, r.verified_by, r.time_us) == (cell, "host", "ok", 1004, "oracle", 3.0)
    seen.clear()
    wrong = execute_cell(Cell("sized", 5, "c", "wasm3", "host"), oracle_workload, host, ctx)
    assert (wrong.status, wrong.expected) == ("mismatch", 1005)


def test_a_runtime_the_backend_cannot_run_is_unsupported_and_not_run(oracle_workload, host, ctx, monkeypatch):
    def run_cell(self, *args):
        raise AssertionError("an unsupported cell is not run")

    asked = []
    monkeypatch.setattr(HostBackend, "run_cell", run_cell)
    monkeypatch.setattr(HostBackend, "unsupported_reason",
                        lambda self, runtime, device: asked.append((runtime, device)) or f"{runtime} is not here")
    cell = Cell("sized", 4, "c", "wamr-jit", "host")
    r = execute_cell(cell, oracle_workload, host, ctx)
    assert asked == [("wamr-jit", host)]
    assert r == Result(cell=cell, backend="host", status="unsupported", error="wamr-jit is not here",
                       error_kind="unsupported")


def test_a_device_without_a_backend_is_unsupported(oracle_workload, ctx):
    device = SimpleNamespace(name="bench-top", backend="oscilloscope")
    cell = Cell("sized", 4, "c", "native", "bench-top")
    r = execute_cell(cell, oracle_workload, device, ctx)
    assert (r.cell, r.backend, r.status) == (cell, "oscilloscope", "unsupported")
    assert r.error == str(ConfigError("unknown backend 'oscilloscope'", expected="host, qemu or board"))


@pytest.mark.parametrize("raised, error, kind", [
    (CellError("trap: out of bounds memory access", "trap"), "trap: out of bounds memory access", "trap"),
    (CellError("something else"), "something else", "error"),
    (KeyError("r0"), "KeyError: 'r0'", "internal"),  # a bug: named by its type, the run goes on
])
def test_a_cell_that_raises_is_an_error_result(oracle_workload, host, ctx, monkeypatch, caplog, raised, error, kind):
    def run_cell(self, cell, workload, device, context):
        raise raised

    monkeypatch.setattr(HostBackend, "run_cell", run_cell)
    monkeypatch.setattr(HostBackend, "unsupported_reason", lambda self, runtime, device: None)
    cell = Cell("sized", 4, "c", "native", "host")
    with caplog.at_level(logging.DEBUG, logger="wasmcu"):
        r = execute_cell(cell, oracle_workload, host, ctx)
    assert (r.cell, r.backend, r.status, r.error, r.expected) == (cell, "host", "error", error, 1004)
    assert r.error_kind == kind
    traced = [rec for rec in caplog.records if rec.exc_info]
    if isinstance(raised, CellError):
        assert traced == []
    else:  # the traceback of an unexpected exception is kept for --verbose
        [rec] = traced
        assert (rec.levelno, rec.getMessage(), rec.exc_info[1]) == (logging.DEBUG, "cell sized:4/c/native/host failed",
                                                                    raised)


# --- run_bench: storing, resuming, interrupting -------------------------------------------------

@pytest.fixture
def fake_runs(monkeypatch):
    """Host and emulated cells that give 1000 + n (the oracle's answer) without building anything;
    each call is recorded with the context it was given."""
    calls = []

    def run_cell(self, cell, workload, device, context):
        calls.append((cell, context))
        if cell.runtime == "wasm3" and cell.device == "pico":
            return Result(cell=cell, backend=device.backend, status="ok", checksum=1)
        return Result(cell=cell, backend=device.backend, status="ok", checksum=1000 + cell.n)

    for backend in (HostBackend, QemuBackend, BoardBackend):
        monkeypatch.setattr(backend, "run_cell", run_cell)
        monkeypatch.setattr(backend, "unsupported_reason", lambda self, runtime, device: None)
        monkeypatch.setattr(backend, "prepare", lambda self, cell, workload, device: None)
    monkeypatch.setattr(bench, "run_provenance", lambda: {"machine": {"cpu": "test"}, "python": "3"})
    return calls


def _spec(tmp_path, devices="host,pico"):
    wl = make_workload(tmp_path, "sized", c=SEVEN, oracle=BY_SIZE, sizes=(4, 5))
    return Spec(devices=devices, runtimes="native,wasm3", workloads="sized:4,sized:5", langs="c",
                workload_dirs=[wl], repeat=7, warmup=2, timeout=9.5)


def test_a_run_stores_every_result_with_its_spec_and_provenance(tmp_path, db, fake_runs):
    spec = _spec(tmp_path)
    cells = plan(spec)[0]
    seen = []
    with Store(db) as store:
        def on_result(result, done, total):
            seen.append((result.cell, done, total, store.run(run_ids[0])["state"] if run_ids else None))

        run_ids = []
        store.begin_run({}, [], {})  # an earlier run: the new one is the next id
        run_ids.append(2)
        run_id, results = run_bench(spec, store, jobs=2, argv=["bench", "--device", "host,pico"], on_result=on_result)
        row = store.run(run_id)
        stored = {r.cell: r for r in store.results(run_id)}
    assert run_id == 2
    assert (row["state"], json.loads(row["argv"]), json.loads(row["spec"])) == (
        "complete", ["bench", "--device", "host,pico"], spec.as_dict())
    assert json.loads(row["provenance"]) == {"machine": {"cpu": "test"}, "python": "3"}
    assert row["finished"] is not None
    assert [r.cell for r in results] == cells  # plan order, whatever finished first
    assert {r.cell: (r.status, r.expected) for r in results} == {
        c: ("mismatch" if (c.runtime, c.device) == ("wasm3", "pico") else "ok", 1000 + c.n) for c in cells}
    assert {c: (r.status, r.checksum, r.expected) for c, r in stored.items()} == {
        r.cell: (r.status, r.checksum, r.expected) for r in results}
    # each result was stored and announced as it came, with the count so far and the total
    assert [(done, total, state) for _, done, total, state in seen] == [(i, 8, "running") for i in range(1, 9)]
    assert sorted(c for c, *_ in seen) == sorted(cells)
    # every cell ran with the spec's settings; a wasm cell with a wrong checksum ran once more, with a
    # larger shadow stack, to tell an overflow of it from a wrong result (wasmcu.backends.shadowstack)
    mismatched = [c for c in cells if (c.runtime, c.device) == ("wasm3", "pico")]
    assert sorted(c for c, _ in fake_runs) == sorted(cells + mismatched)
    assert {(ctx.repeat, ctx.warmup, ctx.timeout_s, ctx.db_path, ctx.place) for _, ctx in fake_runs} == {
        (7, 2, 9.5, db, None)}


def test_emulated_cells_run_as_many_at_a_time_as_asked_or_as_there_are_cores(tmp_path, db, fake_runs, monkeypatch):
    jobs_seen = []
    real = bench.run_local

    def run_local(cells, workloads, devices, ctx, run_one, record, jobs, prepare=None):
        jobs_seen.append(jobs)
        real(cells, workloads, devices, ctx, run_one, record, jobs, prepare)

    monkeypatch.setattr(bench, "run_local", run_local)
    monkeypatch.setattr(bench.os, "cpu_count", lambda: 6)
    spec = _spec(tmp_path)
    with Store(db) as store:
        run_bench(spec, store, jobs=3)
        run_bench(spec, store)
        monkeypatch.setattr(bench.os, "cpu_count", lambda: None)  # unknown: one at a time
        _, results = run_bench(spec, store)
    assert jobs_seen == [3, 6, 1]
    assert len(results) == 8


def test_resume_runs_only_the_missing_cells_of_that_run(tmp_path, db, fake_runs, caplog):
    spec = _spec(tmp_path, devices="host")
    cells = plan(spec)[0]
    states = []
    with Store(db) as store:
        run_id = store.begin_run(spec.as_dict(), ["bench"], {"machine": {"cpu": "test"}})
        for c in cells[:3]:
            store.add_result(run_id, Result(cell=c, backend="host", status="ok", checksum=1000 + c.n))
        store.finish_run(run_id, "interrupted")
        other = store.begin_run({}, [], {})
        with caplog.at_level(logging.INFO, logger="wasmcu"):
            again, results = run_bench(spec, store, resume=run_id,
                                       on_result=lambda r, done, total: states.append(
                                           (done, total, store.run(run_id)["state"])))
        row = store.run(run_id)
        assert store.results(other) == []
        assert sorted(r.cell for r in store.results(run_id)) == sorted(cells)
        assert len(store.runs()) == 2  # no new run
    assert again == run_id
    assert [r.cell for r in results] == cells[3:]
    assert [c for c, _ in fake_runs] == cells[3:]
    assert states == [(1, 1, "running")]  # reopened while it runs
    assert row["state"] == "complete" and json.loads(row["argv"]) == ["bench"]
    assert f"resuming run {run_id}: 3 cells already stored, 1 to go" in [r.getMessage() for r in caplog.records]


def test_resuming_a_run_that_does_not_exist_is_refused(tmp_path, db, fake_runs):
    spec = _spec(tmp_path, devices="host")
    with Store(db) as store:
        store.begin_run({}, [], {})
        with pytest.raises(WasmcuError) as info:
            run_bench(spec, store, resume=7)
        assert str(info.value) == f"there is no run 7 in {db} to resume"
        assert len(store.runs()) == 1
    assert fake_runs == []


def test_an_interrupted_run_keeps_what_finished_and_says_so(tmp_path, db, fake_runs, monkeypatch):
    spec = _spec(tmp_path, devices="host")
    cells = plan(spec)[0]

    def run_cell(self, cell, workload, device, context):
        if cell == cells[2]:
            raise KeyboardInterrupt
        return Result(cell=cell, backend="host", status="ok", checksum=1000 + cell.n)

    monkeypatch.setattr(HostBackend, "run_cell", run_cell)
    with Store(db) as store:
        with pytest.raises(KeyboardInterrupt):
            run_bench(spec, store)
        [row] = store.runs()
        assert row["state"] == "interrupted" and row["finished"] is not None
        assert [r.cell for r in store.results(row["id"])] == cells[:2]


def test_place_needs_a_board_device(tmp_path, db, fake_runs):
    place = SimpleNamespace(name="lab-1")
    with Store(db) as store:
        with pytest.raises(WasmcuError) as info:
            run_bench(_spec(tmp_path, devices="host"), store, place=place)
        assert str(info.value) == ('--place runs board devices (backend "board", such as pico-board): '
                                   'name one with --device')
        assert store.runs() == []  # refused before anything is stored
    with Store(db) as store:
        spec = Spec(devices="host,pico-board", runtimes="native", workloads="sized:4", langs="c",
                    workload_dirs=[tmp_path / "sized"])
        run_id, results = run_bench(spec, store, place=place)
        assert [(r.cell.device, r.status) for r in results] == [("host", "ok"), ("pico-board", "ok")]
    assert [ctx.place for _, ctx in fake_runs] == [place, place]


class FakeCluster:
    """Stands for executors.cluster.ClusterRun: runs the cells here, in reverse order."""

    made: list = []

    def __init__(self, address, mixed_versions=False, **tls):
        self.address, self.mixed_versions, self.tls = address, mixed_versions, tls
        self.closed = 0
        self.ran = None
        FakeCluster.made.append(self)

    def provenance(self):
        return {"cluster": {"workers": 2}}

    def run(self, cells, workloads, devices, ctx, spec, record, execute):
        self.ran = (list(cells), ctx, spec)
        for cell in reversed(cells):
            record(execute(cell, workloads[cell.workload], devices[cell.device], ctx))

    def close(self):
        self.closed += 1


@pytest.fixture
def cluster(monkeypatch):
    from wasmcu.executors import cluster

    FakeCluster.made = []
    monkeypatch.setattr(cluster, "ClusterRun", FakeCluster)
    return FakeCluster.made


def test_a_cluster_run_records_the_clusters_provenance_and_closes_it(tmp_path, db, fake_runs, cluster):
    spec = _spec(tmp_path)
    cells = plan(spec)[0]
    tls = {"tls_ca": "ca.pem", "tls_cert": "c.pem", "tls_key": "k.pem"}
    with Store(db) as store:
        run_id, results = run_bench(spec, store, cluster="tls://sched:8786", tls=tls)
        row = store.run(run_id)
        run_bench(spec, store, cluster="tcp://sched:8786", mixed_versions=True)
    [first, second] = cluster
    assert (first.address, first.mixed_versions, first.tls, first.closed) == ("tls://sched:8786", False, tls, 1)
    assert (second.address, second.mixed_versions, second.tls, second.closed) == ("tcp://sched:8786", True, {}, 1)
    ran_cells, ctx, ran_spec = first.ran
    assert ran_cells == cells and ran_spec is spec and (ctx.repeat, ctx.db_path) == (7, db)
    assert json.loads(row["provenance"]) == {"machine": {"cpu": "test"}, "python": "3", "cluster": {"workers": 2}}
    assert row["state"] == "complete"
    assert [r.cell for r in results] == cells  # back in plan order, whatever order the workers took


def test_a_failed_cluster_run_is_closed(tmp_path, db, fake_runs, cluster, monkeypatch):
    spec = _spec(tmp_path, devices="host")
    with Store(db) as store:
        with pytest.raises(WasmcuError, match="there is no run 3"):
            run_bench(spec, store, cluster="tcp://sched:8786", resume=3)
        assert cluster[-1].closed == 1 and cluster[-1].ran is None

        def broken(self, *args):
            raise WasmcuError("the scheduler went away")

        monkeypatch.setattr(FakeCluster, "run", broken)
        with pytest.raises(WasmcuError, match="the scheduler went away"):
            run_bench(spec, store, cluster="tcp://sched:8786")
        assert cluster[-1].closed == 1
        assert [r["state"] for r in store.runs()] == ["interrupted"]
