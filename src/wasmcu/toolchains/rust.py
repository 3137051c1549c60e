"""Rust kernels: a generated crate root wraps the workload's kernel module.

A Rust kernel file is a module body that defines `pub fn run(seed: u32) -> u32` and uses
`super::N` for the size. The crate root sets N, exports `run` with the C ABI, provides the
panic handler and, when the kernel's files name the `alloc` crate (`use alloc::vec::Vec;`),
makes it available (`Vec`, `Box`, `String`, `format!`, `BTreeMap`) with a global allocator
that wasmcu supplies: the C library's heap on the host
and on the boards (rust_alloc/libc.rs), a free list over linear memory in a wasm module
(rust_alloc/wasm.rs). The kernel file may declare modules of its own (`mod util;` finds
`util.rs` beside it), so the same kernel builds for wasm32, the host and bare-metal targets.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ALLOCATORS = Path(__file__).resolve().parent / "rust_alloc"

# what an allocation that fails does, per kind of build
OOM_TRAP = "core::arch::wasm32::unreachable()"  # wasm: the runtime reports the trap
# host: the worker process says why on its stderr (which the cell's error quotes) and dies
OOM_ABORT = ('extern "C" { fn write(fd: i32, buf: *const u8, count: usize) -> isize; fn abort() -> !; } '
             'let m = b"out of memory: a Rust allocation failed\\n"; unsafe { write(2, m.as_ptr(), m.len()); abort() }')
# what a panic does (`info` is the handler's PanicInfo): say where, then stop, rather than spin
# until the cell's time limit. The host: on the worker's stderr, then abort; a board: the
# firmware's error line (wasmcu.protocol); wasm: a trap, which every runtime reports
_WHERE = 'let (f, l) = info.location().map(|l| (l.file(), l.line())).unwrap_or(("?", 0)); '
PANIC_ABORT = ('extern "C" { fn dprintf(fd: i32, format: *const u8, ...) -> i32; fn abort() -> !; } ' + _WHERE +
               'unsafe { dprintf(2, "Rust panic at %.*s:%u\\n\\0".as_ptr(), f.len() as i32, f.as_ptr(), l); abort() }')
PANIC_REPORT = ('extern "C" { fn printf(format: *const u8, ...) -> i32; fn exit(code: i32) -> !; } ' + _WHERE +
                'unsafe { printf("@wasmcu error=\\"kernel: Rust panic at %.*s:%u\\"\\n@wasmcu end=1\\n\\0".as_ptr(), '
                'f.len() as i32, f.as_ptr(), l); exit(3) }')
PANIC_TRAP = "let _ = info; core::arch::wasm32::unreachable()"
# a board: the firmware's own error line (wasmcu.protocol), which the readout turns into does-not-fit
OOM_REPORT = ('extern "C" { fn printf(format: *const u8, ...) -> i32; fn exit(code: i32) -> !; } '
              'unsafe { printf("@wasmcu error=\\"kernel: out of memory: a Rust allocation of %lu bytes failed\\"'
              '\\n@wasmcu end=1\\n\\0".as_ptr(), layout.size() as u32); exit(3) }')


def kernel_files(kernel: Path) -> list[Path]:
    """The kernel's file and the Rust files beside it and below (its possible modules), in a
    stable order: what a build's cache key must cover."""
    kernel = Path(kernel)
    others = sorted(p for p in kernel.parent.rglob("*.rs") if p != kernel and p.is_file())
    return [kernel, *others]


ALLOC_PATH = re.compile(r"\balloc\s*::|\bextern\s+crate\s+alloc\b")


def uses_alloc(kernel: Path) -> bool:
    """Whether the kernel's files name the `alloc` crate (a no_std crate has no other way to
    reach Vec, Box, String, format! or BTreeMap). A kernel that does not is built exactly as
    before: no allocator, nothing unstable."""
    return any(ALLOC_PATH.search(p.read_text(errors="replace")) for p in kernel_files(kernel))


def rustc_minor(version: str) -> int:
    """1.63 -> 63 from `rustc --version`; 0 when unknown."""
    m = re.search(r"rustc 1\.(\d+)", version)
    return int(m.group(1)) if m else 0


def needs_oom_handler(version: str) -> bool:
    """Before Rust 1.68 a no_std crate that uses `alloc` must name its allocation-error
    handler (an unstable attribute: the build sets RUSTC_BOOTSTRAP=1)."""
    return rustc_minor(version) < 68


def bootstrap_env(kernel: Path | None = None) -> dict | None:
    """The environment for rustc when the crate root uses an unstable attribute (a kernel that
    uses `alloc`; `kernel` None: always, as for building the sysroot); None: rustc's own."""
    if kernel is not None and not uses_alloc(kernel):
        return None
    return dict(os.environ, RUSTC_BOOTSTRAP="1")


def _quote(path: Path) -> str:
    return '"' + str(Path(path).resolve()).replace("\\", "\\\\").replace('"', '\\"') + '"'


def crate_root(kernel: Path, n: int, *, panic_body: str = "loop {}", plain_panic_body: str = "loop {}",
               allocator: str = "libc", entry: str = "run",
               oom_body: str | None = None, rustc_version: str = "rustc 1.63.0", unwinding_alloc: bool = False,
               arm_eabi: bool = False) -> str:
    """The crate root around `kernel` at size n, exporting `run(seed)` that calls the kernel
    module's `entry`. `allocator` is "libc" (host, boards) or "wasm";
    `panic_body` is what a panic does (PANIC_*; `info` is the PanicInfo) in a kernel that uses
    `alloc`; a kernel that does not keeps `plain_panic_body`, the crate root it always had, so
    that its binaries (and the built-in kernels' figures) do not change.
    `oom_body` the code that runs when an allocation fails (an expression of type `!`).
    `unwinding_alloc`: the target's prebuilt `alloc` was compiled for unwinding (the host's):
    it names a personality routine that a panic=abort kernel never calls, defined here.
    `arm_eabi`: a Cortex-M target, where rustc's allocator shim carries unwind tables naming
    the EHABI personality routine; defined here (never called), so that libgcc's unwinder,
    which wants an exception index the firmware does not have, stays out of the image."""
    if allocator not in ("libc", "wasm"):
        raise ValueError(allocator)
    alloc = uses_alloc(kernel)
    handler = alloc and needs_oom_handler(rustc_version)
    lines = ["#![no_std]"]
    if handler:
        lines.append("#![feature(alloc_error_handler)]")
    if alloc:
        lines.append("extern crate alloc;")
    lines += [
        f"pub const N: usize = {n};",
        f"#[path = {_quote(kernel)}]",
        "mod kernel;",
        "#[no_mangle]",
        f'pub extern "C" fn run(seed: u32) -> u32 {{ kernel::{entry}(seed) }}',
        "#[panic_handler]",
        f"fn panic(info: &core::panic::PanicInfo) -> ! {{ {panic_body} }}" if alloc else
        f"fn panic(_: &core::panic::PanicInfo) -> ! {{ {plain_panic_body} }}",
    ]
    if not alloc:
        return "\n".join(lines) + "\n"
    lines += [
        f"#[path = {_quote(ALLOCATORS / (allocator + '.rs'))}]",
        "mod wasmcu_alloc;",
        "#[global_allocator]",
        "static WASMCU_HEAP: wasmcu_alloc::Heap = wasmcu_alloc::Heap;",
    ]
    if unwinding_alloc:
        lines += ["#[no_mangle]", 'pub extern "C" fn rust_eh_personality() {}']
    if arm_eabi:
        lines += ["#[no_mangle]", 'pub extern "C" fn __aeabi_unwind_cpp_pr0() -> ! { loop {} }']
    if handler:
        lines += ["#[alloc_error_handler]",
                  f"fn wasmcu_oom(layout: core::alloc::Layout) -> ! {{ let _ = layout; {oom_body or panic_body} }}"]
    return "\n".join(lines) + "\n"


def key_parts(kernel, allocator: str) -> list:
    """What a Rust build's cache key covers besides wasmcu's flags: the kernel's files (those
    [sources] names and those beside the root module), its entry and [build] rustflags, this
    crate root's template and the allocator. `kernel`: the cell's record
    (wasmcu.workloads.kernel_source.KernelSource)."""
    named = [p for p in kernel.files if p not in kernel_files(kernel.root)]
    return [*kernel_files(kernel.root), *named, entry(kernel), user_flags(kernel), Path(__file__).resolve(),
            ALLOCATORS / f"{allocator}.rs"]


def entry(kernel) -> str:
    """The kernel module's function that `run` calls (workload.toml's `entry`, default run)."""
    return kernel.entry or "run"


def user_flags(kernel) -> list[str]:
    """[build] rustflags (checked when the workload was loaded), appended after wasmcu's own."""
    return list(kernel.rustflags)
