"""Rust kernels with `alloc` (Vec, Box, String, format!, BTreeMap) and modules of their own, on
the host, in wasm modules and on the emulated boards, with wasmcu's global allocators."""

import pytest

from wasmcu import devices, workloads
from wasmcu.backends import RunContext
from wasmcu.bench import execute_cell
from wasmcu.model import Cell
from wasmcu.toolchains import rust
from wasmcu.toolchains.wasm import build_wasm
from wasmcu.workloads.kernel_source import kernel_source

from conftest import bench_json

pytestmark = pytest.mark.slow  # end-to-end: real builds, runs and processes

# Vec, Box, String, format!, BTreeMap, and a module in a file of its own (mix.rs)
KERNEL = """\
mod mix;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

pub fn run(seed: u32) -> u32 {
    let mut v: Vec<u32> = Vec::new();
    let mut x = seed;
    for _ in 0..super::N {
        x = mix::step(x);
        v.push(x % 1000);
    }
    v.sort_unstable();
    let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
    for d in v.iter() {
        *counts.entry(d % 7).or_insert(0) += 1;
    }
    let boxed: Box<[u32]> = v.into_boxed_slice();
    let mut s = String::new();
    for (k, c) in counts.iter() {
        s.push_str(&format!("{}:{};", k, c));
    }
    let mut h: u32 = boxed.len() as u32;
    for b in s.bytes() {
        h = h.wrapping_mul(31).wrapping_add(b as u32);
    }
    for b in boxed.iter() {
        h = h.wrapping_mul(33) ^ *b;
    }
    h
}
"""
MIX = "pub fn step(x: u32) -> u32 { x.wrapping_mul(1664525).wrapping_add(1013904223) }\n"
ORACLE = """\
def checksum(n, seed):
    v, x = [], seed
    for _ in range(n):
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        v.append(x % 1000)
    v.sort()
    counts = {}
    for d in v:
        counts[d % 7] = counts.get(d % 7, 0) + 1
    h = len(v)
    for b in "".join(f"{k}:{c};" for k, c in sorted(counts.items())).encode():
        h = (h * 31 + b) & 0xFFFFFFFF
    for b in v:
        h = ((h * 33) & 0xFFFFFFFF) ^ b
    return h
"""

# The wasm allocator under stress: blocks of many sizes and alignments, freed out of order,
# contents checked; 400 rounds of 6 KB each only fit one 64 KB page if freed memory is reused.
STRESS = """\
use alloc::boxed::Box;
use alloc::vec::Vec;

#[repr(align(64))]
struct Wide([u8; 64]);

pub fn run(seed: u32) -> u32 {
    let mut x = seed;
    let mut h: u32 = 0;
    for round in 0..super::N as u32 {
        let mut blocks: Vec<Vec<u32>> = Vec::new();
        for k in 0..12usize {
            x = x.wrapping_mul(1664525).wrapping_add(1013904223);
            let len = 1 + (x >> 24) as usize % 120;
            let mut b = Vec::with_capacity(len);
            for i in 0..len as u32 {
                b.push(x.wrapping_add(i));
            }
            blocks.push(b);
            if k % 3 == 2 {
                let gone = blocks.remove((x as usize >> 8) % blocks.len());
                h = h.wrapping_add(gone.iter().sum::<u32>());
            }
        }
        let wide = Box::new(Wide([round as u8; 64]));
        if (&*wide as *const Wide as usize) % 64 != 0 {
            return 0xBAD_A11C;
        }
        h = h.wrapping_mul(31).wrapping_add(wide.0[63] as u32);
        for b in blocks.iter() {
            for (i, v) in b.iter().enumerate() {
                if *v != b[0].wrapping_add(i as u32) {
                    return 0xBAD;  // two live blocks overlap
                }
            }
            h = h.wrapping_mul(31).wrapping_add(b.len() as u32);
        }
        let big: Vec<u8> = alloc::vec![round as u8; 6000];
        h = h.wrapping_add(big[5999] as u32);
    }
    h
}
"""

# Vec alone: light enough for wasm3's native stack on every board (BTreeMap and sort_unstable
# in wasm3 need more than the Pico's 24 KB stack region)
VEC_ONLY = """\
use alloc::vec::Vec;

pub fn run(seed: u32) -> u32 {
    let mut v: Vec<u32> = Vec::new();
    let mut x = seed;
    for _ in 0..super::N {
        x = x.wrapping_mul(1664525).wrapping_add(1013904223);
        v.push(x % 1000);
    }
    let mut h: u32 = v.len() as u32;
    for b in v.iter() {
        h = h.wrapping_mul(33) ^ *b;
    }
    h
}
"""

# more than any heap here: 4 MB
GREEDY = """\
use alloc::vec::Vec;

pub fn run(seed: u32) -> u32 {
    let mut v: Vec<u32> = Vec::with_capacity(super::N * 1024 * 1024);
    v.push(seed);
    v[0]
}
"""


# index out of bounds: a panic, reported where it happened (not a spin until the time limit)
PANICS = """\
use alloc::vec::Vec;

pub fn run(seed: u32) -> u32 {
    let mut v: Vec<u32> = Vec::new();
    v.push(seed);
    v[seed as usize]
}
"""


def write(root, name, kernel, *, oracle=None, sizes=(50,), extra=None):
    d = root / name
    d.mkdir(parents=True)
    (d / "kernel.rs").write_text(kernel)
    for fname, text in (extra or {}).items():
        (d / fname).write_text(text)
    toml = f'name = "{name}"\nsizes = {list(sizes)}\n[sources]\nrust = "kernel.rs"\n'
    if oracle:
        (d / "oracle.py").write_text(oracle)
        toml += '[oracle]\nfile = "oracle.py"\n'
    (d / "workload.toml").write_text(toml)
    return d


@pytest.fixture(scope="module")
def wl(tmp_path_factory):
    root = tmp_path_factory.mktemp("rust-alloc")
    write(root, "vecmix", KERNEL, oracle=ORACLE, extra={"mix.rs": MIX})
    write(root, "stress", STRESS, sizes=(400,))
    write(root, "greedy", GREEDY, sizes=(1,))
    write(root, "veconly", VEC_ONLY)
    write(root, "panics", PANICS, sizes=(1,))
    return root, workloads.discover([root])


def test_a_kernel_without_alloc_gets_the_plain_crate_root(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "k.rs").write_text("pub fn run(seed: u32) -> u32 { seed ^ super::N as u32 }\n")
    (tmp_path / "v.rs").write_text(KERNEL)
    plain = rust.crate_root(tmp_path / "a" / "k.rs", 10)
    assert "extern crate alloc" not in plain and "global_allocator" not in plain and "feature" not in plain
    assert "pub const N: usize = 10;" in plain
    assert rust.bootstrap_env(tmp_path / "a" / "k.rs") is None
    # a kernel that names the alloc crate: the allocator, and on rustc 1.63 the error handler
    root = rust.crate_root(tmp_path / "v.rs", 10, allocator="wasm", oom_body=rust.OOM_TRAP)
    assert "extern crate alloc;" in root and "#[global_allocator]" in root and "rust_alloc/wasm.rs" in root
    assert "#[alloc_error_handler]" in root and "#![feature(alloc_error_handler)]" in root
    assert "alloc_error_handler" not in rust.crate_root(tmp_path / "v.rs", 10, rustc_version="rustc 1.70.0")
    assert rust.bootstrap_env(tmp_path / "v.rs")["RUSTC_BOOTSTRAP"] == "1"


def test_built_in_rust_modules_carry_no_allocator():
    wls = workloads.discover()
    m = build_wasm(kernel_source(wls["bubblesort"], 100, "rust"))
    assert not rust.uses_alloc(wls["bubblesort"].source("rust"))
    assert "__rust_alloc" not in m.wat.read_text() and "memory.grow" not in m.wat.read_text()


@pytest.mark.slow
def test_the_kernel_s_modules_are_in_the_cache_key(wl, tmp_path):
    root, found = wl
    first = build_wasm(kernel_source(found["vecmix"], 50, "rust"))
    (root / "vecmix" / "mix.rs").write_text(MIX.replace("1013904223", "12345"))
    try:
        second = build_wasm(kernel_source(workloads.discover([root])["vecmix"], 50, "rust"))
        assert second.directory != first.directory
    finally:
        (root / "vecmix" / "mix.rs").write_text(MIX)


@pytest.mark.slow
def test_vec_box_string_format_btreemap_on_the_host(wl):
    root, found = wl
    proc, cells = bench_json("--workload-dir", str(root), "--workload", "vecmix:50", "--device", "host",
                             "--runtime", "native,wasm3,wasmtime,wasm2c", "--lang", "rust", "--repeat", "2",
                             "--db", str(root / "host.db"))
    assert cells and len(cells) == 4, proc.stderr
    for c in cells:
        assert c["status"] == "ok", (c["runtime"], c["error"])
        assert c["checksum"] == found["vecmix"].expected(50) == c["expected"] and c["verified_by"] == "oracle"


@pytest.mark.slow
def test_the_wasm_allocator_reuses_and_aligns(wl):
    """400 rounds x 6 KB and many small blocks in one 64 KB page: only with freed blocks reused;
    a 64-byte-aligned Box is aligned (else the kernel returns 0xBADA11C)."""
    root, found = wl
    m = build_wasm(kernel_source(found["stress"], 400, "rust"))
    assert "memory.grow" in m.wat.read_text()
    devs = devices.discover()
    native = execute_cell(Cell("stress", 400, "rust", "native", "host"), found["stress"], devs["host"],
                          RunContext(repeat=1, warmup=0, timeout_s=60))
    wasm3 = execute_cell(Cell("stress", 400, "rust", "wasm3", "host"), found["stress"], devs["host"],
                         RunContext(repeat=1, warmup=0, timeout_s=60))
    assert native.status == "ok" and wasm3.status == "ok", (native.error, wasm3.error)
    assert wasm3.checksum == native.checksum not in (0xBADA11C, 0xBAD)
    assert wasm3.verified_by == "native-host"


def test_an_allocation_larger_than_linear_memory_traps(wl):
    root, found = wl
    devs = devices.discover()
    r = execute_cell(Cell("greedy", 1, "rust", "wasm3", "host"), found["greedy"], devs["host"],
                     RunContext(repeat=1, warmup=0, timeout_s=60))
    assert r.status == "error" and "unreachable" in r.error.lower(), r.error


BOARDS = ["pico", "nrf5340", "esp32c6"]


@pytest.mark.qemu
@pytest.mark.slow
@pytest.mark.parametrize("device", BOARDS)
def test_alloc_on_the_emulated_boards(wl, device):
    """Natively over picolibc's heap (its high-water mark counts the kernel's allocations) and
    in wasm3 (checked against the host's native result); a kernel that allocates more than the
    heap does not fit, with the sizes."""
    root, found = wl
    devs = devices.discover()
    ctx = RunContext(timeout_s=300)
    expected = found["vecmix"].expected(50)
    native = execute_cell(Cell("vecmix", 50, "rust", "native", device), found["vecmix"], devs[device], ctx)
    assert native.status == "ok", native.error
    assert native.checksum == expected and native.extra["heap_hwm_bytes"] >= 50 * 4
    wasm3 = execute_cell(Cell("veconly", 50, "rust", "wasm3", device), found["veconly"], devs[device], ctx)
    assert wasm3.status == "ok" and wasm3.verified_by == "native-host", wasm3.error
    assert wasm3.checksum == wasm3.expected
    greedy = execute_cell(Cell("greedy", 1, "rust", "native", device), found["greedy"], devs[device], ctx)
    assert greedy.status == "does-not-fit", greedy.error
    assert "out of memory: a Rust allocation of 4194304 bytes failed" in greedy.error and "heap has" in greedy.error
    panics = execute_cell(Cell("panics", 1, "rust", "native", device), found["panics"], devs[device], ctx)
    assert panics.status == "error" and "kernel: Rust panic at " in panics.error, panics.error
    assert "panics/kernel.rs:6" in panics.error


def test_entry_rustflags_and_nested_modules(tmp_path):
    """`entry` names the kernel's function, [build] rustflags reach every build (here a --cfg),
    a module may live in a folder (parts/mod.rs, parts/scale.rs); a flag that changes the
    optimisation level is refused."""
    d = tmp_path / "proj"
    (d / "parts").mkdir(parents=True)
    (d / "kernel.rs").write_text("mod parts;\npub fn compute(seed: u32) -> u32 { parts::scale::triple(seed) }\n")
    (d / "parts" / "mod.rs").write_text("pub mod scale;\n")
    (d / "parts" / "scale.rs").write_text(
        "pub fn triple(x: u32) -> u32 { if cfg!(scaled) { x * 3 + super::super::super::N as u32 } else { x } }\n")
    (d / "workload.toml").write_text('name = "proj"\nsizes = [5]\nentry = "compute"\n[sources]\nrust = "kernel.rs"\n'
                                     '[build]\nrustflags = ["--cfg", "scaled"]\n'
                                     '[oracle]\nfile = "oracle.py"\n')
    (d / "oracle.py").write_text("def checksum(n, seed):\n    return seed * 3 + n\n")
    wl = workloads.discover([d])["proj"]
    host = devices.discover()["host"]
    ctx = RunContext(repeat=1, warmup=0, timeout_s=60)
    for runtime in ("native", "wasm3"):
        r = execute_cell(Cell("proj", 5, "rust", runtime, "host"), wl, host, ctx)
        assert r.status == "ok" and r.checksum == 42 * 3 + 5, (runtime, r.error)
    (d / "workload.toml").write_text((d / "workload.toml").read_text().replace('"--cfg", "scaled"', '"-C", "opt-level=3"'))
    with pytest.raises(workloads.ConfigError, match="optimisation level"):
        workloads.load_workload(d)


@pytest.mark.slow
def test_the_rust_example_runs_and_is_checked_against_native():
    """examples/rust-vec (docs/your-code.md): no oracle, Vec/vec!/Box and a module of its own."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[1] / "examples" / "rust-vec"
    wl = workloads.discover([example])["histogram"]
    assert not wl.has_oracle and rust.uses_alloc(wl.source("rust"))
    r = execute_cell(Cell("histogram", 100, "rust", "wasm3", "host"), wl, devices.discover()["host"],
                     RunContext(repeat=1, warmup=0, timeout_s=60))
    assert r.status == "ok" and r.verified_by == "native-host", r.error
    assert r.checksum == r.expected == 0x52E9964B  # the value docs/your-code.md shows


def test_an_allocation_the_host_cannot_make_aborts_saying_so(tmp_path):
    """A quarter of the address space: the C library's malloc refuses it, the kernel's
    allocation-error handler says so on stderr and aborts; the cell is an error quoting it."""
    write(tmp_path, "huge", "use alloc::vec::Vec;\n\npub fn run(seed: u32) -> u32 {\n"
                            "    let mut v: Vec<u32> = Vec::with_capacity(usize::MAX / 16 + super::N);\n"
                            "    v.push(seed);\n    v[0]\n}\n", sizes=(1,))
    wl = workloads.discover([tmp_path])["huge"]
    r = execute_cell(Cell("huge", 1, "rust", "native", "host"), wl, devices.discover()["host"],
                     RunContext(repeat=1, warmup=0, timeout_s=60))
    assert r.status == "error" and "SIGABRT" in r.error and "out of memory: a Rust allocation failed" in r.error


def test_a_panic_says_where_instead_of_spinning(wl):
    root, found = wl
    host = devices.discover()["host"]
    ctx = RunContext(repeat=1, warmup=0, timeout_s=60)
    native = execute_cell(Cell("panics", 1, "rust", "native", "host"), found["panics"], host, ctx)
    assert native.status == "error" and "SIGABRT" in native.error, native.error
    assert "Rust panic at " in native.error and "panics/kernel.rs:6" in native.error
    wasm3 = execute_cell(Cell("panics", 1, "rust", "wasm3", "host"), found["panics"], host, ctx)
    assert wasm3.status == "error" and "unreachable" in wasm3.error.lower(), wasm3.error
