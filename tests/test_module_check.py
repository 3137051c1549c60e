"""A prebuilt module is checked once before any runtime sees it: one message naming what is wrong,
its entry honoured, its start function run and its size taken on every runtime, and, without an
oracle, its result checked against wasmtime's on the host (`reference:wasmtime`)."""

import pytest

from wasmcu import devices, workloads
from wasmcu.backends import RunContext
from wasmcu.bench import execute_cell
from wasmcu.errors import ConfigError
from wasmcu.model import Cell
from wasmcu.workloads import module_check

from conftest import bench_json, wat2wasm

HOST_RUNTIMES = "wasm3,wasmtime,v8-liftoff,wasm2c"


def write(root, name, wat, *, sizes=(4,), top="", oracle=None):
    d = root / name
    d.mkdir(parents=True)
    (d / "module.wasm").write_bytes(wat2wasm(wat, root))
    if oracle:
        (d / "oracle.py").write_text(oracle)
    (d / "workload.toml").write_text(f'name = "{name}"\nsizes = {list(sizes)}\n{top}[sources]\nwasm = "module.wasm"\n')
    return d


@pytest.mark.parametrize("wat, top, message", [
    ('(module (func (export "run") (param i32 i32) (result i32) (local.get 0)))', "",
     r"its entry 'run' has type \(i32, i32\) -> i32; wasmcu calls it as run\(seed: i32\) -> i32"),
    ('(module (func (export "go") (param i32) (result i32) (local.get 0)))', "",
     r"has no export 'run' \(it exports go\)"),
    ('(module (func (export "run") (param i32) (result i32) (local.get 0)))', 'entry = "bench"\n',
     r"field 'entry'.*has no export 'bench' \(it exports run\)"),
    ('(module (global (export "run") i32 (i32.const 1)))', "", r"exports 'run' as a global, not a function"),
    ('(module (import "env" "abort" (func)) (func (export "run") (param i32) (result i32) (local.get 0)))', "",
     r"imports env\.abort \(a function\), which no runtime gives a kernel"),
    ('(module (import "env" "memory" (memory 1)) (func (export "run") (param i32) (result i32) (local.get 0)))', "",
     r"imports env\.memory \(a memory\)"),
])
def test_what_no_runtime_could_run_is_one_message_naming_it(tmp_path, wat, top, message):
    d = write(tmp_path, "bad", wat, top=top)
    with pytest.raises(ConfigError, match=message):
        workloads.load_workload(d)


def test_an_invalid_module_is_refused_with_wasm_validates_reason(tmp_path):
    d = write(tmp_path, "bad", '(module (func (export "run") (param i32) (result i32) (local.get 0)))')
    data = (d / "module.wasm").read_bytes()
    (d / "module.wasm").write_bytes(data[:14])
    with pytest.raises(ConfigError, match="is not valid WebAssembly: .*"):
        workloads.load_workload(d)
    (d / "module.wasm").write_bytes(b"this is not wasm\n")
    with pytest.raises(ConfigError, match="is not valid WebAssembly"):
        workloads.load_workload(d)


def test_a_module_that_takes_no_size_is_refused_for_several_sizes(tmp_path):
    wat = '(module (func (export "run") (param i32) (result i32) (local.get 0)))'
    d = write(tmp_path, "nosize", wat, sizes=(4, 8))
    with pytest.raises(ConfigError, match=r"field 'sizes'.*takes no size, so sizes \[4, 8\] would run the same "
                                          r"bytes 2 times.*WASMCU_N"):
        workloads.load_workload(d)


SIZED = ('(module (global $n (export "WASMCU_N") i32 (i32.const 0)) '
         '(func (export "run") (param i32) (result i32) (i32.add (local.get 0) (global.get $n))))')
# start (function 0) sets a global that run returns: a start function that did not run gives 0
STARTED = ('(module (global $g (mut i32) (i32.const 0)) (func $init (global.set $g (i32.const 1000))) '
           '(func $bench (param i32) (result i32) (i32.add (local.get 0) (global.get $g))) '
           '(export "bench" (func $bench)) (start $init))')


def test_prepare_writes_the_size_exports_the_entry_as_run_and_moves_start_0(tmp_path):
    import wasmtime

    data = wat2wasm(SIZED, tmp_path)
    out, changes = module_check.prepare(data, "run", 300)
    assert changes == ["WASMCU_N = 300"]
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module(store.engine, out), [])
    assert inst.exports(store)["run"](store, 5) == 305
    data = wat2wasm(STARTED, tmp_path)
    out, changes = module_check.prepare(data, "bench", 1)
    assert changes[0] == "exported 'bench' as 'run'" and "trampoline" in changes[1]
    assert module_check.parse(out).start == 2
    (tmp_path / "p.wasm").write_bytes(out)
    assert module_check.validate(tmp_path / "p.wasm") is None
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module(store.engine, out), [])
    assert inst.exports(store)["run"](store, 5) == 1005
    assert module_check.prepare(wat2wasm('(module (func (export "run") (param i32) (result i32) (local.get 0)))',
                                         tmp_path), "run", 4)[1] == []


@pytest.mark.slow
def test_entry_start_and_size_on_every_host_runtime_checked_against_wasmtime(tmp_path):
    """No oracle: every cell is checked against wasmtime's result on the host."""
    write(tmp_path, "started", STARTED, top='entry = "bench"\n')
    write(tmp_path, "sized", SIZED, sizes=(4, 9))
    proc, cells = bench_json("--device", "host", "--runtime", HOST_RUNTIMES, "--workload", "started,sized",
                             "--workload-dir", str(tmp_path), "--repeat", "1", "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 0, proc.stderr
    assert len(cells) == 3 * len(HOST_RUNTIMES.split(","))
    for c in cells:
        assert c["checksum"] == {"started": 42 + 1000, "sized": 42 + c["n"]}[c["workload"]], c
        assert c["status"] == "ok" and c["verified_by"] == "reference:wasmtime", c


@pytest.mark.qemu
def test_start_function_0_runs_under_wasm3_on_a_board(tmp_path):
    write(tmp_path, "started", STARTED, top='entry = "bench"\n')
    proc, cells = bench_json("--device", "pico", "--runtime", "wasm3", "--workload", "started",
                             "--workload-dir", str(tmp_path), "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 0, proc.stderr
    assert cells[0]["status"] == "ok" and cells[0]["checksum"] == 1042, cells[0]
    assert cells[0]["verified_by"] == "reference:wasmtime"


def test_a_prebuilt_module_is_checked_against_wasmtime_in_process(tmp_path):
    write(tmp_path, "pre", '(module (func (export "run") (param i32) (result i32) (i32.const 3)))')
    wl = workloads.discover([tmp_path])["pre"]
    r = execute_cell(Cell("pre", 4, "wasm", "wasm3", "host"), wl, devices.discover()["host"],
                     RunContext(repeat=1, warmup=0, timeout_s=60))
    assert r.status == "ok" and r.checksum == 3 and r.expected == 3 and r.verified_by == "reference:wasmtime", r
