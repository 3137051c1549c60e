"""What the C and C++ builds of every target share.

A project's files and flags, the entry wrapper, the C++ defaults, the cache inputs and a
clear error for a missing library header.

A project is the [sources] files of one language plus the [build] table of its
workload.toml, as one cell's record (wasmcu.workloads.kernel_source.KernelSource); wasmcu's
own flags come first, the project's after them.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import BuildError
from ..workloads.kernel_source import KernelSource

# C++ on every target: no exceptions and no RTTI unless the project's cxxflags ask for them
CXX_FLAGS = ["-fno-exceptions", "-fno-rtti"]
# a header the compiler could not find (GCC's and clang's wording)
MISSING_HEADER = re.compile(r"fatal error: '?([\w./+-]+)'?(?::)? (?:No such file or directory|file not found)")


def project_flags(kernel: KernelSource) -> list[str]:
    """The size, then the project's include directories, defines and cflags or cxxflags."""
    return [f"-DWASMCU_N={kernel.n}", *kernel.c_flags]


def project_inputs(kernel: KernelSource) -> list:
    """Everything that can change a C or C++ build of the project, for the cache key: its
    sources and every file beside them and in its include directories (headers)."""
    files = set(kernel.files)
    roots = [kernel.directory, *kernel.include_dirs]
    for root in roots:
        files.update(f for f in Path(root).rglob("*") if f.is_file() and "__pycache__" not in f.parts
                     and f.suffix in (".h", ".hpp", ".hh", ".hxx", ".inc", ".def", ".c", ".cpp", ".cc", ".cxx"))
    ordered = sorted(files)
    # the sources named apart from the files beside them: two versions of a kernel in one
    # directory (kernel.c and its next version) have the same files but not the same sources
    return ["sources", *map(str, kernel.files), "files", *map(str, ordered), *ordered,
            kernel.build_table, kernel.entry]


def entry_source(kernel: KernelSource) -> str | None:
    """A C file exporting `run` that calls the project's `entry =` function; None when the
    entry is `run` itself. (A C++ entry must be declared extern "C".)"""
    if kernel.entry == "run":
        return None
    return ("#include <stdint.h>\n"
            f"uint32_t {kernel.entry}(uint32_t seed);\n"
            f"uint32_t run(uint32_t seed) {{ return {kernel.entry}(seed); }}\n")


def compile_all(cc_for, flags_for, files: list[Path], tmp: Path, *, target: str, what: str, run) -> list[Path]:
    """Compile each file to an object in `tmp` (C or C++ chosen by its suffix); a missing C++
    library header is an error naming the target."""
    objects = []
    for i, f in enumerate(files):
        lang = "c" if f.suffix == ".c" else "cpp"
        obj = tmp / f"{i:03d}_{f.stem}.o"
        try:
            run([*cc_for(lang), *flags_for(lang), "-c", str(f), "-o", str(obj)], what=f"{what} ({f.name})")
        except BuildError as exc:
            raise missing_header_error(exc, target, lang) from None
        objects.append(obj)
    return objects


def missing_header_error(exc: BuildError, target: str, lang: str) -> BuildError:
    """A compile error that is a C++ library header the target's toolchain does not ship
    becomes an error saying so; any other error is returned unchanged."""
    m = MISSING_HEADER.search(str(exc))
    if not m or lang != "cpp":
        return exc
    header = m.group(1)
    if "." in header:  # a C header or the project's own: the compiler's message says enough
        return exc
    return BuildError(f"the C++ library header <{header}> is not available for {target}: its toolchain ships no C++ "
                      f"standard library headers{CXX_LIBRARY_HINTS.get(target, '')}. Classes, templates, constexpr "
                      f"tables, new/delete and the C headers work there; use them, or run this kernel on the "
                      f"other targets.\n{exc}")


# where a target's C++ library comes from, when Debian has one
CXX_LIBRARY_HINTS = {
    "wasm32": " (apt-get install libc++-19-dev-wasm32 libc++abi-19-dev-wasm32)",
    "thumb": " (apt-get install libstdc++-arm-none-eabi-picolibc)",
    "riscv": " (Debian packages no C++ library for riscv64-unknown-elf with picolibc)",
}
