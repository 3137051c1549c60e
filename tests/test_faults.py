"""Faults and bad input: every failure explained, nothing lost."""

import os
import signal
import sqlite3
import subprocess
import sys
import re
import time

import pytest

from wasmcu.store import Store

from conftest import ROOT, bench_json, make_workload, wasmcu, wat2wasm

from wasmcu.runtimes import RUNTIMES

pytestmark = pytest.mark.slow  # end-to-end: real builds, runs and processes

# every wasm runtime of the host, WAMR's included when the user has one configured
WASM_RUNTIMES = ",".join(["wasm3", "wasmtime", "wasmtime-pulley", "v8-liftoff", "v8-turbofan", "wasm2c"] +
                         [rt for rt in ("wamr-classic", "wamr-fast", "wamr-aot")
                          if RUNTIMES[rt].unavailable_reason() is None])

# what each runtime says about each bad module (a pattern per runtime family, exact enough to
# name the problem: a message that merely mentions "run" or "failed" is not an explanation)
BAD_MODULES = {
    "notwasm": (None, {"wasm3": "could not load the module: malformed Wasm binary",
                       "wasmtime": r"not a WebAssembly binary \(no \\0asm magic\)",
                       "v8": "expected magic word 00 61 73 6d, found 74 68 69 73",
                       "wasm2c": "wasm2c failed .*error: bad magic value",
                       "wamr": "magic header not detected"}),
    "truncated": (None, {"wasm3": "could not load the module: malformed Wasm binary",
                         "wasmtime": r"could not load the module: unexpected end-of-file \(at offset 0xa\)",
                         "v8": r"section \(code 1, \"Type\"\) extends past end of the module",
                         "wasm2c": "error: invalid section size: extends past end",
                         "wamr": "WASM module load failed: unexpected end"}),
    "norun": ('(module (memory 1) (func $f (result i32) i32.const 1) (export "other" (func $f)))',
              {"wasm3": r"could not load the module: function lookup failed \('run'\)",
               "wasm2c": "undeclared function 'Z_kernZ_run'",  # the glue does not compile without it
               "": "module has no exported function 'run'"}),
    "imports": ('(module (import "env" "host_fn" (func $h (result i32))) (memory 1) '
                '(func (export "run") (param i32) (result i32) call $h))',
                {"wasm3": r"missing imported function \('env.host_fn'\)",
                 "wasmtime": "could not load the module: expected 1 imports, found 0",
                 "v8": 'Import #0 module="env" error: module is not an object or function',
                 "wasm2c": "the module imports env.host_fn; wasmcu's wasm2c glue provides no imports",
                 "wamr": r"failed to link import function \(env, host_fn\)"}),
}


# the modules no runtime could run: refused when the workload is read (wasmcu.workloads.module_check)
REFUSED = {"notwasm": "the prebuilt module module.wasm: is not valid WebAssembly: .*magic",
           "truncated": "the prebuilt module module.wasm: is not valid WebAssembly: ",
           "norun": r"the prebuilt module module.wasm: has no export 'run' \(it exports other\)",
           "imports": r"the prebuilt module module.wasm: imports env.host_fn \(a function\), which no runtime gives"}


def _expected(patterns, runtime: str) -> str:
    """The pattern for `runtime`: its own, its family's (the part before '-'), or the default ('')."""
    if isinstance(patterns, str):
        return patterns
    return patterns.get(runtime) or patterns.get(runtime.split("-")[0]) or patterns[""]


TRAPS = {
    "oob": ('(module (memory 1) (func (export "run") (param i32) (result i32) i32.const 70000 i32.load))', "out of bounds|memory"),
    "unreach": ('(module (memory 1) (func (export "run") (param i32) (result i32) unreachable))', "unreachable"),
    "divzero": ('(module (memory 1) (func (export "run") (param i32) (result i32) i32.const 1 i32.const 0 i32.div_u))',
                "divi|zero"),
}


@pytest.mark.qemu
def test_too_much_linear_memory_does_not_fit_on_host_and_boards(tmp_path, db):
    """The same condition, the same status: does-not-fit with the sizes, on every backend."""
    d = _module_dir(tmp_path, "bigmemory",
                    '(module (memory 20000) (func (export "run") (param i32) (result i32) i32.const 7))')
    proc, cells = bench_json("--device", "host,pico", "--runtime", "wasm3,wasmtime", "--workload", "bigmemory:4",
                             "--workload-dir", str(d), "--repeat", "1", "--db", str(db))
    assert proc.returncode == 1, proc.stderr
    statuses = {(c["device"], c["runtime"]): (c["status"], c["error"]) for c in cells}
    assert ("pico", "wasmtime") in statuses and statuses.pop(("pico", "wasmtime"))[0] == "unsupported"
    for (device, runtime), (status, error) in statuses.items():
        assert status == "does-not-fit", (device, runtime, status, error)
        assert "1280000 KB of linear memory" in error, error


def _module_dir(tmp_path, name, wat):
    if name == "notwasm":
        data = b"this is not wasm\n"
    elif name == "truncated":
        data = wat2wasm('(module (memory 1) (func (export "run") (param i32) (result i32) i32.const 7))', tmp_path)[:14]
    else:
        data = wat2wasm(wat, tmp_path)
    return make_workload(tmp_path / "w", name, wasm=data)


@pytest.mark.parametrize("name", list(BAD_MODULES) + list(TRAPS))
def test_bad_module_is_a_clear_error_from_every_runtime(tmp_path, db, name):
    wat, pattern = BAD_MODULES.get(name) or TRAPS[name]
    d = _module_dir(tmp_path, name, wat)
    proc, cells = bench_json("--device", "host", "--runtime", WASM_RUNTIMES, "--workload", f"{name}:4",
                             "--workload-dir", str(d), "--repeat", "1", "--db", str(db))
    if name in REFUSED:  # checked once when the workload is read, before any runtime sees it: one message
        assert proc.returncode == 2 and re.search(REFUSED[name], proc.stderr), proc.stderr
        return
    assert proc.returncode == 1, proc.stderr
    assert len(cells) == len(WASM_RUNTIMES.split(","))
    for cell in cells:
        assert cell["status"] == "error", cell
        expected = _expected(pattern, cell["runtime"])
        flags = re.S | (re.I if isinstance(pattern, str) else 0)  # a trap's wording varies in case only
        assert cell["error"] and re.search(expected, cell["error"], flags), (cell["runtime"], expected, cell["error"])
    with Store(db) as s:
        assert len(s.results()) == len(cells)


def _workload_dirs(tmp_path):
    good = make_workload(tmp_path, "good", c="unsigned run(unsigned seed){return 7;}\n")
    broken = make_workload(tmp_path, "broken", c="unsigned run(unsigned seed){ return syntax error }\n")
    wrong = make_workload(tmp_path, "wrong", c="unsigned run(unsigned seed){return 8;}\n")
    hang = make_workload(tmp_path, "hang", c="unsigned run(unsigned seed){ volatile int x = 1; while (x) {} return 7; }\n")
    return good, broken, wrong, hang


def test_broken_workloads_each_say_why_and_good_cells_are_stored(tmp_path, db):
    good, broken, wrong, hang = _workload_dirs(tmp_path)
    args = ["--device", "host", "--runtime", "native,wasm3", "--workload", "good:4,broken:4,wrong:4,hang:4",
            "--repeat", "2", "--timeout", "5", "--db", str(db)]
    for d in (good, broken, wrong, hang):
        args += ["--workload-dir", str(d)]
    proc, cells = bench_json(*args)
    assert proc.returncode == 1
    by = {(c["workload"], c["runtime"]): c for c in cells}
    assert by[("good", "native")]["status"] == by[("good", "wasm3")]["status"] == "ok"
    for rt in ("native", "wasm3"):
        assert by[("broken", rt)]["status"] == "error" and "build failed" in by[("broken", rt)]["error"]
        assert "syntax" in by[("broken", rt)]["error"] or "error:" in by[("broken", rt)]["error"]
        assert by[("broken", rt)]["error_kind"] == "build-failed" and by[("good", rt)]["error_kind"] is None
        assert by[("wrong", rt)]["status"] == "mismatch" and by[("wrong", rt)]["error_kind"] == "mismatch"
        assert by[("wrong", rt)]["checksum"] == 8 and by[("wrong", rt)]["expected"] == 7
        assert by[("hang", rt)]["status"] == "error" and "timeout" in by[("hang", rt)]["error"]
        assert by[("hang", rt)]["error_kind"] == "timeout"
    assert "mismatch" in proc.stderr and "timeout" in proc.stderr
    with Store(db) as s:
        stored = {(r.cell.workload, r.cell.runtime): r.status for r in s.results()}
    assert stored == {k: v["status"] for k, v in by.items()}


def test_native_stack_overflow_on_host_is_an_error(tmp_path, db):
    d = make_workload(tmp_path, "deep", c="unsigned f(volatile unsigned *p, unsigned n){ volatile unsigned a[256];"
                      " a[n & 255] = n; return n ? f(a, n + 1) + a[3] : 0; }\nunsigned run(unsigned seed){ return f(0, 1); }\n")
    proc, cells = bench_json("--device", "host", "--runtime", "native", "--workload", "deep:4",
                             "--workload-dir", str(d), "--db", str(db))
    assert proc.returncode == 1
    assert cells[0]["status"] == "error" and "crashed" in cells[0]["error"] and "SIGSEGV" in cells[0]["error"]


@pytest.mark.parametrize("args, message", [
    (["--device", "nosuch"], "unknown device 'nosuch'"),
    (["--device", "host", "--runtime", "nosuch"], "unknown runtime 'nosuch'"),
    (["--workload", "nosuch:4"], "unknown workload 'nosuch'"),
    (["--workload", "crc16:zero"], "invalid size"),
    (["--lang", "cobol"], "unknown language 'cobol'"),
    (["--suite", "nosuch"], "unknown suite 'nosuch'"),
    (["--repeat", "0"], "repeat (--repeat) must be a positive number"),
])
def test_bad_names_are_rejected_before_running(db, args, message):
    proc = wasmcu("bench", *args, "--db", str(db))
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_missing_tool_message_names_package(tmp_path, db):
    proc, cells = bench_json("--device", "host", "--runtime", "wasm3", "--workload", "crc16:3", "--lang", "c",
                             "--db", str(db), env={"WASMCU_CLANG": "/nonexistent/clang", "WASMCU_CACHE": str(tmp_path)})
    assert proc.returncode == 1
    assert "clang" in cells[0]["error"] and "apt-get install clang-19" in cells[0]["error"]


def test_missing_node_makes_v8_unsupported(db):
    proc, cells = bench_json("--device", "host", "--runtime", "v8-liftoff", "--workload", "crc16:3", "--lang", "c",
                             "--db", str(db), env={"WASMCU_NODE": "/nonexistent/node"})
    assert proc.returncode == 0  # unsupported is not a failure
    assert cells[0]["status"] == "unsupported" and "apt-get install nodejs" in cells[0]["error"]


@pytest.mark.parametrize("text, field", [
    ("devices = 'host'\n", "devices"),
    ("repeat = -1\n", "repeat"),
    ("colour = 'red'\n", "colour"),
    ("devices = [1, 2]\n", "devices"),
])
def test_invalid_experiment_file(tmp_path, db, text, field):
    f = tmp_path / "exp.toml"
    f.write_text(text)
    proc = wasmcu("bench", "--config", str(f), "--db", str(db))
    assert proc.returncode == 2 and str(f) in proc.stderr and f"field '{field}'" in proc.stderr


def test_experiment_file_runs(tmp_path, db):
    f = tmp_path / "exp.toml"
    f.write_text('devices = ["host"]\nruntimes = ["native"]\nworkloads = ["crc16:5"]\nlangs = ["c"]\nrepeat = 2\n')
    proc, cells = bench_json("--config", str(f), "--db", str(db))
    assert proc.returncode == 0 and [c["status"] for c in cells] == ["ok"]


@pytest.mark.parametrize("text, field", [
    ('description = "x"\nbackend = "host"\n', "name"),
    ('name = "x"\ndescription = "x"\nbackend = "fpga"\n', "backend"),
    ('name = "x"\ndescription = "x"\nbackend = "qemu"\narch = "armv6m"\ncore = "m0"\n[clock]\ndefault_hz = "fast"\n',
     "clock.default_hz"),
])
def test_invalid_device_profile(tmp_path, db, text, field):
    d = tmp_path / "devs"
    d.mkdir()
    (d / "bad.toml").write_text(text)
    proc = wasmcu("bench", "--device-dir", str(d), "--db", str(db))
    assert proc.returncode == 2 and str(d / "bad.toml") in proc.stderr and f"field '{field}'" in proc.stderr


def _wait_for_cells(db, count, proc, limit=120):
    deadline = time.time() + limit
    while time.time() < deadline:
        if db.exists():
            try:
                con = sqlite3.connect(db, timeout=5)
                n = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
                con.close()
                if n >= count:
                    return n
            except sqlite3.OperationalError:
                pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    raise AssertionError("no cells stored in time")


SLOW = ["--device", "host", "--runtime", "native,wasm3,wasmtime", "--workload", "bubblesort:1000,crc16:50",
        "--repeat", "30"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_killed_run_keeps_finished_cells_and_resume_finishes(tmp_path, db, sig):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    # a shell starts a background job with SIGINT ignored, and an ignored signal stays ignored
    # across exec: give the run the default disposition, as an interactive terminal would
    proc = subprocess.Popen([sys.executable, "-m", "wasmcu", "bench", *SLOW, "--db", str(db)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    stored = _wait_for_cells(db, 2, proc)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "--resume" in err, err
    with Store(db) as s:  # readable, with every finished cell
        run = s.runs()[-1]
        done = s.results(run["id"])
        assert len(done) >= stored and all(r.status == "ok" for r in done)
        if sig == signal.SIGINT:
            assert run["state"] == "interrupted"
    total = 2 * 2 * 3
    assert len(done) < total
    proc2, cells = bench_json(*SLOW, "--resume", "--db", str(db))
    assert proc2.returncode == 0, proc2.stderr
    assert len(cells) == total and all(c["status"] == "ok" for c in cells)
    with Store(db) as s:
        assert len(s.runs()) == 1 and s.runs()[0]["state"] == "complete"
        # only the missing cells were run again
        assert s.db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == total


def test_two_processes_share_one_database(db, tmp_path):
    # a fresh cache: both processes also build the same artifacts at the same time
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), WASMCU_CACHE=str(tmp_path / "cache"))
    args = ["--runtime", "native,wasm3", "--workload", "crc16:20,bubblesort:20", "--repeat", "3"]
    procs = [subprocess.Popen([sys.executable, "-m", "wasmcu", "bench", *args, "--device", dev, "--db", str(db)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for dev in ("host", "host")]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    with Store(db) as s:
        runs = s.runs()
        assert len(runs) == 2
        assert [len(s.results(r["id"])) for r in runs] == [8, 8]


def test_resume_without_runs_is_a_clear_error(db):
    proc = wasmcu("bench", "--resume", "--db", str(db))
    assert proc.returncode == 2 and "nothing to resume" in proc.stderr


def test_too_old_node_is_unsupported_with_the_reason(tmp_path, db):
    fake = tmp_path / "node"
    fake.write_text("#!/bin/sh\necho v10.24.0\n")
    fake.chmod(0o755)
    proc, cells = bench_json("--device", "host", "--runtime", "v8-turbofan", "--workload", "crc16:3", "--lang", "c",
                             "--db", str(db), env={"WASMCU_NODE": str(fake)})
    assert cells[0]["status"] == "unsupported"
    assert "version 10" in cells[0]["error"] and "needs node 16 or newer" in cells[0]["error"]


def test_too_old_compiler_is_an_error_naming_the_package(tmp_path, db):
    fake = tmp_path / "clang"
    fake.write_text("#!/bin/sh\necho 'clang version 3.4.0'\n")
    fake.chmod(0o755)
    proc, cells = bench_json("--device", "host", "--runtime", "wasm3", "--workload", "crc16:3", "--lang", "c",
                             "--db", str(db), env={"WASMCU_CLANG": str(fake), "WASMCU_CACHE": str(tmp_path / "c")})
    assert proc.returncode == 1
    assert cells[0]["status"] == "error" and "needs clang 14 or newer: apt-get install clang-19" in cells[0]["error"]


def test_profile_for_a_real_board_without_its_chip_is_refused_with_the_field(tmp_path, db):
    from wasmcu.devices import BUILTIN

    d = tmp_path / "devs"
    d.mkdir()
    text = (BUILTIN / "pico.toml").read_text().replace('name = "pico"', 'name = "mypico"')
    (d / "mypico.toml").write_text(text.replace('backend = "qemu"', 'backend = "board"'))
    proc, cells = bench_json("--device-dir", str(d), "--device", "mypico", "--runtime", "native",
                             "--workload", "crc16:4", "--lang", "c", "--db", str(db))
    assert proc.returncode == 2 and "mypico.toml" in proc.stderr and "board.chip" in proc.stderr and "rp2040" in proc.stderr


@pytest.mark.parametrize("oracle, message", [
    ("def checksum(n, seed):\n    return 1 // 0\n", "raised ZeroDivisionError: integer division or modulo by zero"),
    ("def checksum(n, seed):\n    return 'seven'\n", "oracle returned str"),
])
def test_a_broken_oracle_is_an_error_cell_and_the_run_goes_on(tmp_path, db, oracle, message):
    broken = make_workload(tmp_path, "broken", c="unsigned run(unsigned seed){return 7;}\n", oracle=oracle)
    good = make_workload(tmp_path, "good", c="unsigned run(unsigned seed){return 7;}\n")
    proc, cells = bench_json("--device", "host", "--runtime", "native", "--workload", "broken:4,good:4",
                             "--workload-dir", str(broken), "--workload-dir", str(good), "--repeat", "2",
                             "--db", str(db))
    assert proc.returncode == 1, proc.stderr
    by = {c["workload"]: c for c in cells}
    assert by["broken"]["status"] == "error" and message in by["broken"]["error"]
    assert by["good"]["status"] == "ok"
    with Store(db) as s:
        assert len(s.results()) == 2
