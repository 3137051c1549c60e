"""The result store: one SQLite file, every sample and its provenance.

Default location: `results/wasmcu.sqlite` under the current directory, or the
WASMCU_DB environment variable, or `--db PATH`. Each cell is committed as soon as
it is measured (WAL journal), so a run killed at any point keeps every finished
cell, and several wasmcu processes can write to one file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

from .errors import WasmcuError
from .model import Cell, Result


class StoreError(WasmcuError):
    """A store this wasmcu cannot read or write."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,
    finished REAL,
    state TEXT NOT NULL DEFAULT 'running',      -- running, complete, interrupted
    argv TEXT,
    spec TEXT,                                   -- JSON: the planned cells and options
    provenance TEXT                              -- JSON: git revision, machine, versions
);
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    created REAL NOT NULL,
    workload TEXT NOT NULL, n INTEGER NOT NULL, lang TEXT NOT NULL,
    runtime TEXT NOT NULL, device TEXT NOT NULL, build TEXT NOT NULL DEFAULT 'o2', backend TEXT NOT NULL,
    status TEXT NOT NULL, error TEXT,
    checksum INTEGER, expected INTEGER,
    time_us REAL, time_us_ci_low REAL, time_us_ci_high REAL, time_kind TEXT, load_us REAL,
    cycles INTEGER, cycles_kind TEXT, instructions INTEGER,
    flash_bytes INTEGER, ram_static_bytes INTEGER, ram_peak_bytes INTEGER, host_rss_bytes INTEGER,
    runtime_flash_bytes INTEGER, runtime_ram_bytes INTEGER,
    energy_uj REAL, energy_kind TEXT,
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

# the version of the layout below; a store written by a newer wasmcu is refused, an older one migrated
SCHEMA_VERSION = 3
SCALAR_FIELDS = ("backend", "status", "error", "checksum", "expected", "time_us", "time_kind", "load_us", "cycles",
                 "cycles_kind", "instructions", "flash_bytes", "ram_static_bytes", "ram_peak_bytes", "host_rss_bytes",
                 "runtime_flash_bytes", "runtime_ram_bytes", "energy_uj", "energy_kind")


def default_path() -> Path:
    return Path(os.environ.get("WASMCU_DB", "results/wasmcu.sqlite"))


class Store:
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
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
                self._add_build_column()
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 199:
                    raise
                time.sleep(0.05)

    def _add_build_column(self) -> None:
        """Columns added since a store was written: build modes (its cells were all built
        with `o2`) and the host process's RSS (older host cells kept it in ram_peak_bytes)."""
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(results)")}
        if "build" not in columns:
            self.db.execute("ALTER TABLE results ADD COLUMN build TEXT NOT NULL DEFAULT 'o2'")
        if "host_rss_bytes" not in columns:
            self.db.execute("ALTER TABLE results ADD COLUMN host_rss_bytes INTEGER")
            self.db.execute("UPDATE results SET host_rss_bytes = ram_peak_bytes, ram_peak_bytes = NULL "
                            "WHERE backend = 'host'")

    def close(self):
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # runs ------------------------------------------------------------------
    def begin_run(self, spec: dict, argv: list[str] | None = None, provenance: dict | None = None) -> int:
        cur = self.db.execute("INSERT INTO runs(started, argv, spec, provenance) VALUES (?,?,?,?)",
                              (time.time(), json.dumps(argv or []), json.dumps(spec), json.dumps(provenance or {})))
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, state: str = "complete") -> None:
        self.db.execute("UPDATE runs SET finished=?, state=? WHERE id=?", (time.time(), state, run_id))

    def reopen_run(self, run_id: int) -> None:
        self.db.execute("UPDATE runs SET state='running', finished=NULL WHERE id=?", (run_id,))

    def runs(self) -> list[dict]:
        return [dict(r) for r in self.db.execute("SELECT * FROM runs ORDER BY id")]

    def run(self, run_id: int) -> dict | None:
        row = self.db.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        return dict(row) if row else None

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
        r = Result(cell=cell, backend=row["backend"])
        for f in SCALAR_FIELDS:
            setattr(r, f, row[f])
        if row["time_us_ci_low"] is not None:
            r.time_us_ci = [row["time_us_ci_low"], row["time_us_ci_high"]]
        r.extra = json.loads(row["extra"] or "{}")
        r.provenance = json.loads(row["provenance"] or "{}")
        for kind, value in self.db.execute("SELECT kind, value_us FROM samples WHERE result_id=? ORDER BY idx",
                                           (row["id"],)):
            (r.samples_us if kind == "run" else r.load_samples_us).append(value)
        return r
