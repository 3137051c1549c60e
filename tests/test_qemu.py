"""Emulated boards: real cross compilers, real QEMU, small sizes."""

import pytest

from wasmcu import devices, workloads
from wasmcu.workloads.kernel_source import kernel_source
from wasmcu.backends import RunContext
from wasmcu.backends.qemu import QemuBackend
from wasmcu.bench import execute_cell
from wasmcu.measure.footprint import footprint
from wasmcu.model import Cell

from conftest import bench_json, make_workload

BOARDS = ["pico", "esp32c6", "nrf5340"]
CTX = RunContext(timeout_s=120)

pytestmark = [pytest.mark.slow, pytest.mark.qemu]


@pytest.fixture(scope="module")
def env():
    return workloads.discover(), devices.discover()


def test_profiles_carry_sources(env):
    _, devs = env
    for name in BOARDS:
        d = devs[name]
        assert d.backend == "qemu" and d.clock_hz and d.flash_bytes and d.ram_bytes
        for section in ("clock", "memory", "memory_system", "cycle_model"):
            assert d.section(section).get("source"), (name, section)
        for scope in ("board", "soc"):
            assert d.section("power")[scope]["source"], (name, scope)
        assert d.section("power")["scope"] == "board"
    assert devs["pico"].ram_bytes == 264 * 1024 and devs["nrf5340"].section("clock")["options_hz"][-1] == 128_000_000


@pytest.mark.parametrize("device", BOARDS)
@pytest.mark.parametrize("runtime", ["native", "wasm3"])
@pytest.mark.parametrize("lang", ["c", "rust"])
def test_cell_ok_with_estimated_cycles(env, device, runtime, lang):
    wls, devs = env
    cell = Cell("bubblesort", 20, lang, runtime, device)
    r = execute_cell(cell, wls["bubblesort"], devs[device], CTX)
    assert r.status == "ok", r.error
    assert r.checksum == r.expected == wls["bubblesort"].expected(20)
    assert r.cycles_kind == "estimated cycles" and r.time_kind == "estimated"
    assert r.cycles >= r.instructions > 100
    assert r.time_us == pytest.approx(r.cycles / devs[device].clock_hz * 1e6)
    assert r.energy_kind == "model" and r.energy_uj > 0
    assert 0 < r.ram_static_bytes < r.ram_peak_bytes <= devs[device].ram_bytes
    assert 0 < r.flash_bytes <= devs[device].flash_bytes
    if runtime == "wasm3":
        assert r.runtime_flash_bytes > 20_000 and r.extra["heap_hwm_bytes"] > 65536  # one wasm page at least
        assert r.load_us > 0
    if device == "pico":
        assert r.extra["uf2_bytes"] % 512 == 0 and r.extra["uf2_bytes"] >= 2 * r.flash_bytes


def test_counts_are_identical_run_to_run(env):
    wls, devs = env
    runs = [execute_cell(Cell("crc16", 8, "c", "wasm3", "esp32c6"), wls["crc16"], devs["esp32c6"], CTX)
            for _ in range(2)]
    assert runs[0].status == runs[1].status == "ok"
    assert (runs[0].instructions, runs[0].cycles) == (runs[1].instructions, runs[1].cycles)


def test_more_work_more_cycles_and_interpreter_costs_more(env):
    wls, devs = env
    get = lambda n, rt: execute_cell(Cell("bubblesort", n, "c", rt, "nrf5340"), wls["bubblesort"], devs["nrf5340"], CTX)
    small, big, interp = get(16, "native"), get(64, "native"), get(16, "wasm3")
    assert big.cycles > 8 * small.cycles  # O(n^2): 16x the comparisons
    assert interp.cycles > 5 * small.cycles


def test_does_not_fit_reports_sizes(env, tmp_path):
    wls, devs = env
    tiny = tmp_path / "tiny.toml"
    text = devs["pico"].file.read_text().replace('name = "pico"', 'name = "tinypico"')
    text = text.replace("ram_bytes = 270_336", "ram_bytes = 32_768")
    tiny.write_text(text)
    dev = devices.load_profile(tiny)
    r = execute_cell(Cell("bubblesort", 20, "c", "wasm3", "tinypico"), wls["bubblesort"], dev, CTX)
    assert r.status == "does-not-fit", r.error
    assert "tinypico" in r.error and "32 KB" in r.error
    text = text.replace("ram_bytes = 32_768", "ram_bytes = 4_096")
    tiny.write_text(text)
    r2 = execute_cell(Cell("bubblesort", 2000, "c", "native", "tinypico"), wls["bubblesort"], devices.load_profile(tiny), CTX)
    assert r2.status == "does-not-fit" and "needs" in r2.error and "has 4 KB" in r2.error


def test_footprint_of_firmware(env):
    wls, devs = env
    elf, _ = QemuBackend().build("native", kernel_source(wls["crc16"], 10, "c"), devs["pico"], "-O2")
    fp = footprint(elf)
    assert 1000 < fp.flash_bytes < 64 * 1024 and fp.ram_static_bytes >= 40  # data[10] of 4 bytes
    assert fp.stack_reserved_bytes == 24576 and fp.heap_limit_bytes > 200 * 1024


def test_kernel_that_never_returns_hits_the_instruction_budget(tmp_path, db):
    d = make_workload(tmp_path, "spin", c="unsigned run(unsigned seed){ volatile int x = 1; while (x) {} return 7; }\n")
    proc, cells = bench_json("--device", "pico", "--runtime", "native", "--workload", "spin:1", "--workload-dir",
                             str(d), "--db", str(db), env={"WASMCU_MAX_INSTRUCTIONS": "5000000"})
    assert proc.returncode == 1
    assert cells[0]["status"] == "error" and "instruction budget" in cells[0]["error"]
    assert cells[0]["error_kind"] == "budget-exhausted"


def test_trap_in_firmware_is_reported(tmp_path, db):
    from conftest import wat2wasm

    d = make_workload(tmp_path, "trap", wasm=wat2wasm('(module (memory 1) (func (export "run") (param i32) (result i32) unreachable))',
                                                        tmp_path))
    proc, cells = bench_json("--device", "esp32c6", "--runtime", "wasm3", "--workload", "trap:1", "--workload-dir",
                             str(d), "--db", str(db))
    assert cells[0]["status"] == "error" and "trap" in cells[0]["error"] and "unreachable" in cells[0]["error"]
    assert cells[0]["error_kind"] == "trap"


def test_host_only_runtime_is_unsupported_on_boards(db):
    proc, cells = bench_json("--device", "pico", "--runtime", "wasmtime", "--workload", "crc16:4", "--lang", "c",
                             "--db", str(db))
    assert proc.returncode == 0 and cells[0]["status"] == "unsupported" and "host only" in cells[0]["error"]


DEEP = ("unsigned f(volatile unsigned *p, unsigned n){ volatile unsigned a[256]; a[n & 255] = n;"
        " return n ? f(a, n + 1) + a[3] : 0; }\nunsigned run(unsigned seed){ return f(0, 1); }\n")


@pytest.mark.parametrize("device", BOARDS)
def test_native_stack_overflow_on_a_board_is_explained(tmp_path, db, device):
    d = make_workload(tmp_path, "deep", c=DEEP)
    proc, cells = bench_json("--device", device, "--runtime", "native", "--workload", "deep:1", "--workload-dir",
                             str(d), "--db", str(db), "--timeout", "60")
    assert proc.returncode == 1
    assert cells[0]["status"] == "error" and "native stack overflow" in cells[0]["error"], cells[0]["error"]
    assert cells[0]["error_kind"] == "stack-overflow"


BAD = {
    "notwasm": (None, "malformed|magic|not a WebAssembly"),
    "truncated": (None, "underrun|truncated|unexpected end|malformed"),
    "norun": ('(module (memory 1) (func $f (result i32) i32.const 1) (export "other" (func $f)))', "run"),
    "imports": ('(module (import "env" "host_fn" (func $h (result i32))) (memory 1) '
                '(func (export "run") (param i32) (result i32) call $h))', "import|host_fn|resolve"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_module_in_firmware_is_a_clear_error(tmp_path, db, name):
    import re

    from conftest import wat2wasm

    wat, pattern = BAD[name]
    if name == "notwasm":
        data = b"this is not wasm at all\n"
    elif name == "truncated":
        data = wat2wasm('(module (memory 1) (func (export "run") (param i32) (result i32) i32.const 7))', tmp_path)[:14]
    else:
        data = wat2wasm(wat, tmp_path)
    d = make_workload(tmp_path, name, wasm=data)
    proc, cells = bench_json("--device", "nrf5340", "--runtime", "wasm3", "--workload", f"{name}:1",
                             "--workload-dir", str(d), "--db", str(db))
    # every bad module is refused when the workload is read, before any runtime sees it
    # (wasmcu.workloads.module_check; tests/test_module_check.py checks each message)
    assert proc.returncode == 2 and "the prebuilt module module.wasm: " in proc.stderr, proc.stderr
    assert re.search(pattern, proc.stderr, re.I), proc.stderr
    assert not cells


def test_module_needing_more_memory_than_the_device_does_not_fit(tmp_path, db):
    from conftest import wat2wasm

    d = make_workload(tmp_path, "big", wasm=wat2wasm('(module (memory 10) (func (export "run") (param i32) (result i32) '
                                                      'i32.const 7))', tmp_path))
    proc, cells = bench_json("--device", "pico", "--runtime", "wasm3", "--workload", "big:1", "--workload-dir",
                             str(d), "--db", str(db))
    assert cells[0]["status"] == "does-not-fit" and "640 KB of linear memory" in cells[0]["error"]
    d2 = make_workload(tmp_path / "b", "mid", wasm=wat2wasm('(module (memory 4) (func (export "run") (param i32) (result i32) '
                                                             'i32.const 7))', tmp_path))
    proc, cells = bench_json("--device", "pico", "--runtime", "wasm3", "--workload", "mid:1", "--workload-dir",
                             str(d2), "--db", str(db))
    assert cells[0]["status"] == "does-not-fit" and "heap has" in cells[0]["error"], cells[0]["error"]
    assert cells[0]["error_kind"] == "heap-exhausted"


def test_missing_qemu_names_the_package(db):
    proc, cells = bench_json("--device", "pico", "--runtime", "native", "--workload", "crc16:4", "--lang", "c",
                             "--db", str(db), env={"WASMCU_QEMU_SYSTEM_ARM": "/nonexistent/qemu"})
    assert cells[0]["status"] == "error" and "apt-get install qemu-system-arm" in cells[0]["error"]
    assert cells[0]["error_kind"] == "build-failed"


@pytest.mark.parametrize("script, expect", [
    ("printf '\\x00\\xffgarbage\\n@wasmcu checksum=12'; exit 0", "cut off"),
    ("echo 'qemu: fatal: something broke' >&2; exit 1", "exited with status 1"),
])
def test_qemu_crash_or_garbage_is_an_error(tmp_path, db, script, expect):
    fake = tmp_path / "qemu-system-arm"
    fake.write_text("#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'QEMU emulator version 7.2.0'; exit 0; fi\n"
                    + script + "\n")
    fake.chmod(0o755)
    proc, cells = bench_json("--device", "pico", "--runtime", "native", "--workload", "crc16:4", "--lang", "c",
                             "--db", str(db), env={"WASMCU_QEMU_SYSTEM_ARM": str(fake)})
    assert cells[0]["status"] == "error" and expect in cells[0]["error"], cells[0]["error"]
    assert cells[0]["error_kind"] == "no-report"


def test_documented_second_clock_halves_the_time_and_drops_the_energy_model(db):
    proc, cells = bench_json("--device", "nrf5340,nrf5340@128", "--runtime", "native", "--workload", "crc16:8",
                             "--lang", "c", "--db", str(db))
    a, b = sorted(cells, key=lambda c: c["device"])  # emulated cells finish in any order
    assert a["cycles"] == b["cycles"] and b["time_us"] == pytest.approx(a["time_us"] / 2)
    assert a["energy_kind"] == "model" and b["energy_uj"] is None  # the datasheet figure is for 64 MHz
    bad = bench_json("--device", "nrf5340@100", "--db", str(db))[0]
    assert bad.returncode == 2 and "documented clocks (MHz): 64, 128" in bad.stderr


@pytest.mark.parametrize("device", BOARDS)
@pytest.mark.parametrize("lang", ["c", "rust"])
def test_wasm2c_on_boards_is_ahead_of_time_code(env, device, lang):
    wls, devs = env
    native = execute_cell(Cell("bubblesort", 20, lang, "native", device), wls["bubblesort"], devs[device], CTX)
    r = execute_cell(Cell("bubblesort", 20, lang, "wasm2c", device), wls["bubblesort"], devs[device], CTX)
    assert r.status == "ok", r.error
    assert r.checksum == r.expected == wls["bubblesort"].expected(20)
    assert r.provenance["mode"] == "aot" and r.time_kind == "estimated" and r.energy_uj > 0
    assert r.extra["heap_hwm_bytes"] >= 65536  # the linear memory, allocated by wabt's runtime
    assert 0 < r.runtime_flash_bytes < 16_000  # no interpreter: the translated module and wabt's runtime
    wasm3 = execute_cell(Cell("bubblesort", 20, lang, "wasm3", device), wls["bubblesort"], devs[device], CTX)
    assert native.cycles < r.cycles < wasm3.cycles


@pytest.mark.parametrize("device", ["pico", "esp32c6"])
def test_wasm2c_on_a_board_checks_memory_bounds_in_code(tmp_path, db, device):
    from conftest import wat2wasm

    wat = ('(module (memory 1) (func (export "run") (param i32) (result i32) '
           'local.get 0 i32.const 65536 i32.add i32.load))')
    d = make_workload(tmp_path, "oob", wasm=wat2wasm(wat, tmp_path))
    proc, cells = bench_json("--device", device, "--runtime", "wasm2c", "--workload", "oob:1", "--workload-dir", str(d),
                             "--db", str(db))
    assert cells[0]["status"] == "error"
    assert "out-of-bounds" in cells[0]["error"].lower(), cells[0]["error"]
