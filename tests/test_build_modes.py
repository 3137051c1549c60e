"""Build modes: -O2 everywhere, or each board's vendor-SDK default optimisation."""

import sqlite3

import pytest

from conftest import bench_json


@pytest.mark.slow
@pytest.mark.qemu
def test_sdk_build_mode_uses_the_vendor_default_and_is_part_of_the_cell(db):
    proc, cells = bench_json("--device", "pico,host", "--runtime", "native", "--workload", "crc16:16", "--lang", "c",
                             "--build", "o2,sdk", "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    by = {(c["device"], c["build"]): c for c in cells}
    assert set(by) == {("pico", "o2"), ("pico", "sdk"), ("host", "o2"), ("host", "sdk")}
    assert by[("pico", "o2")]["extra"]["opt"] == "-O2" and by[("pico", "sdk")]["extra"]["opt"] == "-O3"
    assert by[("pico", "sdk")]["provenance"]["build_mode"]["source"].startswith("Pico SDK")
    assert by[("pico", "o2")]["checksum"] == by[("pico", "sdk")]["checksum"] == by[("pico", "o2")]["expected"]
    assert by[("host", "sdk")]["status"] == "unsupported" and "applies to boards" in by[("host", "sdk")]["error"]
    with sqlite3.connect(db) as con:
        assert sorted(r[0] for r in con.execute("SELECT build FROM results")) == ["o2", "o2", "sdk", "sdk"]


def test_unknown_build_mode_is_refused(db):
    proc, _ = bench_json("--device", "host", "--build", "fast", "--db", str(db))
    assert proc.returncode == 2 and "unknown build mode 'fast'; known: o2, sdk" in proc.stderr


def test_a_store_from_before_build_modes_is_migrated(tmp_path):
    from wasmcu.store import Store

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as con:  # the results table as it was, with one stored cell
        con.executescript("""
            CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL NOT NULL, finished REAL,
                               state TEXT NOT NULL DEFAULT 'running', argv TEXT, spec TEXT, provenance TEXT);
            CREATE TABLE results (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, created REAL NOT NULL,
                workload TEXT NOT NULL, n INTEGER NOT NULL, lang TEXT NOT NULL, runtime TEXT NOT NULL,
                device TEXT NOT NULL, backend TEXT NOT NULL, status TEXT NOT NULL, error TEXT, checksum INTEGER,
                expected INTEGER, time_us REAL, time_us_ci_low REAL, time_us_ci_high REAL, time_kind TEXT,
                load_us REAL, cycles INTEGER, cycles_kind TEXT, instructions INTEGER, flash_bytes INTEGER,
                ram_static_bytes INTEGER, ram_peak_bytes INTEGER, runtime_flash_bytes INTEGER,
                runtime_ram_bytes INTEGER, energy_uj REAL, energy_kind TEXT, extra TEXT, provenance TEXT);
            INSERT INTO runs(started, state) VALUES (1, 'complete');
            INSERT INTO results(run_id, created, workload, n, lang, runtime, device, backend, status)
                VALUES (1, 1, 'crc16', 100, 'c', 'native', 'pico', 'qemu', 'ok');
        """)
    with Store(path) as s:
        [r] = s.results(1)
        columns = {row[1] for row in s.db.execute("PRAGMA table_info(results)")}
    assert r.cell.build == "o2" and r.cell.key == "crc16:100/c/native/pico"
    assert {"build", "host_rss_bytes"} <= columns  # the migration added what the old layout lacked


def test_a_store_from_a_newer_wasmcu_is_refused_and_every_result_field_has_a_column(tmp_path):
    import dataclasses

    from wasmcu.model import Result
    from wasmcu.store import SCALAR_FIELDS, SCHEMA_VERSION, Store, StoreError

    path = tmp_path / "new.sqlite"
    with Store(path) as s:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        s.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="written by a newer wasmcu"):
        Store(path)
    kept_apart = {"cell", "time_us_ci", "samples_us", "load_samples_us", "extra", "provenance"}
    with Store(tmp_path / "fresh.sqlite") as s:
        columns = {row[1] for row in s.db.execute("PRAGMA table_info(results)")}
    assert {f.name for f in dataclasses.fields(Result)} - kept_apart <= columns
    assert set(SCALAR_FIELDS) <= columns
