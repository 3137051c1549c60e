"""Read-only stores: report, compare, recost and the API's readers open the store read-only, so
that a store shared read-only can be read; bench on one is a clear error (exit 2)."""

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT, wasmcu
from wasmcu import api
from wasmcu.model import Cell, Result
from wasmcu.store import Store, StoreError

NOBODY = 65534


def make_store(path: Path) -> Path:
    with Store(path) as store:
        run = store.begin_run({"suite": None}, ["bench"], {})
        for rt, t in (("native", 2.0), ("wasm3", 20.0)):
            store.add_result(run, Result(Cell("crc16", 10, "c", rt, "host"), "host", status="ok", checksum=5,
                                         expected=5, verified_by="oracle", time_us=t, time_kind="measured",
                                         time_us_ci=[t * 0.9, t * 1.1], samples_us=[t] * 5, load_samples_us=[1.0]))
        store.finish_run(run)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_readers_write_nothing_to_the_store(tmp_path):
    db = make_store(tmp_path / "s.sqlite")
    before = digest(db)
    assert len(api.results(db)) == 2 and len(api.load(db)) == 2 and list(api.runs(db)["state"]) == ["complete"]
    api.report(tmp_path / "report", db=db)
    assert wasmcu("compare", "1", "1", "--db", str(db)).returncode == 0
    assert digest(db) == before


def test_a_store_that_is_not_there_is_not_created_by_a_reader(tmp_path):
    with pytest.raises(StoreError, match="there is no store at"):
        api.results(tmp_path / "none.sqlite")
    assert not (tmp_path / "none.sqlite").exists()


@pytest.fixture
def shared():
    """A store in a folder that user nobody can read but not write (root ignores file modes)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run a reader as another user")
    if os.environ.get("WASMCU_MUTATION"):
        pytest.skip("under scripts/mutation.sh: the system Python cannot import the mutated package (no mutmut)")
    top = Path(tempfile.mkdtemp(prefix="wasmcu-ro-"))
    try:
        os.chmod(top, 0o755)
        ro = top / "ro"
        ro.mkdir()
        db = make_store(ro / "shared.sqlite")
        os.chmod(ro, 0o555)
        os.chmod(db, 0o444)
        home = top / "home"
        home.mkdir()
        os.chown(home, NOBODY, NOBODY)
        yield db, home
    finally:
        shutil.rmtree(top, ignore_errors=True)


SYSTEM_PYTHON = Path("/usr/bin/python3")  # one that user nobody may run (the test's may be in root's home)

READ = """
import sys
from wasmcu.store import Store
with Store(sys.argv[1], readonly=True) as store:
    print(len(store.runs()), len(store.results()), store.runs()[0]["state"])
"""
WRITE = """
import sys
from wasmcu.store import Store, StoreError
try:
    Store(sys.argv[1])
except StoreError as exc:
    print(exc)
"""


def as_nobody(code: str, db: Path, home: Path) -> subprocess.CompletedProcess:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.skip(f"no {SYSTEM_PYTHON} to run as user nobody")

    def drop():
        os.setgid(NOBODY)
        os.setuid(NOBODY)

    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT / "src"), "HOME": str(home)}
    return subprocess.run([str(SYSTEM_PYTHON), "-c", code, str(db)], capture_output=True, text=True, env=env,
                          cwd=home, preexec_fn=drop, timeout=120)


def test_a_store_shared_read_only_is_read_by_another_user(shared):
    db, home = shared
    before = digest(db)
    proc = as_nobody(READ, db, home)
    assert proc.returncode == 0 and proc.stdout.split() == ["1", "2", "complete"], proc.stderr
    assert digest(db) == before and sorted(p.name for p in db.parent.iterdir()) == ["shared.sqlite"]


def test_opening_a_read_only_store_to_write_is_a_clear_error(shared):
    db, home = shared
    proc = as_nobody(WRITE, db, home)
    assert proc.returncode == 0, proc.stderr
    assert f"the store {db} is read-only" in proc.stdout and "`wasmcu bench` writes every cell" in proc.stdout


def test_bench_on_a_store_opened_read_only_through_sqlite_s_uri_is_a_clear_error(tmp_path, monkeypatch):
    """As root file modes do not count: the same refusal through SQLite's read-only URI."""
    import sqlite3

    db = make_store(tmp_path / "s.sqlite")
    real = sqlite3.connect

    def read_only(path, *args, **kw):
        if kw.get("uri"):
            return real(path, *args, **kw)
        return real(f"file:{path}?mode=ro", *args, uri=True, **kw)

    monkeypatch.setattr(sqlite3, "connect", read_only)
    with pytest.raises(StoreError, match=f"the store {db} is read-only"):
        api.bench(devices="host", runtimes="native", workloads="crc16:3", langs="c", db=db)
