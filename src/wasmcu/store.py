"""The result store: one SQLite file, every sample and its provenance.

Default location: `results/wasmcu.sqlite` under the current directory, or the
WASMCU_DB environment variable, or `--db PATH`. Each cell is committed as soon as
it is measured (WAL journal), so a run killed at any point keeps every finished
cell, and several wasmcu processes can write to one file.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import sqlite3
import time
from pathlib import Path

from . import runstate
from .errors import WasmcuError
from .model import Cell, Result


class StoreError(WasmcuError):
    """A store this wasmcu cannot read or write."""


# what SQLite says of a file that is not a database, or one that is damaged (truncated,
# overwritten, copied while being written)
DAMAGED = ("file is not a database", "database disk image is malformed", "malformed database schema")


def damaged(path: Path, exc: sqlite3.DatabaseError) -> StoreError:
    """The error for a store SQLite cannot read: names the file and says what to do."""
    return StoreError(f"{path} is not a readable wasmcu store (SQLite: {exc}): the file is damaged or truncated, or is "
                      f"not a wasmcu store. Use another one with --db PATH (or $WASMCU_DB), or move this file away "
                      f"and run `wasmcu bench` again to start a new store; a store copied while wasmcu was writing "
                      f"it needs its '-wal' file beside it")


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    return any(m in str(exc) for m in DAMAGED)


def _guarded(method):
    """A Store method whose SQLite errors on a damaged file become a StoreError naming the file."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            if not _is_damage(exc):
                raise
            raise damaged(self.path, exc) from exc

    return wrapper

# Result's scalar fields are the results table's columns; the rest are stored apart: the cell
# (its own columns), the CI (two columns), samples (their table), extra and provenance (JSON)
KEPT_APART = ("cell", "time_us_ci", "samples_us", "load_samples_us", "extra", "provenance")
SCALAR_FIELDS = tuple(f.name for f in dataclasses.fields(Result) if f.name not in KEPT_APART)
NOT_NULL = {"backend", "status"}
SQL_TYPES = {"int": "INTEGER", "float": "REAL", "str": "TEXT"}


def _column(f: dataclasses.Field) -> str:
    kind = SQL_TYPES.get(str(f.type).split("|")[0].strip(), "TEXT")
    return f"{f.name} {kind}" + (" NOT NULL" if f.name in NOT_NULL else "")


SCALAR_COLUMNS = [_column(f) for f in dataclasses.fields(Result) if f.name in SCALAR_FIELDS]

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,
    finished REAL,
    state TEXT NOT NULL DEFAULT 'running',      -- running, complete, interrupted
    argv TEXT,
    spec TEXT,                                   -- JSON: the planned cells and options
    provenance TEXT,                             -- JSON: git revision, machine, versions
    pid INTEGER, host TEXT, heartbeat REAL       -- who runs it (wasmcu.runstate)
);
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    created REAL NOT NULL,
    workload TEXT NOT NULL, n INTEGER NOT NULL, lang TEXT NOT NULL,
    runtime TEXT NOT NULL, device TEXT NOT NULL, build TEXT NOT NULL DEFAULT 'o2',
    {", ".join(SCALAR_COLUMNS)},
    time_us_ci_low REAL, time_us_ci_high REAL,
    extra TEXT, provenance TEXT
);
CREATE INDEX IF NOT EXISTS results_run ON results(run_id);
CREATE TABLE IF NOT EXISTS samples (
    result_id INTEGER NOT NULL REFERENCES results(id),
    kind TEXT NOT NULL,                          -- run or load
    idx INTEGER NOT NULL,
    value_us REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS samples_result ON samples(result_id);
"""

# the version of the layout; a store written by a newer wasmcu is refused, an older one migrated
SCHEMA_VERSION = Result.SCHEMA


def default_path() -> Path:
    return Path(os.environ.get("WASMCU_DB", "results/wasmcu.sqlite"))


class Store:
    """The results of every run, in one SQLite file (created when missing).

    A file SQLite cannot read (not a database, damaged, truncated) is refused with a
    :class:`StoreError` that names it and says what to do."""

    def __init__(self, path: str | Path | None = None, *, create: bool = True, readonly: bool = False):
        """Open the store at `path` (default: :func:`default_path`); with ``create=False`` a
        missing file is an error saying to run a bench first, instead of a new empty store. With
        ``readonly=True`` (implies ``create=False``) nothing is written, so that a store on a
        read-only file or medium can be read (``report``, ``compare``, ``api.load``)."""
        self.path = Path(path) if path else default_path()
        self.readonly = readonly
        if readonly:
            create = False
        if not create and not self.path.exists():
            raise StoreError(f"there is no store at {self.path}: run `wasmcu bench` first, or name the store with "
                             f"--db PATH (or $WASMCU_DB)")
        if self.path.is_dir():
            raise StoreError(f"{self.path} is a directory, not a store: name a file with --db PATH "
                             f"(e.g. {self.path / 'wasmcu.sqlite'})")
        try:
            if not readonly:
                self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder of the store {self.path}: {exc.strerror} (name another file "
                             f"with --db PATH)") from exc
        try:
            if readonly:
                self._open_readonly()
            else:
                self._open()
        except StoreError:  # written by a newer wasmcu
            self.db.close()
            raise
        except sqlite3.DatabaseError as exc:
            if getattr(self, "db", None) is not None:
                self.db.close()
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise StoreError(f"the store {self.path} is read-only (SQLite: {exc}): `wasmcu bench` writes every "
                                 f"cell into it. Name a writable store with --db PATH, or copy this one to a writable "
                                 f"place; reading it (report, compare, api.load) works as it is") from exc
            if "unable to open" in str(exc):
                raise StoreError(f"cannot open the store {self.path} (SQLite: {exc}): check that its folder is "
                                 f"writable, or name another file with --db PATH") from exc
            if not _is_damage(exc):
                raise
            raise damaged(self.path, exc) from exc

    def _open_readonly(self) -> None:
        """Open with SQLite's read-only URI: no journal switch, no schema script, no version
        written. A WAL store on a read-only medium (no '-shm' file can be made there) is read as
        immutable; a store of an older layout is migrated by opening it writable once."""
        from urllib.parse import quote

        uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        for options in ("", "&immutable=1"):
            self.db = sqlite3.connect(uri + options, uri=True, timeout=60, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            try:
                found = self.db.execute("PRAGMA user_version").fetchone()[0]
                self.db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                break
            except sqlite3.OperationalError as exc:
                self.db.close()
                if options or not ("unable to open" in str(exc) or "readonly" in str(exc)):
                    raise
        if found > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer wasmcu (store schema {found}; this "
                             f"wasmcu reads up to {SCHEMA_VERSION}): upgrade wasmcu, or use another --db")
        if found < SCHEMA_VERSION:  # an older layout (or an empty file): migrate it, which writes
            self.db.close()
            try:
                self._open()
            except sqlite3.OperationalError as exc:
                if "readonly" not in str(exc):
                    raise
                raise StoreError(f"{self.path} was written by an older wasmcu (store schema {found}) and is "
                                 f"read-only: this wasmcu reads it once it has added its new columns. Copy it to a "
                                 f"writable place and name the copy with --db PATH") from exc

    def _open(self) -> None:
        self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA busy_timeout=60000")
        # Switching a new file to WAL takes an exclusive lock that SQLite does not wait for
        # (no busy handler): when two processes open a new store at once, retry.
        for attempt in range(200):
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                found = self.db.execute("PRAGMA user_version").fetchone()[0]
                if found > SCHEMA_VERSION:
                    raise StoreError(f"{self.path} was written by a newer wasmcu (store schema {found}; this "
                                     f"wasmcu reads up to {SCHEMA_VERSION}): upgrade wasmcu, or use another --db")
                self.db.executescript(SCHEMA)
                self._migrate()
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 199:
                    raise
                time.sleep(0.05)

    def _migrate(self) -> None:
        """Columns added since a store was written: build modes (its cells were all built
        with `o2`), the host process's RSS (older host cells kept it in ram_peak_bytes), how
        a cell was verified (older stores: by the oracle), and any Result field added later
        (NULL in older cells)."""
        run_columns = {row[1] for row in self.db.execute("PRAGMA table_info(runs)")}
        for column in ("pid INTEGER", "host TEXT", "heartbeat REAL"):  # who runs a run (wasmcu.runstate)
            if column.split()[0] not in run_columns:
                self.db.execute(f"ALTER TABLE runs ADD COLUMN {column}")
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(results)")}
        if "build" not in columns:
            self.db.execute("ALTER TABLE results ADD COLUMN build TEXT NOT NULL DEFAULT 'o2'")
        if "host_rss_bytes" not in columns:
            self.db.execute("ALTER TABLE results ADD COLUMN host_rss_bytes INTEGER")
            self.db.execute("UPDATE results SET host_rss_bytes = ram_peak_bytes, ram_peak_bytes = NULL "
                            "WHERE backend = 'host'")
            columns.add("host_rss_bytes")
        for column in SCALAR_COLUMNS:
            if column.split()[0] not in columns:
                self.db.execute(f"ALTER TABLE results ADD COLUMN {column.replace(' NOT NULL', '')}")
        if "verified_by" not in columns:  # before schema 4 every expected checksum came from an oracle
            self.db.execute("UPDATE results SET verified_by = 'oracle' WHERE expected IS NOT NULL")

    def close(self):
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # runs ------------------------------------------------------------------
    def begin_run(self, spec: dict, argv: list[str] | None = None, provenance: dict | None = None) -> int:
        me = runstate.this_process()
        cur = self.db.execute("INSERT INTO runs(started, argv, spec, provenance, pid, host, heartbeat) "
                              "VALUES (?,?,?,?,?,?,?)",
                              (time.time(), json.dumps(argv or []), json.dumps(spec), json.dumps(provenance or {}),
                               me["pid"], me["host"], me["heartbeat"]))
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, state: str = "complete") -> None:
        self.db.execute("UPDATE runs SET finished=?, state=? WHERE id=?", (time.time(), state, run_id))

    def reopen_run(self, run_id: int) -> None:
        """Mark a run running again, by this process; refused (StoreError) when another process
        runs it still (wasmcu.runstate): the check and the change are one transaction."""
        me = runstate.this_process()
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            row = self.run(run_id)
            if row is not None and runstate.state(row) == runstate.RUNNING:
                raise StoreError(f"run {run_id} is still going ({runstate.describe(row)}): resuming it now would run "
                                 f"its cells twice; wait for it to finish, or stop it (Ctrl-C or SIGTERM) and resume "
                                 f"it then")
            self.db.execute("UPDATE runs SET state='running', finished=NULL, pid=?, host=?, heartbeat=? WHERE id=?",
                            (me["pid"], me["host"], me["heartbeat"], run_id))

    def runs(self) -> list[dict]:
        """Every run, oldest first; `state` is what it really is (``abandoned`` for a run left
        ``running`` by a process that is gone: wasmcu.runstate)."""
        return [self._run_row(r) for r in self.db.execute("SELECT * FROM runs ORDER BY id")]

    def run(self, run_id: int) -> dict | None:
        row = self.db.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        return self._run_row(row) if row else None

    @staticmethod
    def _run_row(row: sqlite3.Row) -> dict:
        out = dict(row)
        out["state"] = runstate.state(out)
        return out

    def latest_run_id(self) -> int | None:
        row = self.db.execute("SELECT MAX(id) FROM runs WHERE id IN (SELECT run_id FROM results)").fetchone()
        return row[0]

    # results ---------------------------------------------------------------
    def add_result(self, run_id: int, r: Result) -> int:
        c = r.cell
        values = [getattr(r, f) for f in SCALAR_FIELDS]
        ci = r.time_us_ci or [None, None]
        with self.db:  # one transaction per cell
            self.db.execute("BEGIN IMMEDIATE")
            cur = self.db.execute(
                f"INSERT INTO results(run_id, created, workload, n, lang, runtime, device, build, "
                f"{', '.join(SCALAR_FIELDS)}, time_us_ci_low, time_us_ci_high, extra, provenance) "
                f"VALUES ({', '.join('?' * (8 + len(SCALAR_FIELDS) + 4))})",
                [run_id, time.time(), c.workload, c.n, c.lang, c.runtime, c.device, c.build, *values, ci[0], ci[1],
                 json.dumps(r.extra, default=str), json.dumps(r.provenance, default=str)])
            rid = int(cur.lastrowid)
            rows = [(rid, "run", i, v) for i, v in enumerate(r.samples_us)]
            rows += [(rid, "load", i, v) for i, v in enumerate(r.load_samples_us)]
            self.db.executemany("INSERT INTO samples(result_id, kind, idx, value_us) VALUES (?,?,?,?)", rows)
        return rid

    def results(self, run_id: int | None = None) -> list[Result]:
        """Results of one run (default: the latest run that has results), newest per cell."""
        if run_id is None:
            run_id = self.latest_run_id()
            if run_id is None:
                return []
        rows = self.db.execute("SELECT * FROM results WHERE run_id=? ORDER BY id", (run_id,)).fetchall()
        latest: dict[Cell, Result] = {}
        for row in rows:
            r = self._row_to_result(row)
            latest[r.cell] = r
        return list(latest.values())

    def done_cells(self, run_id: int) -> set[Cell]:
        rows = self.db.execute("SELECT workload, n, lang, runtime, device, build FROM results WHERE run_id=?",
                               (run_id,))
        return {Cell(*row) for row in rows}

    def _row_to_result(self, row: sqlite3.Row) -> Result:
        cell = Cell(row["workload"], row["n"], row["lang"], row["runtime"], row["device"], row["build"])
        samples: dict[str, list[float]] = {"run": [], "load": []}
        for kind, value in self.db.execute("SELECT kind, value_us FROM samples WHERE result_id=? ORDER BY idx",
                                           (row["id"],)):
            samples[kind].append(value)
        ci = [row["time_us_ci_low"], row["time_us_ci_high"]] if row["time_us_ci_low"] is not None else None
        return Result(cell=cell, **{f: row[f] for f in SCALAR_FIELDS}, time_us_ci=ci,
                      extra=json.loads(row["extra"] or "{}"), provenance=json.loads(row["provenance"] or "{}"),
                      samples_us=samples["run"], load_samples_us=samples["load"])


# every query of a damaged store names the file (a truncated file may open and fail later)
for _name in ("begin_run", "finish_run", "reopen_run", "runs", "run", "latest_run_id", "add_result", "results",
              "done_cells"):
    setattr(Store, _name, _guarded(getattr(Store, _name)))
