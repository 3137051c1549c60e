"""The result store: what goes in comes back whole, where the file is, how a store that cannot be
opened is reported, older layouts, and opening a new store while another process holds its lock."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from wasmcu import store
from wasmcu.model import Cell, Result
from wasmcu.store import SCALAR_FIELDS, Store, StoreError

CELL = Cell("crc16", 100, "rust", "wamr", "pico", "sdk")

# every field set, each to a value no other field has
FULL = Result(cell=CELL, backend="qemu", status="mismatch", error="checksum differs", error_kind="mismatch",
              checksum=0xDEADBEEF, expected=7,
              verified_by="native-host", time_us=12.5, time_us_ci=[12.0, 13.25], time_kind="estimated", load_us=3.5,
              cycles=1_000_003, cycles_kind="estimated cycles", instructions=900_001, flash_bytes=65_536,
              ram_static_bytes=4_096, ram_peak_bytes=8_192, host_rss_bytes=30_000_000, runtime_flash_bytes=40_000,
              runtime_ram_bytes=2_048, energy_uj=1.75, energy_kind="model", samples_us=[12.0, 12.5, 13.0, 12.25],
              load_samples_us=[3.5, 3.25], extra={"firmware": {"stack_hwm": 512}, "notes": ["a", "b"]},
              provenance={"git_revision": "abc123", "qemu": "8.2.0"})


def test_every_field_of_a_result_comes_back_as_it_was_stored(db):
    assert all(getattr(FULL, f) is not None for f in SCALAR_FIELDS)  # a field added later is covered here too
    with Store(db) as s:
        run = s.begin_run({})
        rid = s.add_result(run, FULL)
        assert rid == 1
    with Store(db) as s:
        [back] = s.results(run)
    assert back == FULL
    assert back.cell.build == "sdk" and back.time_us_ci == [12.0, 13.25]


def test_a_sparse_result_comes_back_without_a_ci_and_with_empty_extra_and_provenance(db):
    sparse = Result(cell=Cell("crc16", 4, "c", "native", "host"), backend="host")
    with Store(db) as s:
        s.add_result(s.begin_run({}), sparse)
        [back] = s.results()
    assert back == sparse
    assert (back.time_us_ci, back.extra, back.provenance, back.samples_us, back.load_samples_us) == (
        None, {}, {}, [], [])


def test_extra_and_provenance_values_json_cannot_hold_are_stored_as_text(db):
    odd = Result(cell=CELL, backend="qemu", extra={"elf": Path("build/fw.elf"), "sizes": (1, 2)},
                 provenance={"toolchain": Path("/opt/arm/bin/gcc")})
    with Store(db) as s:
        s.add_result(s.begin_run({}), odd)
        [back] = s.results()
    assert back.extra == {"elf": "build/fw.elf", "sizes": [1, 2]}
    assert back.provenance == {"toolchain": "/opt/arm/bin/gcc"}


def test_a_run_keeps_its_spec_argv_and_provenance(db):
    with Store(db) as s:
        bare = s.begin_run({"suite": "paper"})
        full = s.begin_run({"cells": 3}, ["wasmcu", "bench", "--repeat", "5"], {"git_revision": "abc"})
        assert full == bare + 1
        row = s.run(bare)
        assert (json.loads(row["spec"]), json.loads(row["argv"]), json.loads(row["provenance"])) == (
            {"suite": "paper"}, [], {})
        row = s.run(full)
        assert (json.loads(row["spec"]), json.loads(row["argv"]), json.loads(row["provenance"])) == (
            {"cells": 3}, ["wasmcu", "bench", "--repeat", "5"], {"git_revision": "abc"})
        assert (row["state"], row["finished"]) == ("running", None)
        s.finish_run(full)
        row = s.run(full)
        assert row["state"] == "complete" and row["finished"] >= row["started"]
        assert [r["id"] for r in s.runs()] == [bare, full] and s.run(full + 1) is None


def test_the_default_store_is_results_wasmcu_sqlite_here_or_wasmcu_db(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WASMCU_DB", raising=False)
    assert store.default_path() == Path("results/wasmcu.sqlite")
    with Store() as s:
        assert s.path == Path("results/wasmcu.sqlite")
        s.begin_run({})
    assert (tmp_path / "results" / "wasmcu.sqlite").is_file()
    elsewhere = tmp_path / "elsewhere.sqlite"
    monkeypatch.setenv("WASMCU_DB", str(elsewhere))
    assert store.default_path() == elsewhere
    with Store() as s:
        assert s.path == elsewhere
    assert elsewhere.is_file()


def test_missing_folders_are_created_and_an_existing_store_opens_without_create(tmp_path):
    nested = tmp_path / "a" / "b" / "first.sqlite"
    with Store(nested) as s:
        s.add_result(s.begin_run({}), FULL)
    with Store(nested.with_name("second.sqlite")):  # its folder exists now
        pass
    with Store(nested, create=False) as s:
        assert s.results() == [FULL]
    with pytest.raises(StoreError, match="there is no store at"):
        Store(nested.with_name("third.sqlite"), create=False)
    assert not nested.with_name("third.sqlite").exists()


def test_a_directory_is_refused_with_a_file_name_to_use_instead(tmp_path):
    with pytest.raises(StoreError) as info:
        Store(tmp_path)
    assert str(info.value) == (f"{tmp_path} is a directory, not a store: name a file with --db PATH "
                               f"(e.g. {tmp_path / 'wasmcu.sqlite'})")


def test_a_store_a_newer_wasmcu_wrote_is_refused_with_both_schema_versions(db, connections):
    with Store(db) as s:
        s.db.execute(f"PRAGMA user_version = {store.SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError) as info:
        Store(db)
    assert str(info.value) == (f"{db} was written by a newer wasmcu (store schema {store.SCHEMA_VERSION + 1}; this "
                               f"wasmcu reads up to {store.SCHEMA_VERSION}): upgrade wasmcu, or use another --db")
    assert len(connections) == 2 and _is_closed(connections[1])  # the refused one is not left open


def test_a_store_sqlite_cannot_open_says_to_check_its_folder(tmp_path):
    link = tmp_path / "results.sqlite"  # points into a folder that is not there
    link.symlink_to(tmp_path / "gone" / "results.sqlite")
    with pytest.raises(StoreError) as info:
        Store(link)
    assert str(info.value) == (f"cannot open the store {link} (SQLite: unable to open database file): check that "
                               f"its folder is writable, or name another file with --db PATH")
    assert isinstance(info.value.__cause__, sqlite3.OperationalError)


class _Opened(list):
    """The SQLite connections opened during a test, made by `factory` (a Connection class)."""

    factory = sqlite3.Connection


@pytest.fixture
def connections(monkeypatch):
    """Every SQLite connection opened during the test."""
    opened = _Opened()
    real = sqlite3.connect

    def connect(*args, **kwargs):
        opened.append(real(*args, factory=opened.factory, **kwargs))
        return opened[-1]

    monkeypatch.setattr(sqlite3, "connect", connect)
    return opened


def _is_closed(con: sqlite3.Connection) -> bool:
    try:
        con.execute("SELECT 1")
    except sqlite3.ProgrammingError:
        return True
    return False


def test_a_file_that_is_not_a_store_is_named_with_sqlites_words_and_left_closed(tmp_path, connections):
    notes = tmp_path / "notes.sqlite"
    notes.write_bytes(b"this is a CSV file, not a store\n" * 100)
    with pytest.raises(StoreError) as info:
        Store(notes)
    assert str(info.value).startswith(f"{notes} is not a readable wasmcu store (SQLite: file is not a database): "
                                      f"the file is damaged or truncated, or is not a wasmcu store.")
    [con] = connections
    assert _is_closed(con)


class _Flaky(sqlite3.Connection):
    """A connection whose switch to WAL fails with the errors in `failures`, one per attempt."""

    failures: list[sqlite3.Error] = []

    def execute(self, sql, *args):
        if sql.lower().startswith("pragma journal_mode") and self.failures:
            raise self.failures.pop(0)
        return super().execute(sql, *args)


@pytest.fixture
def flaky(connections, monkeypatch):
    waits = []
    connections.factory = _Flaky
    monkeypatch.setattr(store.time, "sleep", waits.append)
    yield waits
    _Flaky.failures = []


def test_opening_a_new_store_while_another_process_holds_its_lock_retries(db, flaky, connections):
    _Flaky.failures = [sqlite3.OperationalError("database is locked")] * 2
    with Store(db) as s:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        s.add_result(s.begin_run({}), FULL)
        assert s.results() == [FULL]
    assert flaky == [0.05, 0.05]


def test_a_lock_never_released_is_given_up_after_about_ten_seconds(db, flaky, connections):
    _Flaky.failures = [sqlite3.OperationalError("database is locked")] * 500
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        Store(db)
    assert len(flaky) == 199 and sum(flaky) == pytest.approx(9.95)
    assert len(_Flaky.failures) == 300  # 200 attempts
    assert all(_is_closed(con) for con in connections)


def test_an_error_that_is_neither_a_lock_nor_damage_is_not_retried_nor_renamed(db, flaky, connections):
    _Flaky.failures = [sqlite3.OperationalError("disk I/O error")]
    with pytest.raises(sqlite3.OperationalError, match="^disk I/O error$"):
        Store(db)
    assert flaky == [] and all(_is_closed(con) for con in connections)


def _old_layout(path: Path, drop: str, version: int) -> None:
    """The store at `path` as an older wasmcu wrote it: without the column `drop`."""
    con = sqlite3.connect(path)
    con.execute(f"ALTER TABLE results DROP COLUMN {drop}")
    con.execute(f"PRAGMA user_version = {version}")
    con.commit()
    con.close()


def test_a_store_from_before_a_required_column_gets_it_empty_in_its_older_cells(tmp_path):
    path = tmp_path / "old.sqlite"
    with Store(path) as s:
        run = s.begin_run({})
        s.add_result(run, Result(cell=CELL, backend="qemu", status="ok", checksum=5))
    _old_layout(path, "status", 1)
    with Store(path) as s:
        [old] = s.results(run)
        column = [row for row in s.db.execute("PRAGMA table_info(results)") if row[1] == "status"]
        s.add_result(run, Result(cell=dataclasses.replace(CELL, build="o2"), backend="qemu", status="ok"))
        statuses = sorted((r.cell.build, r.status) for r in s.results(run))
    assert (old.status, old.checksum) == (None, 5)
    assert [(row[2], row[3]) for row in column] == [("TEXT", 0)]  # declared TEXT, and NULL allowed
    assert statuses == [("o2", "ok"), ("sdk", None)]


def test_an_older_store_says_its_checksums_came_from_the_oracle_and_a_newer_one_keeps_its_own(tmp_path):
    path = tmp_path / "old.sqlite"
    with Store(path) as s:
        run = s.begin_run({})
        s.add_result(run, Result(cell=CELL, backend="qemu", status="ok", checksum=5, expected=5))
        s.add_result(run, Result(cell=Cell("crc16", 4, "c", "native", "host"), backend="host", status="error"))
    _old_layout(path, "verified_by", 3)
    with Store(path) as s:
        got = {r.cell.runtime: r.verified_by for r in s.results(run)}
        run2 = s.begin_run({})
        s.add_result(run2, Result(cell=CELL, backend="qemu", status="ok", checksum=5, expected=5,
                                  verified_by="native-host"))
    assert got == {"wamr": "oracle", "native": None}
    with Store(path) as s:  # opening it again leaves a newer cell's source alone
        assert [r.verified_by for r in s.results(run2)] == ["native-host"]
        assert {r.cell.runtime: r.verified_by for r in s.results(run)} == got


def test_rows_an_older_wasmcu_wrote_without_extra_or_provenance_read_as_empty(db):
    with Store(db) as s:
        run = s.begin_run({})
        s.db.execute("INSERT INTO results(run_id, created, workload, n, lang, runtime, device, backend, status) "
                     "VALUES (?, 0, 'crc16', 4, 'c', 'native', 'host', 'host', 'ok')", (run,))
        [r] = s.results(run)
    assert (r.extra, r.provenance, r.cell.build, r.time_us_ci) == ({}, {}, "o2", None)


def test_each_result_field_has_a_column_of_its_type():
    fields = {f.name: f for f in dataclasses.fields(Result)}
    assert store._column(fields["checksum"]) == "checksum INTEGER"
    assert store._column(fields["time_us"]) == "time_us REAL"
    assert store._column(fields["error"]) == "error TEXT"
    assert store._column(fields["backend"]) == "backend TEXT NOT NULL"
    assert store._column(fields["status"]) == "status TEXT NOT NULL"

    @dataclasses.dataclass
    class Later:  # a field of a type with no column type of its own, as a later Result might have
        blob: bytes | None = None

    [blob] = dataclasses.fields(Later)
    assert store._column(blob) == "blob TEXT"
