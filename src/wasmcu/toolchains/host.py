"""Kernels to native host shared libraries (the `native` runtime on `host`)."""

from __future__ import annotations

from pathlib import Path

from .. import tools
from ..workloads import Workload
from .cache import cached, digest
from .rust import crate_root

C_FLAGS = ["-O2", "-fPIC", "-shared"]
RUST_FLAGS = ["--edition", "2021", "--crate-type", "cdylib", "-C", "opt-level=2", "-C", "panic=abort"]


TIMING_LOOP = Path(__file__).resolve().parent.parent / "runtimes" / "timing_loop.c"


def timing_loop_library() -> Path:
    """wasmcu's C timing loop (runtimes/timing_loop.c) as a shared library (cached)."""
    cc = tools.require("cc")
    key = digest("timing-loop", TIMING_LOOP, C_FLAGS, tools.version(cc))

    def build(tmp: Path) -> dict:
        tools.run([cc, *C_FLAGS, str(TIMING_LOOP), "-o", str(tmp / "timing_loop.so")], what="compiling the timing loop")
        return {"compiler": tools.version(cc), "flags": C_FLAGS}

    return cached("timing-loop", key, build) / "timing_loop.so"


def build_native(workload: Workload, n: int, lang: str) -> Path:
    """Shared library exporting `uint32_t run(uint32_t seed)`; returns its path."""
    source = workload.source(lang)
    if lang == "c":
        cc = tools.require("cc")
        flags = C_FLAGS + [f"-DWASMCU_N={n}"]
        key = digest("host-c", source, flags, tools.version(cc))

        def build(tmp: Path) -> dict:
            tools.run([cc, *flags, str(source), "-o", str(tmp / "kernel.so")], what=f"C compiler for {workload.name}")
            return {"compiler": tools.version(cc), "flags": flags}
    else:
        rustc = tools.require("rustc")
        key = digest("host-rust", source, RUST_FLAGS, n, tools.version(rustc))

        def build(tmp: Path) -> dict:
            root = tmp / "lib.rs"
            root.write_text(crate_root(source, n))
            tools.run([rustc, *RUST_FLAGS, str(root), "-o", str(tmp / "kernel.so")], cwd=tmp, what=f"rustc for {workload.name}")
            return {"compiler": tools.version(rustc), "flags": RUST_FLAGS}
    return cached("host-native", key, build) / "kernel.so"
