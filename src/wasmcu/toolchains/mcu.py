"""Bare-metal builds for the boards: kernels, runtimes and firmware images.

Firmware is built with the distribution's cross compilers and picolibc (its crt0 with
semihosting, its linker script with the device's real flash and RAM placed by
`--defsym`), so a firmware image that does not fit the device fails to link, and
that failure is turned into a `does-not-fit` result with the sizes.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import tools
from ..errors import BuildError, DoesNotFit
from ..model import FIRMWARE_CCS
from ..workloads import SEED
from ..workloads.kernel_source import KernelSource
from . import cfamily, libcost
from .cache import cached, digest
from .prefix_map import PATHS_MAPPED, path_maps
from . import rust, zig

CXX_SUPPORT = Path(__file__).resolve().parent / "cxx_support.cpp"

RUST_LIBRARY = Path("lib/rustlib/src/rust/library")  # under rustc's sysroot (Debian's rust-src)


@dataclass(frozen=True)
class Arch:
    cc: str
    cflags: tuple[str, ...]
    rust_target: str
    qemu: str
    isa: str
    rust_features: str = ""   # rustc -C target-feature, matching cflags' FPU
    firmware_cc: str = "gcc"  # what compiles the kernel and the runtime libraries: gcc (cc) or clang


def _arch(data: dict) -> Arch:
    tc, q = data["toolchain"], data.get("qemu", {})
    return Arch(tc["cc"], tuple(tc["cflags"]), tc["rust_target"], q.get("binary", ""), data["isa"],
                tc.get("rust_features", ""))


class _Arches(Mapping):
    """The architectures (wasmcu.devices: devices/arch/*.toml and the user's) as Arch records."""

    def __getitem__(self, name: str) -> Arch:
        from .. import devices

        return _arch(devices.arch_data(name))

    def __iter__(self):
        from .. import devices

        return iter(devices.arch_names())

    def __len__(self) -> int:
        from .. import devices

        return len(devices.arch_names())


ARCHES = _Arches()


def arch_of(device) -> Arch:
    """A device's architecture with its layers merged (a core may set its own cflags, a board
    its own QEMU program)."""
    return _arch(device.data)

# The compilers of a board's kernel and runtime libraries (the firmware is linked by the
# architecture's GCC either way, with picolibc and libgcc: the objects share the EABI).
CLANG = "clang-19"
GCC_ONLY_FLAGS = ("-misa-spec=",)


def with_compiler(arch: Arch, firmware_cc: str) -> Arch:
    """The architecture with its kernel and runtime libraries compiled by `firmware_cc`."""
    if firmware_cc not in FIRMWARE_CCS:
        raise BuildError(f"unknown firmware compiler {firmware_cc!r}: use one of {', '.join(FIRMWARE_CCS)}")
    return dataclasses.replace(arch, firmware_cc=firmware_cc)


def clang_target(arch: Arch) -> str:
    """Clang's target triple for the architecture (Rust's, except that Clang names the
    RISC-V extensions in -march, not in the triple)."""
    t = arch.rust_target
    return "riscv32-unknown-elf" if t.startswith("riscv32") else t


def picolibc_include(arch: Arch) -> Path:
    """picolibc's headers for the architecture, where its GCC finds them."""
    cc = _cc(arch)
    proc = subprocess.run([cc, "--specs=picolibc.specs", "-E", "-Wp,-v", "-x", "c", os.devnull],
                          capture_output=True, text=True)
    dirs = [ln.strip() for ln in proc.stderr.splitlines() if ln.startswith(" /") and "picolibc" in ln]
    if not dirs:
        raise BuildError(f"picolibc's headers for {arch.cc} were not found: install picolibc for it "
                         f"(Debian: picolibc-{arch.cc.rsplit('-', 1)[0]})")
    return Path(dirs[0])


def _compiler(arch: Arch, flags: list[str]) -> tuple[str, list[str]]:
    """The compiler of the kernel and the runtime libraries and `flags` (written for GCC with
    picolibc's specs) as it takes them."""
    if arch.firmware_cc == "gcc":
        return _cc(arch), flags
    clang = tools.require(CLANG)
    out = [f"--target={clang_target(arch)}"]
    for f in flags:
        if f == "--specs=picolibc.specs":
            out += ["-isystem", str(picolibc_include(arch)), "-ftls-model=local-exec"]
        elif not f.startswith(GCC_ONLY_FLAGS):
            out.append(f)
    return clang, out


RUST_OPT = {"-O0": "0", "-O1": "1", "-Og": "1", "-O2": "2", "-O3": "3", "-Os": "s", "-Oz": "z"}
SECTION_FLAGS = ["-ffunction-sections", "-fdata-sections"]


def _cc(arch: Arch) -> str:
    return tools.require(arch.cc)


def _rustc_sysroot_uncached(rustc: str) -> str:
    """rustc's own sysroot (asked once per rustc: every Rust cell needs it)."""
    return subprocess.run([rustc, "--print", "sysroot"], capture_output=True, text=True).stdout.strip()


# cached; the function above is a plain one because mutation testing skips decorated functions
_rustc_sysroot = functools.lru_cache(maxsize=None)(_rustc_sysroot_uncached)


def rust_sysroot(arch: Arch) -> Path:
    """A sysroot with `core` and `alloc` built from Debian's rust-src and an empty
    compiler_builtins (the intrinsics come from GCC's libgcc and picolibc at link time).
    A few minutes once per target on a busy machine; cached."""
    rustc = tools.require("rustc")
    library = Path(_rustc_sysroot(rustc)) / RUST_LIBRARY
    core_src, alloc_src = library / "core/src/lib.rs", library / "alloc/src/lib.rs"
    for src in (core_src, alloc_src):
        if not src.is_file():
            raise BuildError(f"Rust's library sources were not found at {src}: apt-get install rust-src")
    features = ["-C", f"target-feature={arch.rust_features}"] if arch.rust_features else []
    key = digest("rust-sysroot", arch.rust_target, features, tools.version(rustc), "core+alloc")

    def build(tmp: Path) -> dict:
        lib = tmp / "lib" / "rustlib" / arch.rust_target / "lib"
        lib.mkdir(parents=True)
        env = rust.bootstrap_env()
        common = ["--edition", "2021", "--crate-type", "rlib", "--target", arch.rust_target,
                  "-C", "opt-level=2", "-C", "panic=abort", "-C", "debuginfo=0", *features]
        tools.run([rustc, *common, "--crate-name", "core", str(core_src), "-o", str(lib / "libcore.rlib")],
                  env=env, what=f"building Rust core for {arch.rust_target}")
        cb = tmp / "compiler_builtins.rs"
        cb.write_text("#![feature(compiler_builtins)]\n#![compiler_builtins]\n#![no_std]\n")
        tools.run([rustc, *common, "--crate-name", "compiler_builtins", "--sysroot", str(tmp), str(cb),
                   "-o", str(lib / "libcompiler_builtins.rlib")], env=env, what="building compiler_builtins")
        tools.run([rustc, *common, "--crate-name", "alloc", "--sysroot", str(tmp), str(alloc_src),
                   "-o", str(lib / "liballoc.rlib")], env=env, what=f"building Rust alloc for {arch.rust_target}")
        return {"rustc": tools.version(rustc), "target": arch.rust_target, "crates": ["core", "alloc"]}

    return cached("rust-sysroot", key, build)


def kernel_object(kernel: KernelSource, arch: Arch, opt: str) -> Path:
    """The kernel compiled for the board: an object (C) or a static library (Rust)."""
    source, lang, n = kernel.root, kernel.lang, kernel.n
    if lang in ("c", "cpp"):
        if lang == "cpp" and arch.firmware_cc != "gcc":
            raise BuildError(f"a C++ kernel is built for a board by GCC only (its libstdc++ comes with GCC's "
                             f"picolibc): drop --firmware-cc {arch.firmware_cc} for C++ cells")
        cc, base = _compiler(arch, [*arch.cflags, opt, *SECTION_FLAGS, "--specs=picolibc.specs"])
        extra = cfamily.project_flags(kernel)
        key = digest(f"mcu-kernel-{lang}", *cfamily.project_inputs(kernel), base, extra, tools.version(cc),
                     PATHS_MAPPED)

        def cc_for(file_lang):
            return [cc] if file_lang == "c" else [_cxx(arch)]

        def build(tmp: Path) -> dict:
            maps = path_maps((kernel.directory, kernel.workload), (tmp, "build"))

            def flags_for(file_lang):
                return [*base, *([] if file_lang == "c" else cfamily.CXX_FLAGS), *extra, *maps]

            files = list(kernel.files)
            wrapper = cfamily.entry_source(kernel)
            if wrapper:
                (tmp / "wasmcu_entry.c").write_text(wrapper)
                files = [*files, tmp / "wasmcu_entry.c"]
            objs = cfamily.compile_all(cc_for, flags_for, files, tmp, target=_target_name(arch),
                                       what=f"cross-compiling {kernel.workload}", run=tools.run)
            if len(objs) == 1:
                objs[0].rename(tmp / "kernel.o")
            else:  # one relocatable object, as a single-file kernel is
                tools.run([_cc(arch), *arch.cflags, "-nostdlib", "-r", *map(str, objs), "-o", str(tmp / "kernel.o")],
                          what=f"combining {kernel.workload}'s objects")
                for o in objs:
                    o.unlink()
            return {"compiler": tools.version(cc), "flags": [*base, *extra]}

        return cached("mcu-kernel", key, build) / "kernel.o"
    if lang == "rust":
        rustc = tools.require("rustc")  # the same rustc as the sysroot's, WASMCU_RUSTC included
        sysroot = rust_sysroot(arch)
        flags = ["--edition", "2021", "--crate-type", "staticlib", "--target", arch.rust_target,
                 "-C", f"opt-level={RUST_OPT.get(opt, '2')}", "-C", "panic=abort", "-C", "debuginfo=0"]
        if arch.rust_features:
            flags += ["-C", f"target-feature={arch.rust_features}"]
        flags += rust.user_flags(kernel)
        version = tools.version(rustc)
        key = digest("mcu-kernel-rust", *rust.key_parts(kernel, "libc"), flags, n, version, str(sysroot), PATHS_MAPPED)

        def build(tmp: Path) -> dict:
            root = tmp / "lib.rs"
            root.write_text(rust.crate_root(source, n, panic_body=rust.PANIC_REPORT, allocator="libc", oom_body=rust.OOM_REPORT,
                                            rustc_version=version, arm_eabi=arch.rust_target.startswith("thumb"),
                                            entry=rust.entry(kernel)))
            maps = path_maps((kernel.directory, kernel.workload), (tmp, "build"), rust=True)
            tools.run([rustc, *flags, *maps, "--sysroot", str(sysroot), str(root), "-o", str(tmp / "libkernel.a")],
                      cwd=tmp, env=rust.bootstrap_env(source), what=f"rustc for {arch.rust_target}")
            return {"compiler": version, "flags": flags}

        return cached("mcu-kernel", key, build) / "libkernel.a"
    if lang == "zig":
        return zig.build_mcu(kernel, arch, opt)
    raise BuildError(f"a {lang} workload has no native build for a board")


def _cxx(arch: Arch) -> str:
    """The board's C++ compiler (the C compiler's g++ beside it)."""
    cc = _cc(arch)
    cxx = cc[:-3] + "g++" if cc.endswith("gcc") else cc
    if not os.path.exists(cxx):
        raise BuildError(f"no C++ compiler for {_target_name(arch)}: {cxx} is missing (it comes with {arch.cc}'s "
                         f"Debian package)")
    return cxx


def _target_name(arch: Arch) -> str:
    return f"{arch.rust_target.split('-')[0]} ({arch.cc.rsplit('-', 1)[0]} with picolibc)"


def cxx_library(arch: Arch) -> Path | None:
    """picolibc's libstdc++ for this core (multilib), or None when the toolchain has none."""
    cc = _cc(arch)
    specs = Path(subprocess.run([cc, "-print-file-name=picolibc.specs"], capture_output=True, text=True).stdout.strip())
    if not specs.is_file():
        return None
    m = re.search(r":(/[^ ;}]+/lib)/%M\}", specs.read_text())
    multi = subprocess.run([cc, *arch.cflags, "--specs=picolibc.specs", "-print-multi-directory"],
                           capture_output=True, text=True).stdout.strip()
    lib = Path(m.group(1)) / multi / "libstdc++.a" if m else None
    return lib if lib and lib.is_file() else None


def cxx_parts(arch: Arch, opt: str) -> list[Path]:
    """What a C++ kernel adds to a board's link: wasmcu's new/delete over malloc, without
    exceptions (cxx_support.cpp), then picolibc's libstdc++ where the toolchain has one."""
    lib = cxx_library(arch)
    cxx = _cxx(arch)
    flags = [*arch.cflags, opt, *SECTION_FLAGS, "--specs=picolibc.specs", *cfamily.CXX_FLAGS]
    key = digest("cxx-support", CXX_SUPPORT, flags, tools.version(cxx), PATHS_MAPPED)

    def build(tmp: Path) -> dict:
        tools.run([cxx, *flags, *path_maps(), "-c", str(CXX_SUPPORT), "-o", str(tmp / "cxx_support.o")],
                  what="compiling wasmcu's C++ support")
        return {"compiler": tools.version(cxx), "flags": flags}

    support = cached("cxx-support", key, build) / "cxx_support.o"
    return [support] if lib is None else [support, lib, lib.with_name("libsupc++.a")]


def firmware_flags(arch: Arch, opt: str, *extra: str) -> list[str]:
    """The flags every kernel and runtime library of a board is compiled with (GCC's
    spelling, picolibc's specs), then `extra`."""
    return [*arch.cflags, opt, *SECTION_FLAGS, "--specs=picolibc.specs", *extra]


def compile_library(kind: str, arch: Arch, flags: list[str], files: list[Path], archive: str,
                    *, what: str, key_parts=()) -> Path:
    """C sources compiled for the board (by the arch's firmware compiler, `flags` in GCC's
    spelling) into the static library `archive`, cached under `kind`. `key_parts`: other
    inputs the objects depend on (headers)."""
    cc, flags = _compiler(arch, flags)
    key = digest(kind, flags, tools.version(cc), *[f.read_bytes() for f in files], *key_parts, PATHS_MAPPED)

    def build(tmp: Path) -> dict:
        objs = []
        for f in files:
            obj = tmp / (f.stem + ".o")
            tools.run([cc, *flags, *path_maps(), "-c", str(f), "-o", str(obj)], what=f"compiling {what} {f.name}")
            objs.append(str(obj))
        tools.run([_cc(arch).replace("-gcc", "-ar"), "rcs", str(tmp / archive), *objs], what=f"archiving {what}")
        for o in objs:
            os.unlink(o)
        return {"compiler": tools.version(cc), "flags": flags}

    return cached(kind, key, build) / archive


@dataclass(frozen=True)
class FirmwareSources:
    """What one firmware image is made of besides its kernel and runtime parts, worked out by
    the backend: the C sources compiled into it (the firmware frame, the runtime's glue, a
    chip's start-up), the headers they include, the include directories, and the memory map
    the image is linked for (`__flash`, `__flash_size`, `__ram`, `__ram_size`) with
    picolibc's start-up and system-call layer (`oslib`), and the frame's own `defines`."""

    sources: tuple[Path, ...]
    headers: tuple[Path, ...]
    includes: tuple[Path, ...]
    layout: Mapping[str, int]
    oslib: tuple[str, ...]
    defines: tuple[str, ...] = ()


OVERFLOW = re.compile(r"region `(\w+)' overflowed by (\d+) bytes")
NOFIT = re.compile(r"section `?([.\w]+)'? will not fit in region `(\w+)'")


def link_firmware(device, arch: Arch, frame: FirmwareSources, parts: list[Path], opt: str, *,
                  includes: list[Path] = (), defines: list[str] = ()) -> tuple[Path, dict]:
    """Link a firmware image for `device` from `frame` (sources, memory map), the kernel and
    runtime `parts`, and the runtime's `includes` and `defines`; raise DoesNotFit when it
    exceeds the device."""
    cc = _cc(arch)
    stack = int(device.section("build").get("stack_bytes", 8192))
    layout = {**frame.layout, "__stack_size": stack}
    # the device's memory, then picolibc's own script (sections, TLS, heap and stack regions)
    linker_script = device.section("toolchain").get("linker_script", "picolibc.ld")
    script = "".join(f"{k} = {v:#x};\n" for k, v in layout.items()) + f"INCLUDE {linker_script}\n"
    flags = [*firmware_flags(arch, opt), *frame.oslib, "-Wl,--wrap=sbrk", "-Wl,--gc-sections", f"-DWASMCU_SEED={SEED}",
             *[f"-I{p}" for p in (*frame.includes, *includes)], *frame.defines, *defines]
    sources = [*frame.sources, *frame.headers]
    key = digest("firmware", flags, script, tools.version(cc), *sources, *parts, "map", PATHS_MAPPED)

    def build(tmp: Path) -> dict:
        elf = tmp / "firmware.elf"
        (tmp / "device.ld").write_text(script)
        cmd = [cc, *flags, *path_maps((tmp, "build")), "-T", str(tmp / "device.ld"), *map(str, frame.sources), *map(str, parts), "-o", str(elf),
               f"-Wl,-Map={tmp / 'firmware.map'}"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            _raise_link_error(proc.stderr, device)
        cost = libcost.firmware_library_cost((tmp / "firmware.map").read_text(), [str(p) for p in parts])
        return {"compiler": tools.version(cc), "flags": flags, "layout": layout, "library_cost": cost}

    directory = cached("firmware", key, build)
    from .cache import meta

    return directory / "firmware.elf", meta(directory)


def _raise_link_error(stderr: str, device) -> None:
    over = {}
    for region, amount in OVERFLOW.findall(stderr):
        over[region] = over.get(region, 0) + int(amount)
    if over or NOFIT.search(stderr):
        parts = []
        for region, amount in over.items() or [("ram", 0)]:
            has = device.flash_bytes if region == "flash" else device.ram_bytes
            what = "flash" if region == "flash" else "RAM"
            parts.append(f"needs {(has + amount) / 1024:.1f} KB of {what}, has {has / 1024:.0f} KB")
        raise DoesNotFit(f"does not fit {device.name}: " + "; ".join(parts))
    lines = [ln for ln in stderr.splitlines() if "GNU-stack" not in ln and "deprecated" not in ln]
    raise BuildError("linking the firmware failed:\n" + "\n".join(lines[-20:]))
