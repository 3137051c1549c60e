"""A cell's kernel build as data: what every toolchain reads, worked out once from a workload.

A backend makes one `KernelSource` per cell (`kernel_source(workload, n, lang)`) and hands it
down: the toolchains (wasmcu.toolchains) and each runtime's `prepare` and `firmware_parts`
take this record, never the workload, so the build never asks the workload again. It holds
the language and size, the source files (the first is a one-file kernel's root), the
directory they come from, the project's [build] table (include directories, defines, flags),
the entry function, the module's [wasm] settings and the host's native baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class KernelSource:
    """One kernel at one size in one language, as the build reads it: plain values only, so that
    reading it runs no code of the workloads' layer."""

    workload: str                     # the workload's name (messages, provenance)
    lang: str                         # c, cpp, rust, zig, assemblyscript or wasm (a prebuilt module)
    n: int                            # the size (-DWASMCU_N, Rust's and Zig's N)
    files: tuple[Path, ...]           # every source file of `lang`
    root: Path                        # the first of them: a one-file kernel's file, a Rust kernel's root module
    directory: Path                   # the workload's folder (its headers are cache inputs)
    include_dirs: tuple[Path, ...] = ()
    defines: tuple[tuple[str, str], ...] = ()
    # a C or C++ compile's project part, after wasmcu's own flags: -I include directories,
    # -D defines, then [build] cflags (C) or cxxflags (C++)
    c_flags: tuple[str, ...] = ()
    rustflags: tuple[str, ...] = ()   # [build] rustflags, after wasmcu's own
    # the [build] table as workload.toml gave it (a cache-key input)
    build_table: dict = field(default_factory=dict, hash=False)
    entry: str = "run"                # the kernel's function of type uint32_t (uint32_t seed)
    memory_bytes: int = 65536         # the module's linear memory ([wasm] memory_bytes)
    shadow_stack_bytes: int = 4096    # the shadow stack inside it ([wasm] stack_bytes)
    host_baseline: str = "o2"         # the host's native build: o2, o3 or o3-native
    layout_exports: bool = False      # export __heap_base and __data_end (small linear memory)
    containment: bool = False         # a containment kernel (it misbehaves on purpose)
    wasi_command: bool = False        # a prebuilt WASI command or reactor (its result is its output)


def kernel_source(workload, n: int, lang: str) -> KernelSource:
    """The record of `workload` at size `n` in `lang`; a ConfigError when it has no `lang` source."""
    files = tuple(workload.source_files(lang))
    build = workload.build
    return KernelSource(workload=workload.name, lang=lang, n=n, files=files, root=files[0],
                        directory=Path(workload.directory), include_dirs=tuple(build.include_dirs),
                        defines=tuple(build.defines.items()),
                        c_flags=tuple(build.c_flags(lang)) if lang in ("c", "cpp") else (),
                        rustflags=tuple(build.rustflags), build_table=build.as_dict(),
                        entry=workload.entry or "run", memory_bytes=workload.memory_bytes,
                        shadow_stack_bytes=workload.shadow_stack_bytes,
                        host_baseline=getattr(workload, "host_baseline", "o2"),
                        layout_exports=bool(getattr(workload, "layout_exports", False)),
                        containment=bool(workload.containment),
                        wasi_command=bool(getattr(workload, "wasi_command", False)))
