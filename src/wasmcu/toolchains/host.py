"""Kernels to native host shared libraries (the `native` runtime on `host`)."""

from __future__ import annotations

from pathlib import Path

from .. import tools
from ..workloads.kernel_source import KernelSource
from . import cfamily
from .cache import cached, digest
from . import rust, zig

C_FLAGS = ["-O2", "-fPIC", "-shared"]
RUST_FLAGS = ["--edition", "2021", "--crate-type", "cdylib", "-C", "opt-level=2", "-C", "panic=abort"]
# a kernel that uses `alloc`: the host's prebuilt `alloc` was compiled for unwinding, and its
# unwinding paths (never taken by a panic=abort kernel) name libgcc_s's _Unwind_Resume
RUST_ALLOC_FLAGS = ["-C", "link-arg=-lgcc_s"]


# the host's native baseline (`--host-baseline`): -O2 as everywhere, or the optimisation of the
# ahead-of-time compilers (wamrc optimises at its --opt-level 3 by default), optionally for this CPU
HOST_BASELINES = {"o2": (["-O2"], ["-C", "opt-level=2"]),
                  "o3": (["-O3"], ["-C", "opt-level=3"]),
                  "o3-native": (["-O3", "-march=native"], ["-C", "opt-level=3", "-C", "target-cpu=native"])}
# only `run` is exported and every other symbol of the kernel binds to the kernel: a kernel with a
# global named like a C library function (`time`, `step`, `index`, `free`) cannot be bound to the
# C library's (nor the C library to the kernel's) in the process that loads it
EXPORTS = "{ global: run; local: *; };\n"


def _baseline(kernel: KernelSource) -> tuple[list[str], list[str]]:
    return HOST_BASELINES[kernel.host_baseline]


def build_native(kernel: KernelSource) -> Path:
    """Shared library exporting `uint32_t run(uint32_t seed)`; returns its path."""
    source, lang, n = kernel.root, kernel.lang, kernel.n
    if lang == "zig":
        return zig.build_host(kernel)
    if lang in ("c", "cpp"):
        cc = tools.require("cc")
        extra = cfamily.project_flags(kernel)
        opt = _baseline(kernel)[0]
        key = digest(f"host-{lang}", *cfamily.project_inputs(kernel), C_FLAGS, opt, EXPORTS, extra,
                     tools.version(cc))

        def cc_for(file_lang):
            return [cc] if file_lang == "c" else [cc, "--driver-mode=g++"] if "clang" in cc else [cc, "-x", "c++"]

        def flags_for(file_lang):
            return [*opt, "-fPIC", *([] if file_lang == "c" else cfamily.CXX_FLAGS), *extra]

        def build(tmp: Path) -> dict:
            files = list(kernel.files)
            wrapper = cfamily.entry_source(kernel)
            if wrapper:
                (tmp / "wasmcu_entry.c").write_text(wrapper)
                files = [*files, tmp / "wasmcu_entry.c"]
            objs = cfamily.compile_all(cc_for, flags_for, files, tmp, target="host",
                                       what=f"C compiler for {kernel.workload}", run=tools.run)
            link = [cc, "--driver-mode=g++"] if lang == "cpp" and "clang" in cc else [cc]
            (tmp / "exports.map").write_text(EXPORTS)
            tools.run([*link, "-shared", *map(str, objs), "-lm", "-Wl,--version-script=" + str(tmp / "exports.map"),
                       "-o", str(tmp / "kernel.so")], what=f"linking {kernel.workload}")
            for o in objs:
                o.unlink()
            (tmp / "exports.map").unlink()
            return {"compiler": tools.version(cc), "flags": [*opt, "-fPIC", "-shared", *extra],
                    "link_flags": ["-Wl,--version-script (exports run only)"],
                    "host_baseline": kernel.host_baseline}
    else:
        rustc = tools.require("rustc")
        version = tools.version(rustc)
        flags = [*RUST_FLAGS[:-4], *_baseline(kernel)[1], *RUST_FLAGS[-2:]] + (RUST_ALLOC_FLAGS if rust.uses_alloc(source) else []) + rust.user_flags(kernel)
        key = digest("host-rust", *rust.key_parts(kernel, "libc"), flags, n, version)

        def build(tmp: Path) -> dict:
            root = tmp / "lib.rs"
            root.write_text(rust.crate_root(source, n, panic_body=rust.PANIC_ABORT, allocator="libc", oom_body=rust.OOM_ABORT, rustc_version=version,
                                            unwinding_alloc=True, entry=rust.entry(kernel)))
            tools.run([rustc, *flags, str(root), "-o", str(tmp / "kernel.so")], cwd=tmp,
                      env=rust.bootstrap_env(source), what=f"rustc for {kernel.workload}")
            return {"compiler": version, "flags": flags, "host_baseline": kernel.host_baseline}
    return cached("host-native", key, build) / "kernel.so"
