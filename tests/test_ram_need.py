"""The RAM a module needs: each exhaustion its own kind and setting, the need measured, a shadow-stack overflow never silent."""

import subprocess
import sys

import pytest

from conftest import bench_json, make_workload, wat2wasm

from wasmcu import devices
from wasmcu.backends.exhaustion import classify
from wasmcu.backends.ramneed import ram_needed
from wasmcu.model import DOES_NOT_FIT, ERROR, ERROR_KINDS
from wasmcu.runtimes import RUNTIMES
from wasmcu.runtimes.wamr.builds import firmware_build, has_aligned_stores

PICO = devices.discover()["pico"]
HAVE_WAMR = RUNTIMES["wamr-fast"].firmware_unavailable_reason(PICO) is None

# a kernel with a large local buffer and static input data below it: with the default 4 KB
# shadow stack, the buffer runs down into the input (silently, in every runtime)
BIGBUF_C = """#include <stdint.h>
static uint32_t input[2048];
static uint32_t fill(volatile uint8_t *buf, uint32_t size, uint32_t x)
{
    for (uint32_t i = 0; i < size; i++) { x = x * 1664525u + 1013904223u; buf[i] = (uint8_t)(x >> 24); }
    return x;
}
uint32_t run(uint32_t seed)
{
    volatile uint8_t buf[WASMCU_N];
    uint32_t x = seed, h = 0;
    for (uint32_t i = 0; i < 2048; i++) { x = x * 1664525u + 1013904223u; input[i] = x; }
    fill(buf, WASMCU_N, x);
    for (uint32_t i = 0; i < WASMCU_N; i++) h = h * 31u + buf[i];
    for (uint32_t i = 0; i < 2048; i++) h ^= input[i];
    return h;
}
"""
BIGBUF_ORACLE = """def checksum(n, seed):
    x, h, inp = seed, 0, []
    for i in range(2048):
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        inp.append(x)
    for i in range(n):
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        h = (h * 31 + (x >> 24)) & 0xFFFFFFFF
    for v in inp:
        h ^= v
    return h
"""

# a deep call chain: `down` calls itself n times (no tail call: it works on the result)
DEEP_C = """#include <stdint.h>
__attribute__((noinline)) static uint32_t down(uint32_t depth, uint32_t x)
{
    if (depth == 0)
        return x;
    uint32_t y = down(depth - 1, x * 1664525u + 1013904223u);
    return y * 31u + depth;
}
uint32_t run(uint32_t seed) { return down(WASMCU_N, seed); }
"""
DEEP_ORACLE = """def checksum(n, seed):
    xs = [seed]
    for d in range(n):
        xs.append((xs[-1] * 1664525 + 1013904223) & 0xFFFFFFFF)
    y = xs[n]
    for depth in range(1, n + 1):
        y = (y * 31 + depth) & 0xFFFFFFFF
    return y
"""


def many_functions(count: int) -> str:
    """A module of `count` small functions, each called once from `run` (no deep chain)."""
    funcs = [f"(func $f{i} (param i32) (result i32) local.get 0 i32.const 3 i32.mul i32.const {i} i32.add)"
             for i in range(count)]
    calls = " ".join(f"call $f{i}" for i in range(count))
    return f'(module (memory 1) {" ".join(funcs)} (func (export "run") (param i32) (result i32) local.get 0 {calls}))'


def many_oracle(count: int) -> str:
    return (f"def checksum(n, seed):\n    x = seed\n    for i in range({count}):\n"
            f"        x = (x * 3 + i) & 0xFFFFFFFF\n    return x\n")


# --- one kind for one cause (no emulator needed) -------------------------------------------

@pytest.mark.parametrize("msg, runtime, kind, status, names", [
    ("load: WASM module load failed: allocate memory failed", "wamr-fast", "pool-exhausted", ERROR,
     "[runtimes.wamr-fast] pool_bytes"),
    ("instantiate: allocate linear memory failed", "wamr-classic", "linear-memory-exhausted", DOES_NOT_FIT,
     "[wasm] memory_bytes"),
    ("trap: Exception: wasm operand stack overflow", "wamr-classic", "wasm-stack-overflow", ERROR,
     "[runtimes.wamr-classic] stack_bytes"),
    ("trap: [trap] stack overflow", "wasm3", "wasm-stack-overflow", ERROR, "[runtimes.wasm3] stack_bytes"),
    ("load: memory allocation failed", "wasm3", "heap-exhausted", DOES_NOT_FIT, "[build] stack_bytes"),
])
def test_each_exhaustion_has_its_kind_and_names_its_setting(msg, runtime, kind, status, names):
    device = PICO
    out = classify(msg, runtime, RUNTIMES[runtime].firmware_settings(device), device, 200_000)
    assert out is not None and out.kind == kind and out.status == status, out
    assert kind in ERROR_KINDS and names in out.message, out.message


def test_a_pool_without_room_to_grow_does_not_fit():
    device = PICO
    out = classify("load: allocate memory failed", "wamr-fast", {"pool_bytes": 32768, "stack_bytes": 4096}, device,
                   8000)
    assert out.status == DOES_NOT_FIT and "pool_bytes" in out.message


def test_other_errors_are_not_exhaustion():
    device = PICO
    assert classify("trap: Exception: out of bounds memory access", "wamr-fast", {"pool_bytes": 1, "stack_bytes": 1},
                    device, 1) is None


def test_ram_needed_counts_the_pool_high_water_not_its_size():
    total, parts = ram_needed(ram_static=40_000, stack_hwm=2_000, heap_hwm=66_000, pool_bytes=32_768, pool_hwm=6_000,
                              linear_memory=65_536)
    assert parts == {"static_bytes": 40_000 - 32_768, "native_stack_bytes": 2_000, "heap_bytes": 66_000,
                     "pool_bytes": 6_000, "linear_memory_bytes": 65_536}
    assert total == 40_000 - 32_768 + 2_000 + 66_000 + 6_000


# --- on the emulated boards ------------------------------------------------------------------

@pytest.fixture
def kernels(tmp_path):
    root = tmp_path / "w"
    make_workload(root, "bigbuf", c=BIGBUF_C, oracle=BIGBUF_ORACLE, sizes=(1024, 8192))
    make_workload(root, "deepcall", c=DEEP_C, oracle=DEEP_ORACLE, sizes=(30, 2000))
    make_workload(root, "manyfuncs", wasm=wat2wasm(many_functions(600), tmp_path), oracle=many_oracle(600))
    return root


@pytest.mark.qemu
def test_ram_needed_is_measured_against_a_known_layout(kernels, db):
    """A native kernel with an 8 KB local buffer needs at least 8 KB of stack; every cell's need
    is at most its configured peak, and WAMR's need counts the pool's high-water mark."""
    runtimes = "native,wasm3" + (",wamr-fast" if HAVE_WAMR else "")
    proc, cells = bench_json("--device", "pico", "--runtime", runtimes, "--workload", "bigbuf:1024", "--lang", "c",
                             "--workload-dir", str(kernels), "--db", str(db))
    by = {c["runtime"]: c for c in cells}
    assert all(c["status"] == "ok" for c in cells), [(c["runtime"], c["error"]) for c in cells]
    for c in cells:
        need, parts = c["extra"]["ram_needed_bytes"], c["extra"]["ram_needed"]
        assert need <= c["ram_peak_bytes"], c
        assert need == sum(v for k, v in parts.items() if k != "linear_memory_bytes")
    native = by["native"]["extra"]["ram_needed"]
    assert 1024 <= native["native_stack_bytes"] < 1024 + 512 and native["heap_bytes"] == 0
    assert by["wasm3"]["extra"]["ram_needed"]["linear_memory_bytes"] == 65536
    if HAVE_WAMR:
        w = by["wamr-fast"]["extra"]
        assert w["ram_needed"]["pool_bytes"] == w["pool_hwm_bytes"] < w["pool_bytes"]
        assert w["ram_needed_bytes"] < by["wamr-fast"]["ram_peak_bytes"] - (w["pool_bytes"] - w["pool_hwm_bytes"]) + 1
    out = db.parent / "report"
    subprocess.run([sys.executable, "-m", "wasmcu", "report", "--db", str(db), "--out", str(out)], check=True,
                   capture_output=True)
    html = (out / "report.html").read_text()
    assert "RAM needed KB" in html and f"{by['native']['extra']['ram_needed_bytes'] / 1024:,.1f}" in html


@pytest.mark.qemu
@pytest.mark.skipif(not HAVE_WAMR, reason="no WAMR build for the boards is configured")
def test_wamr_exhaustion_names_the_pool_and_the_wasm_stack(kernels, db, tmp_path):
    """Under the paper's fixed sizes (--ram profile) a module of 600 functions exhausts WAMR's
    pool and a deep call chain its wasm stack: each its own kind, naming the setting."""
    proc, cells = bench_json("--device", "pico", "--runtime", "wamr-fast", "--workload", "manyfuncs:4,deepcall:2000",
                             "--workload-dir", str(kernels), "--db", str(db), "--ram", "profile")
    by = {c["workload"]: c for c in cells}
    assert by["manyfuncs"]["error_kind"] == "pool-exhausted", by["manyfuncs"]
    assert "[runtimes.wamr-fast] pool_bytes" in by["manyfuncs"]["error"]
    assert by["manyfuncs"]["status"] == "error"  # the pool is small, not the board
    assert by["deepcall"]["error_kind"] == "wasm-stack-overflow", by["deepcall"]
    assert "[runtimes.wamr-fast] stack_bytes" in by["deepcall"]["error"]


@pytest.mark.qemu
def test_a_shadow_stack_overflow_is_never_silent(kernels, db):
    """An 8 KB local buffer in a 4 KB shadow stack runs into the static data: a wrong checksum
    in every runtime. It is named, with the size that works, on the host and on a board."""
    runtimes = "wasm3" + (",wamr-fast" if HAVE_WAMR else "")
    proc, cells = bench_json("--device", "host,pico", "--runtime", runtimes, "--workload", "bigbuf:8192",
                             "--lang", "c", "--workload-dir", str(kernels), "--db", str(db), "--ram", "profile")
    assert cells
    for c in cells:
        assert c["error_kind"] == "shadow-stack-overflow", (c["device"], c["runtime"], c["error"])
        assert "[wasm] stack_bytes = 16384" in c["error"] and c["extra"]["shadow_stack_works_with_bytes"] == 16384


@pytest.mark.qemu
def test_the_shadow_stack_is_sized_from_a_measurement_on_the_boards(kernels, db):
    """Under --ram module, the board cell's module gets the shadow stack the kernel was measured to
    use (its 8 KB buffer), an eighth more; a kernel that fits keeps its module (and its figures)."""
    runtimes = "wasm3" + (",wamr-fast" if HAVE_WAMR else "")
    proc, cells = bench_json("--device", "pico", "--runtime", runtimes, "--workload", "bigbuf:8192,bigbuf:1024",
                             "--lang", "c", "--workload-dir", str(kernels), "--db", str(db))
    assert len(cells) == 2 * len(runtimes.split(","))
    for c in cells:
        assert c["status"] == "ok", (c["n"], c["runtime"], c["error"])
        need = c["extra"]["shadow_stack_needed_bytes"]
        assert c["n"] <= need < c["n"] + 512, need  # the buffer and a small frame
        if c["n"] == 8192:
            assert c["extra"]["shadow_stack_sized_bytes"] == 9216
        else:
            assert "shadow_stack_sized_bytes" not in c["extra"]
            plain = bench_json("--device", "pico", "--runtime", c["runtime"], "--workload", "bigbuf:1024",
                               "--lang", "c", "--workload-dir", str(kernels), "--db", str(db), "--ram", "profile")[1][0]
            assert plain["extra"]["module_sha256"] == c["extra"]["module_sha256"]
            assert (plain["cycles"], plain["ram_peak_bytes"]) == (c["cycles"], c["ram_peak_bytes"])


@pytest.mark.qemu
@pytest.mark.skipif(not HAVE_WAMR, reason="no WAMR build for the boards is configured")
def test_wamr_pool_is_sized_from_the_module_by_default(kernels, db):
    """600 functions do not load in WAMR's fixed 32 KB pool; by default the pool is sized from
    the module within the Pico's RAM, the cell runs and records the sizes it ran with."""
    proc, cells = bench_json("--device", "pico", "--runtime", "wamr-classic", "--workload", "manyfuncs:4",
                             "--workload-dir", str(kernels), "--db", str(db))
    c = cells[0]
    assert c["status"] == "ok", c["error"]
    extra = c["extra"]
    assert extra["ram_sizing"] == "module" and extra["ram_sized"]["pool_bytes"] > 32 * 1024
    assert extra["ram_sized"]["pool_bytes"] >= extra["pool_bytes"] > extra["pool_hwm_bytes"] > 32 * 1024
    assert c["provenance"]["runtime_settings"]["pool_bytes"] == extra["ram_sized"]["pool_bytes"]


@pytest.mark.qemu
def test_wasm3_value_stack_is_sized_from_the_module(kernels, db):
    """A deep call chain overflows wasm3's 4 KB value stack on the nRF5340; sized from the module it runs."""
    proc, cells = bench_json("--device", "nrf5340", "--runtime", "wasm3", "--workload", "deepcall:100",
                             "--lang", "c", "--workload-dir", str(kernels), "--db", str(db))
    c = cells[0]
    assert c["status"] == "ok", c["error"]
    assert c["extra"]["ram_sized"]["stack_bytes"] > 4096
    # sized to what the host's wasm3 (the same sources) needs, an eighth more: not half the heap
    need = c["extra"]["value_stack_needed_bytes"]
    assert 4096 < need <= c["extra"]["ram_sized"]["stack_bytes"] <= need + need // 8 + 1024, c["extra"]
    proc, cells = bench_json("--device", "nrf5340", "--runtime", "wasm3", "--workload", "deepcall:100",
                             "--lang", "c", "--workload-dir", str(kernels), "--db", str(db), "--ram", "profile")
    c = cells[0]
    assert c["error_kind"] == "wasm-stack-overflow" and "[runtimes.wasm3] stack_bytes" in c["error"], c["error"]
    assert c["extra"]["ram_sizing"] == "profile" and "ram_sized" not in c["extra"]


# --- faults named ------------------------------------------------------------------------------

FAULTS = {
    "unaligned": ("""#include <stdint.h>
static uint32_t buf[8];
uint32_t run(uint32_t seed)
{
    uint8_t *p = (uint8_t *)buf + ((seed & 2) | 1);
    uint32_t a = seed, b = seed + 1;
    __asm__ volatile("stmia %0!, {%1, %2}" : "+l"(p) : "l"(a), "l"(b) : "memory");
    return buf[1] + WASMCU_N;
}
""", "unaligned-access", r"an unaligned access: `stmia r\d!?, \{r\d, r\d\}` is a multi-word access"),
    "undefined": ("""#include <stdint.h>
uint32_t run(uint32_t seed)
{
    if (seed != 12345u)
        __builtin_trap();
    return WASMCU_N;
}
""", "undefined-instruction", r"an undefined instruction \(`udf"),
    "busfault": ("""#include <stdint.h>
uint32_t run(uint32_t seed)
{
    volatile uint32_t *p = (volatile uint32_t *)(0x90000000u + (seed & 0xF0u));
    *p = seed;
    return *p + WASMCU_N;
}
""", "bus-fault", r"a bus fault: `str r\d, \[r\d.*\]` with r\d = 0x900000"),
}


@pytest.mark.qemu
def test_cortex_m_faults_are_named_with_pc_function_and_instruction(tmp_path, db):
    import re

    for name, (src, _, _) in FAULTS.items():
        make_workload(tmp_path / "f", name, c=src)
    proc, cells = bench_json("--device", "pico,nrf5340", "--runtime", "native", "--workload",
                             ",".join(f"{n}:4" for n in FAULTS), "--workload-dir", str(tmp_path / "f"),
                             "--db", str(db))
    assert len(cells) == 6
    for c in cells:
        _, cause, pattern = FAULTS[c["workload"]]
        assert c["error_kind"] == "fault" and c["extra"]["fault_cause"] == cause, (c["device"], c["error"])
        assert re.search(r"at pc=0x[0-9a-f]{8} in run\+0x[0-9a-f]+: " + pattern, c["error"]), c["error"]


ODD_WAT = """(module (memory 1)
  (func (export "run") (param i32) (result i32)
    (local i64)
    i32.const 1001 local.get 0 i64.extend_i32_u i64.const 0x100000003 i64.mul i64.store
    i32.const 2003 i32.const 1001 i64.load f64.convert_i64_u f64.store
    i32.const 2003 f64.load i64.trunc_f64_u local.set 1
    i32.const 3005 local.get 1 i64.store offset=2
    i32.const 3005 i64.load offset=2 local.tee 1
    i32.wrap_i64 local.get 1 i64.const 29 i64.shr_u i32.wrap_i64 i32.xor))"""
ODD_ORACLE = """def checksum(n, seed):
    v = (seed * 0x100000003) & 0xFFFFFFFFFFFFFFFF  # both halves differ: a swapped or lost byte shows
    v = int(float(v)) & 0xFFFFFFFFFFFFFFFF
    return (v & 0xFFFFFFFF) ^ ((v >> 29) & 0xFFFFFFFF)
"""
CLZ_WAT = """(module (memory 1)
  (func (export "run") (param i32) (result i32)
    local.get 0 i32.clz
    local.get 0 i64.extend_i32_u i64.const 7 i64.mul i64.clz i32.wrap_i64 i32.add
    local.get 0 i32.ctz i32.add
    local.get 0 i32.popcnt i32.add))"""
CLZ_ORACLE = """def checksum(n, seed):
    ctz = 32 if seed == 0 else (seed & -seed).bit_length() - 1
    return (32 - seed.bit_length()) + (64 - (seed * 7).bit_length()) + ctz + bin(seed).count("1")
"""


@pytest.mark.qemu
@pytest.mark.slow
def test_i64_and_f64_at_odd_addresses_and_clz_on_every_board(tmp_path, db):
    """i64 and f64 stored and loaded at odd addresses, and clz/ctz/popcnt (clz is libgcc's
    __clzsi2 on the Cortex-M0+, a call WAMR's XIP AOT loader cannot relocate), on every board and runtime.
    WAMR's classic interpreter on the Cortex-M0+ stores an i64 with two word stores that GCC
    merges into an STM: wasmcu's ARMv6-M build checks the alignment (platform/aligned_stores.h);
    a WAMR library built before that faults, and the fault is named."""
    make_workload(tmp_path / "w", "odd", wasm=wat2wasm(ODD_WAT, tmp_path), oracle=ODD_ORACLE)
    make_workload(tmp_path / "w", "bits", wasm=wat2wasm(CLZ_WAT, tmp_path), oracle=CLZ_ORACLE)
    runtimes = "wasm3" + (",wamr-classic,wamr-fast,wamr-aot" if HAVE_WAMR else "")
    aligned = HAVE_WAMR and has_aligned_stores(firmware_build("armv6m", "classic").library)
    proc, cells = bench_json("--device", "pico,esp32c6,nrf5340", "--runtime", runtimes, "--workload", "odd:4,bits:4",
                             "--workload-dir", str(tmp_path / "w"), "--db", str(db))
    assert len(cells) == 6 * len(runtimes.split(","))
    for c in cells:
        if (c["device"], c["runtime"], c["workload"]) == ("pico", "wamr-classic", "odd") and not aligned:
            assert c["error_kind"] == "fault" and c["extra"]["fault_cause"] == "unaligned-access", c["error"]
            continue
        assert c["status"] == "ok", (c["device"], c["runtime"], c["workload"], c["error"])


def test_armv6m_wamr_classic_is_built_with_alignment_checked_stores():
    """Only where the arch file asks (the Cortex-M0+ faults on any unaligned word access), and
    only for the classic interpreter: the other builds and boards keep their code and figures."""
    from wasmcu.runtimes.wamr import build

    flagged = {s.name for s in build.steps(wamrc=False) if "-DWASMCU_ALIGNED_STORES=1" in s.options}
    assert flagged == {"armv6m-classic"}
    cmake = (build.PLATFORM_DIR / "shared_platform.cmake").read_text()
    assert "wasm_interp_classic.c" in cmake and "aligned_stores.h" in cmake


@pytest.mark.skipif(not HAVE_WAMR, reason="no WAMR board build")
def test_doctor_names_a_classic_build_without_aligned_stores():
    from wasmcu.runtimes.wamr import _aligned_note

    old = firmware_build("armv8m", "classic")   # built without the header: no aligned stores in it
    assert "--only armv6m-classic" in _aligned_note("armv6m", "classic", old)
    assert _aligned_note("armv8m", "classic", old) == "" and _aligned_note("armv6m", "fast", old) == ""


@pytest.mark.qemu
@pytest.mark.slow
def test_wamr_classic_built_by_wasmcu_stores_i64_at_odd_addresses_on_the_pico(tmp_path, db):
    """With WASMCU_WAMR_SOURCE (a WAMR 2.4 tree): the ARMv6-M classic interpreter built by
    `wasmcu wamr build` runs the module that faulted (i64/f64 stores at odd addresses)."""
    import os

    from conftest import wasmcu

    source = os.environ.get("WASMCU_WAMR_SOURCE")
    if not source:
        pytest.skip("set WASMCU_WAMR_SOURCE to a WAMR 2.4 source tree to run this")
    proc = wasmcu("wamr", "build", source, "--out", str(tmp_path / "out"), "--only", "armv6m-classic", "--no-config")
    assert proc.returncode == 0, proc.stderr
    built = tmp_path / "out" / "armv6m-classic"
    assert has_aligned_stores(built / "libiwasm.a")
    make_workload(tmp_path / "w", "odd", wasm=wat2wasm(ODD_WAT, tmp_path), oracle=ODD_ORACLE)
    proc, cells = bench_json("--device", "pico", "--runtime", "wamr-classic", "--workload", "odd:4",
                             "--workload-dir", str(tmp_path / "w"), "--db", str(db),
                             env={"WASMCU_WAMR_FIRMWARE_ARMV6M_CLASSIC": str(built)})
    assert [c["status"] for c in cells] == ["ok"], cells[0]["error"]


@pytest.mark.parametrize("insn, regs, expected", [
    ("push {r4, r5, lr}", {}, "stack-access"),
    ("stmia r3!, {r0, r1}", {"r3": 0x20000523}, "unaligned-access"),
    ("stmia r3!, {r0, r1}", {"r3": 0x20000520}, "fault"),
    ("ldr r0, [r2, #0]", {"r2": 0x20000521}, "unaligned-access"),  # ARMv6-M: a word load too
    ("str r0, [r3, #0]", {"r3": 0x90000020}, "bus-fault"),
    ("udf #255", {}, "undefined-instruction"),
])
def test_fault_causes_from_the_instruction_and_registers(insn, regs, expected):
    from wasmcu.backends.faults import cause

    assert cause(insn, regs, PICO)[0] == expected


@pytest.mark.qemu
@pytest.mark.slow
def test_many_functions_a_deep_chain_and_a_large_buffer_run_on_every_board(kernels, db):
    """With the default sizing, the three shapes run on every emulated board and firmware runtime."""
    runtimes = "wasm3,wasm2c" + (",wamr-classic,wamr-fast,wamr-aot" if HAVE_WAMR else "")
    proc, cells = bench_json("--device", "pico,esp32c6,nrf5340", "--runtime", runtimes, "--workload",
                             "manyfuncs:4,deepcall:30,bigbuf:1024", "--workload-dir", str(kernels), "--db", str(db))
    assert len(cells) == 9 * len(runtimes.split(","))
    bad = [(c["workload"], c["device"], c["runtime"], c["error_kind"], c["error"]) for c in cells if c["status"] != "ok"]
    assert not bad, bad
    pico = next(c for c in cells if (c["workload"], c["device"], c["runtime"]) == ("manyfuncs", "pico", "wasm3"))
    # its value stack sized to what the host's wasm3 needs, and its native stack (no tail calls
    # on the Cortex-M0+: a frame per operation) to what QEMU measured
    assert pico["extra"]["ram_sized"]["stack_bytes"] < 16384 and pico["extra"]["value_stack_needed_bytes"] > 4096
    assert pico["extra"]["ram_sized"]["native_stack_bytes"] > 64 * 1024


def test_wasm3_value_stack_need_is_found_on_the_host(tmp_path):
    """The search finds the smallest value stack (in KB) the host's wasm3 runs the module with:
    it fails with one KB less; None when even the cap is too small."""
    from wasmcu.backends import wasm3_stack

    wasm = tmp_path / "many.wasm"
    wasm.write_bytes(wat2wasm(many_functions(600), tmp_path))
    need = wasm3_stack.value_stack_need(wasm, 42, 64 * 1024)
    assert need and need % 1024 == 0 and need > 4096, need
    assert wasm3_stack.value_stack_need(wasm, 42, need) == need
    assert wasm3_stack.value_stack_need(wasm, 42, need - 1024) is None
    assert wasm3_stack.sized(need) >= need + need // 8


def test_wasm3_value_stack_sizes_and_a_module_changed_in_place_is_measured_again(tmp_path):
    """The sizing rounds an eighth more up to whole KB; a cap of exactly one KB is searched; the
    measurement is remembered by the module's content, not its path."""
    from wasmcu.backends import wasm3_stack

    assert [wasm3_stack.sized(n) for n in (0, 1, 7300, 8192)] == [0, 1024, 9216, 9216]
    wasm = tmp_path / "m.wasm"
    wasm.write_bytes(wat2wasm('(module (func (export "run") (param i32) (result i32) (local.get 0)))', tmp_path))
    assert wasm3_stack.value_stack_need(wasm, 1, 1024) == 1024
    assert wasm3_stack.value_stack_need(wasm, 1, 1023) is None
    wasm.write_bytes(wat2wasm(many_functions(600), tmp_path))
    assert wasm3_stack.value_stack_need(wasm, 1, 1024) is None


def test_shadow_stack_use_is_the_deepest_byte_written_below_the_stack_pointer(tmp_path, monkeypatch):
    """A module whose stack pointer starts at 8192 and that writes 100 bytes below it used 100
    bytes; one that never returns is stopped and not measured."""
    from wasmcu.backends import shadow_need

    deep = tmp_path / "deep.wasm"
    deep.write_bytes(wat2wasm("""(module (memory (export "memory") 1) (global (mut i32) (i32.const 8192))
      (func (export "run") (param i32) (result i32)
        (i32.store8 (i32.sub (global.get 0) (i32.const 100)) (i32.const 1)) (i32.const 0)))""", tmp_path))
    assert shadow_need.measure(deep, 42, 4096) == 100
    assert shadow_need.sized(100) == 1024 and shadow_need.sized(8192) == 9216
    monkeypatch.setattr(shadow_need, "TIMEOUT_S", 1)
    endless = tmp_path / "endless.wasm"
    endless.write_bytes(wat2wasm("""(module (memory (export "memory") 1) (global (mut i32) (i32.const 8192))
      (func (export "run") (param i32) (result i32) (loop $l (br $l)) (i32.const 0)))""", tmp_path))
    assert shadow_need.measure(endless, 42, 4096) is None
