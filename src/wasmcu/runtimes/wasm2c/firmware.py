"""wasm2c in firmware: the module translated to C and compiled for a board with wabt's runtime."""

from __future__ import annotations

from pathlib import Path

from ...toolchains import mcu
from .translate import runtime_sources, translate

# POSIX headers wabt's runtime names but never uses on a 32-bit target (sys/mman.h)
INCLUDE = Path(__file__).resolve().parent / "include"


def abi_flags(arch: mcu.Arch) -> list[str]:
    """The Arm EABI's default short enums make wabt's runtime call va_arg with a one-byte
    enum (undefined behaviour: GCC compiles it to a trap). wasm2c code, its runtime and its
    glue are built with int-sized enums; no enum crosses into picolibc."""
    return ["-fno-short-enums", "-Wl,--no-enum-size-warning"] if arch.isa == "thumb" else []


def library(wasm: Path, arch: mcu.Arch, opt: str) -> tuple[Path, Path]:
    """A module translated by wabt's wasm2c and compiled for the board with wabt's runtime:
    (the static library, the directory of its headers). Memory accesses are bounds-checked
    in code."""
    src, rt = translate(wasm), runtime_sources()
    flags = [*arch.cflags, *abi_flags(arch), opt, *mcu.SECTION_FLAGS, "--specs=picolibc.specs", "-Wno-unused-value",
             f"-I{src}", f"-I{rt}", f"-I{INCLUDE}"]
    lib = mcu.compile_library("wasm2c-lib", arch, flags, [src / "kern.c", rt / "wasm-rt-impl.c"], "libkern.a",
                              what="wasm2c output for the board", key_parts=[INCLUDE / "sys" / "mman.h"])
    return lib, src
