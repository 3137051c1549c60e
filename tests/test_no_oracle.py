"""Workloads without an oracle: every cell is checked against the host's native result for the
same language, n and seed, and says so (`verified_by`) in --json, the store, the CSV and the report."""

import csv
import sqlite3

import pytest

from wasmcu import devices, workloads
from wasmcu.backends import RunContext
from wasmcu.bench import execute_cell
from wasmcu.errors import ConfigError
from wasmcu.model import Cell
from wasmcu.store import Store

from conftest import bench_json, wasmcu, wat2wasm

pytestmark = pytest.mark.slow  # end-to-end: real builds, runs and processes

KERNEL_C = """\
#include <stdint.h>
uint32_t run(uint32_t seed) {
    uint32_t h = seed;
    for (uint32_t i = 0; i < WASMCU_N; i++)
        h = h * 2654435761u + i;
    return h;
}
"""


def expected_c(n, seed):
    h = seed
    for i in range(n):
        h = (h * 2654435761 + i) & 0xFFFFFFFF
    return h


# a kernel whose wasm build computes something else than its native build
DIFFERS_C = """\
#include <stdint.h>
uint32_t run(uint32_t seed) {
#ifdef __wasm__
    return seed + 1;
#else
    return seed + 2;
#endif
}
"""


def write(root, name, sources: dict, *, oracle=None, sizes=(8,)):
    d = root / name
    d.mkdir(parents=True)
    lines = []
    for lang, (fname, text) in sources.items():
        if isinstance(text, bytes):
            (d / fname).write_bytes(text)
        else:
            (d / fname).write_text(text)
        lines.append(f'{lang} = "{fname}"')
    toml = f'name = "{name}"\nsizes = {list(sizes)}\n[sources]\n' + "\n".join(lines) + "\n"
    if oracle is not None:
        (d / "oracle.py").write_text(oracle)
        toml += '[oracle]\nfile = "oracle.py"\n'
    (d / "workload.toml").write_text(toml)
    return d


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("no-oracle")
    write(root, "plain", {"c": ("kernel.c", KERNEL_C)})
    write(root, "differs", {"c": ("kernel.c", DIFFERS_C)})
    write(root, "wrongoracle", {"c": ("kernel.c", KERNEL_C)}, oracle="def checksum(n, seed):\n    return 5\n")
    return root


def test_a_workload_without_oracle_loads(root, tmp_path):
    wl = workloads.discover([root])["plain"]
    assert not wl.has_oracle and wl.oracle_file is None
    with pytest.raises(workloads.NoOracle, match="no oracle"):
        wl.expected(8)
    # an [oracle] that names a missing file is still a mistake, not "no oracle"
    d = tmp_path / "named"
    d.mkdir()
    (d / "kernel.c").write_text(KERNEL_C)
    (d / "workload.toml").write_text('[sources]\nc = "kernel.c"\n[oracle]\nfile = "oracle.py"\n')
    with pytest.raises(ConfigError, match="oracle.py does not exist"):
        workloads.load_workload(d)


@pytest.mark.slow
def test_cells_are_verified_against_the_host_s_native_result(root, tmp_path):
    db = tmp_path / "r.sqlite"
    proc, cells = bench_json("--workload-dir", str(root), "--workload", "plain:8,wrongoracle:8", "--device", "host",
                             "--runtime", "native,wasm3", "--lang", "c", "--repeat", "2", "--db", str(db))
    assert cells, proc.stderr
    by = {(c["workload"], c["runtime"]): c for c in cells}
    for rt in ("native", "wasm3"):
        c = by[("plain", rt)]
        assert c["status"] == "ok", c["error"]
        assert c["checksum"] == c["expected"] == expected_c(8, workloads.SEED) and c["verified_by"] == "native-host"
    # with an oracle nothing changes: the oracle decides (here it is wrong, so every cell fails)
    for rt in ("native", "wasm3"):
        c = by[("wrongoracle", rt)]
        assert c["status"] == "mismatch" and c["expected"] == 5 and c["verified_by"] == "oracle"
        assert "oracle's 0x00000005" in c["error"]
    assert proc.returncode != 0
    # the store keeps it
    stored = {(r.cell.workload, r.cell.runtime): r for r in Store(db).results()}
    assert stored[("plain", "wasm3")].verified_by == "native-host"
    assert stored[("wrongoracle", "native")].verified_by == "oracle"
    # the CSV and the report say it
    out = tmp_path / "report"
    rep = wasmcu("report", "--db", str(db), "--out", str(out))
    assert rep.returncode == 0, rep.stderr
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert {(r["workload"], r["verified_by"]) for r in rows} == {("plain", "native-host"), ("wrongoracle", "oracle")}
    md = (out / "report.md").read_text()
    assert "against the host's native result for the same language, n and seed, since these workloads have no " \
           "oracle (plain)" in md and "Python oracle (wrongoracle)" in md
    assert "native-host" in (out / "report.html").read_text()


def test_a_wasm_result_that_differs_from_native_is_a_mismatch_naming_both(root):
    wl = workloads.discover([root])["differs"]
    host = devices.discover()["host"]
    ctx = RunContext(repeat=1, warmup=0, timeout_s=60)
    r = execute_cell(Cell("differs", 8, "c", "wasm3", "host"), wl, host, ctx)
    seed = workloads.SEED
    assert r.status == "mismatch" and r.verified_by == "native-host"
    assert r.checksum == seed + 1 and r.expected == seed + 2
    assert r.error == f"checksum {seed + 1:#010x} differs from the host's native result {seed + 2:#010x}"
    native = execute_cell(Cell("differs", 8, "c", "native", "host"), wl, host, ctx)
    assert native.status == "ok" and native.checksum == seed + 2


def test_a_prebuilt_module_without_oracle_is_checked_against_wasmtime_on_the_host(tmp_path):
    wasm = wat2wasm('(module (func (export "run") (param i32) (result i32) (i32.const 3)))', tmp_path)
    write(tmp_path, "pre", {"wasm": ("module.wasm", wasm)})
    wl = workloads.discover([tmp_path])["pre"]
    r = execute_cell(Cell("pre", 8, "wasm", "wasm3", "host"), wl, devices.discover()["host"],
                     RunContext(repeat=1, warmup=0, timeout_s=60))
    assert r.status == "ok" and r.checksum == 3 and r.expected == 3 and r.verified_by == "reference:wasmtime"


def test_a_native_build_that_fails_says_why_there_is_no_expected_value(tmp_path):
    write(tmp_path, "broken", {"c": ("kernel.c", "#include <stdint.h>\nuint32_t run(uint32_t s) { return s; }\n"
                                                "#ifndef __wasm__\n#error only for wasm\n#endif\n")})
    wl = workloads.discover([tmp_path])["broken"]
    r = execute_cell(Cell("broken", 8, "c", "wasm3", "host"), wl, devices.discover()["host"],
                     RunContext(repeat=1, warmup=0, timeout_s=60))
    assert r.status == "unverified" and r.checksum == 42
    assert "has no oracle and its host-native build, which gives the expected checksum, failed" in r.error
    assert "only for wasm" in r.error


def test_an_older_store_is_migrated_to_verified_by_oracle(tmp_path):
    db = tmp_path / "old.sqlite"
    from wasmcu.model import Result

    with Store(db) as s:
        run = s.begin_run({}, [])
        s.add_result(run, Result(cell=Cell("crc16", 10, "c", "native", "host"), backend="host", status="ok",
                                 checksum=1, expected=1))
        s.add_result(run, Result(cell=Cell("crc16", 10, "c", "wasm3", "pico"), backend="qemu", status="error"))
    con = sqlite3.connect(db)  # as schema 3 wrote it: no verified_by column
    con.execute("ALTER TABLE results DROP COLUMN verified_by")
    con.execute("PRAGMA user_version = 3")
    con.commit()
    con.close()
    with Store(db) as s:
        got = {r.cell.runtime: r.verified_by for r in s.results()}
    assert got == {"native": "oracle", "wasm3": None}
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == Result.SCHEMA == 5

