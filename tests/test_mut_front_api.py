"""The API's readers of a store (results, load, runs), the store's read-only open and the run
provenance's comparison, in the test process, on a tiny store made with the library."""

import sqlite3

import pandas as pd
import pytest

from wasmcu import api
from wasmcu import store as store_mod
from wasmcu.errors import WasmcuError
from wasmcu.model import Cell, Result
from wasmcu.provenance import incomparable
from wasmcu.store import Store, StoreError


def _r(runtime, time_us):
    return Result(Cell("crc16", 10, "c", runtime, "host"), "host", status="ok", checksum=1, expected=1,
                  time_us=time_us, time_kind="measured")


@pytest.fixture
def two_runs(tmp_path):
    db = tmp_path / "s.sqlite"
    with Store(db) as s:
        first = s.begin_run({}, ["wasmcu", "bench", "--device", "host"])
        s.add_result(first, _r("native", 1.0))
        s.add_result(first, _r("wasm3", 10.0))
        s.finish_run(first, "complete")
        second = s.begin_run({}, ["wasmcu", "bench"])
        s.add_result(second, _r("native", 2.0))
        s.finish_run(second, "interrupted")
    return db


def test_results_and_load_read_the_run_asked_for_else_the_latest(two_runs):
    assert [(r.cell.runtime, r.time_us) for r in api.results(two_runs, 1)] == [("native", 1.0), ("wasm3", 10.0)]
    assert [(r.cell.runtime, r.time_us) for r in api.results(two_runs, 2)] == [("native", 2.0)]
    assert [(r.cell.runtime, r.time_us) for r in api.results(two_runs)] == [("native", 2.0)]
    frame = api.load(two_runs, run=1)
    assert sorted(frame["runtime"]) == ["native", "wasm3"] and set(frame["run_id"]) == {1}
    assert list(api.load(two_runs)["time_us"]) == [2.0]
    with pytest.raises(WasmcuError) as exc:
        api.results(two_runs, 3)
    assert str(exc.value) == f"there is no run 3 in {two_runs} (its runs: 1, 2)"


def test_runs_lists_each_run_with_utc_times_its_state_cells_and_command_line(two_runs):
    frame = api.runs(two_runs)
    assert list(frame.columns) == ["id", "started", "finished", "state", "cells", "argv"]
    assert frame[["id", "state", "cells", "argv"]].values.tolist() == [
        [1, "complete", 2, "wasmcu bench --device host"], [2, "interrupted", 1, "wasmcu bench"]]
    with Store(two_runs, readonly=True) as s:
        stored = {r["id"]: r["started"] for r in s.runs()}
    for column in ("started", "finished"):
        assert str(frame[column].dt.tz) == "UTC"
    assert frame["started"][0] == pd.Timestamp(stored[1], unit="s", tz="UTC")
    assert (frame["finished"] >= frame["started"]).all()


def test_report_names_the_fitted_argument_when_it_is_not_names(two_runs, tmp_path):
    with pytest.raises(WasmcuError) as exc:
        api.report(tmp_path / "rep", db=two_runs, fitted=[3])
    assert str(exc.value).startswith("fitted: expected names")
    with pytest.raises(WasmcuError) as exc:
        api.report(tmp_path / "rep", db=two_runs, fitted=7)
    assert str(exc.value).startswith("fitted: expected a comma-separated string or a list of names, got 7")


# --- the store's read-only open ------------------------------------------------------------------

class FailingConnection:
    """A connection whose every statement fails with SQLite's `message`."""

    def __init__(self, message: str):
        self.message = message

    def execute(self, *a):
        raise sqlite3.OperationalError(self.message)

    def close(self):
        pass


def test_a_store_that_cannot_be_read_in_place_is_read_as_immutable(two_runs, monkeypatch):
    """A WAL store on a read-only medium: SQLite cannot make its '-shm' file, the plain read-only
    open fails with 'unable to open', and the store is read as immutable instead."""
    real = sqlite3.connect
    names = []

    def connect(name, *a, **kw):
        names.append(str(name))
        assert kw.get("uri") is True  # a file: name is a URI only when asked (SQLite's default may differ)
        if str(name).startswith("file:") and not str(name).endswith("?mode=ro&immutable=1"):
            return FailingConnection("unable to open database file")
        return real(name, *a, **kw)

    monkeypatch.setattr(store_mod.sqlite3, "connect", connect)
    with Store(two_runs, readonly=True) as s:
        assert len(s.results(1)) == 2
    assert len(names) == 2 and names[0].endswith("?mode=ro") and names[1] == names[0] + "&immutable=1"


def test_a_store_unreadable_even_as_immutable_says_it_cannot_be_opened(two_runs, monkeypatch):
    names = []
    monkeypatch.setattr(store_mod.sqlite3, "connect",
                        lambda name, *a, **kw: names.append(name) or FailingConnection("unable to open database file"))
    with pytest.raises(StoreError, match=f"cannot open the store {two_runs}"):
        Store(two_runs, readonly=True)
    assert len(names) == 2


def test_another_error_of_the_read_only_open_is_not_retried(two_runs, monkeypatch):
    names = []

    def connect(name, *a, **kw):
        names.append(str(name))
        return FailingConnection("disk I/O error")

    monkeypatch.setattr(store_mod.sqlite3, "connect", connect)
    with pytest.raises((sqlite3.OperationalError, StoreError)):
        Store(two_runs, readonly=True)
    assert len(names) == 1


def test_reading_a_store_writes_nothing_into_it(two_runs):
    before = two_runs.read_bytes()
    with Store(two_runs, readonly=True) as s:
        assert len(s.runs()) == 2
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            s.db.execute("DELETE FROM runs")
    assert two_runs.read_bytes() == before


# --- provenance ----------------------------------------------------------------------------------

def test_incomparable_names_each_field_that_differs():
    a = {"machine": {"cpu": "A", "hostname": "h"}, "python": "3.12.1", "tools": {"clang": "18", "qemu": "9.0"}}
    assert incomparable(a, a) == []
    b = {"machine": {"cpu": "B", "hostname": "h"}, "python": "3.12.2", "tools": {"clang": "19", "gcc": "13"}}
    assert incomparable(a, b) == ["machine.cpu: 'A' vs 'B'", "python: '3.12.1' vs '3.12.2'",
                                  "tools.clang: '18' vs '19'", "tools.gcc: None vs '13'", "tools.qemu: '9.0' vs None"]


def test_incomparable_leaves_out_what_one_run_did_not_record():
    a = {"machine": {"cpu": "A"}, "python": "3.12.1", "tools": {"clang": "18"}}
    assert incomparable(a, {}) == [] and incomparable({}, a) == []
    assert incomparable(a, {"machine": None, "tools": None}) == []
    assert incomparable({"machine": "old", "tools": {"clang": "18"}}, a) == []  # machine.cpu of a string: unknown


def test_incomparable_compares_a_table_with_a_value_as_values():
    a = {"tools": {"clang": "18"}}
    assert incomparable(a, {"tools": "none"}) == ["tools: {'clang': '18'} vs 'none'"]
    assert incomparable({"tools": "none"}, a) == ["tools: 'none' vs {'clang': '18'}"]


def test_a_store_from_before_heartbeats_gets_the_columns_of_who_runs_a_run(tmp_path):
    import socket

    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL NOT NULL, finished REAL, "
                "state TEXT NOT NULL DEFAULT 'running', argv TEXT, spec TEXT, provenance TEXT)")
    con.execute("INSERT INTO runs(started, state) VALUES (1.0, 'complete')")
    con.commit()
    con.close()
    with Store(db) as s:
        columns = {row[1] for row in s.db.execute("PRAGMA table_info(runs)")}
        assert {"pid", "host", "heartbeat"} <= columns
        run = s.begin_run({})
        assert s.run(run)["host"] == socket.gethostname() and s.run(1)["host"] is None
