"""`wasmcu wamr build PATH`: every WAMR build wasmcu uses, from a WAMR source tree the user has.

wasmcu contains no WAMR code: this drives WAMR's own CMake on the user's tree, once per
configuration (host interpreters, the AOT compiler, and each board's runtime library with
wasmcu's bare-metal platform layer), copies WAMR's public headers next to each build so
the builds keep working if the source tree moves, and writes where they are into the
user's config file.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ... import config
from ...errors import ConfigError, WasmcuError

SUPPORTED = (2, 4)  # the WAMR release series wasmcu is tested with
PLATFORM_DIR = Path(__file__).resolve().parent / "platform"  # wasmcu's bare-metal platform layer for WAMR


def firmware_arches() -> dict[str, str]:
    """Each board architecture's WAMR_BUILD_TARGET (its arch file's [wamr] target)."""
    from ... import devices

    return {a: devices.arch_data(a)["wamr"]["target"] for a in devices.arch_names()
            if devices.arch_data(a).get("wamr", {}).get("target")}

def aligned_stores(arch: str) -> bool:
    """Whether `arch`'s classic interpreter is built with alignment-checked i64/f64 stores (its arch
    file's [wamr] aligned_stores: the core faults on unaligned word access)."""
    from ... import devices

    return bool(devices.arch_data(arch).get("wamr", {}).get("aligned_stores", False))


HEADERS = ("wasm_export.h", "lib_export.h", "wasm_c_api.h")
COMMON = ["-DCMAKE_BUILD_TYPE=Release", "-DWAMR_BUILD_SIMD=0", "-DWAMR_BUILD_LIBC_WASI=0"]
BOARD = ["-DWAMR_BUILD_PLATFORM=wasmcu", "-DWAMR_BUILD_LIBC_BUILTIN=0", "-DWAMR_BUILD_THREAD_MGR=0",
         "-DWAMR_BUILD_LIB_PTHREAD=0", "-DWAMR_DISABLE_HW_BOUND_CHECK=1", "-DWAMR_BUILD_INVOKE_NATIVE_GENERAL=1"]


class WamrBuildError(WasmcuError):
    """A WAMR configuration did not configure or build; the message names its log."""


@dataclass
class Step:
    name: str              # e.g. "host-classic", "armv6m-fast", "wamrc"
    source: str            # directory of the CMake project, relative to the WAMR tree
    options: list[str]
    target: str | None     # cmake --build --target (None: all)
    config_key: tuple      # where the build goes in the config file
    product: str           # the file a finished build holds
    headers: bool = True


@dataclass
class Outcome:
    built: dict[str, Path] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    config_file: Path | None = None
    version: str = ""


def source_version(tree: Path) -> tuple[int, int, int]:
    """The release version of a WAMR source tree (core/version.h); ConfigError if not a WAMR tree."""
    tree = Path(tree)
    expected = ("a WAMR source tree (a clone or release archive of github.com/wasm-micro-runtime/wasm-micro-runtime, "
                "holding core/version.h, core/iwasm/include/wasm_export.h and wamr-compiler/)")
    if not tree.is_dir():
        raise ConfigError("no such directory", file=tree, expected=expected)
    version_h = tree / "core" / "version.h"
    if not version_h.is_file() or not (tree / "core" / "iwasm" / "include" / "wasm_export.h").is_file():
        raise ConfigError("not a WAMR source tree: core/version.h or core/iwasm/include/wasm_export.h is missing",
                          file=tree, expected=expected)
    text = version_h.read_text(errors="replace")
    parts = [re.search(rf"#define\s+WAMR_VERSION_{k}\s+(\d+)", text) for k in ("MAJOR", "MINOR", "PATCH")]
    if not all(parts):
        raise ConfigError("no WAMR_VERSION_MAJOR/MINOR/PATCH in core/version.h", file=version_h, expected=expected)
    return tuple(int(m.group(1)) for m in parts)


def tree_version(tree: Path) -> str:
    """The version a tree's builds are registered under: its release version, with the short commit
    of a git checkout that is not at a tag (`2.4.3+29b2783`)."""
    from ..source_tree import git_commit

    commit = git_commit(Path(tree))
    return ".".join(map(str, source_version(tree))) + (f"+{commit}" if commit else "")


def _tree_identity_uncached(tree: str) -> tuple[str | None, str | None]:
    """(version, sha256 over core/) of a WAMR source tree."""
    root = Path(tree)
    try:
        version = ".".join(map(str, source_version(root)))
    except Exception:  # noqa: BLE001 - the tree moved or changed: unknown
        return None, None
    h = hashlib.sha256()
    for p in sorted((root / "core").rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return version, h.hexdigest()


# cached; the function above is a plain one because mutation testing skips decorated functions
tree_identity = functools.lru_cache(maxsize=None)(_tree_identity_uncached)


def llvm_cmake_dir() -> Path | None:
    """Debian's LLVM (llvm-N-dev) for wamr-compiler: the newest installed one."""
    found = []
    for d in Path("/usr/lib").glob("llvm-*/lib/cmake/llvm/LLVMConfig.cmake"):
        m = re.match(r"llvm-(\d+)", d.parts[3])
        if m:
            found.append((int(m.group(1)), d.parent))
    return max(found)[1] if found else None


# CMAKE_SYSTEM_PROCESSOR of each instruction-set family (the arch files' `isa`)
CMAKE_PROCESSOR = {"thumb": "arm", "rv32": "riscv"}


def toolchain_text(arch: str) -> str:
    """A CMake toolchain file for a board architecture, from its arch file: the distribution's
    cross compiler and flags with picolibc."""
    from ... import devices

    data = devices.arch_data(arch)
    cc, flags = data["toolchain"]["cc"], " ".join([*data["toolchain"]["cflags"], "--specs=picolibc.specs"])
    return (f"# CMake toolchain file: bare-metal {arch} with the distribution's GCC and picolibc (generated by wasmcu\n"
            f"# from its arch file).\n"
            f"set (CMAKE_SYSTEM_NAME Generic)\n"
            f"set (CMAKE_SYSTEM_PROCESSOR {CMAKE_PROCESSOR[data['isa']]})\n"
            f"set (CMAKE_C_COMPILER {cc})\n"
            f"set (CMAKE_ASM_COMPILER {cc})\n"
            f"set (CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)\n"
            f'set (CMAKE_C_FLAGS_INIT "{flags} -ffunction-sections -fdata-sections")\n'
            f'set (CMAKE_ASM_FLAGS_INIT "{flags}")\n')


def toolchain_file(arch: str) -> Path:
    """The toolchain file of `arch`, written once into the build cache."""
    from ...toolchains.cache import cached, digest

    text = toolchain_text(arch)

    def build(tmp: Path) -> dict:
        (tmp / f"toolchain-{arch}.cmake").write_text(text)
        return {"arch": arch}

    return cached("wamr-toolchain", digest("wamr-toolchain", text), build) / f"toolchain-{arch}.cmake"


def steps(arches=None, *, wamrc: bool = True) -> list[Step]:
    targets = firmware_arches()
    arches = tuple(targets) if arches is None else arches
    out = [
        Step("host-classic", "product-mini/platforms/linux", [*COMMON, "-DWAMR_BUILD_FAST_INTERP=0", "-DWAMR_BUILD_AOT=1"],
             None, ("classic",), "libiwasm.a"),
        # the fast-interpreter build also loads AOT modules: it is wasmcu's `wamr-aot` host runtime
        Step("host-fast", "product-mini/platforms/linux", [*COMMON, "-DWAMR_BUILD_FAST_INTERP=1", "-DWAMR_BUILD_AOT=1"],
             None, ("fast",), "libiwasm.a"),
    ]
    if wamrc:
        out.append(Step("wamrc", "wamr-compiler", ["-DCMAKE_BUILD_TYPE=Release", "-DWAMR_BUILD_WITH_CUSTOM_LLVM=1"],
                        None, ("wamrc",), "wamrc", headers=False))
    for arch in arches:
        toolchain = [f"-DCMAKE_TOOLCHAIN_FILE={toolchain_file(arch)}",
                     f"-DSHARED_PLATFORM_CONFIG={PLATFORM_DIR / 'shared_platform.cmake'}",
                     f"-DWAMR_BUILD_TARGET={targets[arch]}", *COMMON, *BOARD]
        # a core that faults on unaligned word access: the classic interpreter's i64/f64 stores check it
        aligned = ["-DWASMCU_ALIGNED_STORES=1"] if aligned_stores(arch) else []
        for kind, opts in (("classic", ["-DWAMR_BUILD_INTERP=1", "-DWAMR_BUILD_FAST_INTERP=0", "-DWAMR_BUILD_AOT=0",
                                        *aligned]),
                           ("fast", ["-DWAMR_BUILD_INTERP=1", "-DWAMR_BUILD_FAST_INTERP=1", "-DWAMR_BUILD_AOT=0"]),
                           # AOT only: modules compiled by wamrc --xip run in place from flash
                           ("aot", ["-DWAMR_BUILD_INTERP=0", "-DWAMR_BUILD_AOT=1"])):
            out.append(Step(f"{arch}-{kind}", ".", toolchain + opts, "vmlib", ("firmware", f"{arch}-{kind}"),
                            "libiwasm.a"))
    return out


def _run(cmd: list[str], log: Path, what: str, cwd: Path | None = None) -> None:
    with open(log, "a") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=cwd)
    if proc.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise WamrBuildError(f"{what} failed (exit {proc.returncode}); full log: {log}\n{tail}")


def build(tree: Path, out: Path, *, only: list[str] | None = None, jobs: int | None = None, any_version: bool = False,
          write_config: bool = True, make_default: bool | None = None,
          progress: Callable[[str], None] = print) -> Outcome:
    """Configure and build every configuration (or those named in `only`) of WAMR at `tree` into `out`.

    The builds are registered under their version ([wamr.versions."2.4.5"]: `wamr-classic@2.4.5`, ...)
    beside the others; they become the default (the plain names, [wamr]) when there is none yet,
    or when `make_default` is True."""
    tree = Path(tree).resolve()
    version = source_version(tree)
    vtext = tree_version(tree)
    if version[:2] != SUPPORTED and not any_version:
        raise ConfigError(f"WAMR {vtext} is not the release series wasmcu supports", file=tree,
                          expected=f"WAMR {SUPPORTED[0]}.{SUPPORTED[1]}.x (or pass --any-version to try it anyway)")
    if shutil.which("cmake") is None:
        raise ConfigError("cmake was not found", expected="apt-get install cmake")
    out = Path(out).expanduser().resolve()
    (out / "logs").mkdir(parents=True, exist_ok=True)
    llvm = llvm_cmake_dir()
    plan = steps()
    if only:
        unknown = set(only) - {s.name for s in plan}
        if unknown:
            raise ConfigError(f"unknown WAMR configuration(s) {', '.join(sorted(unknown))}",
                              expected="some of " + ", ".join(s.name for s in plan))
        plan = [s for s in plan if s.name in only]
    outcome = Outcome(version=vtext)
    jobs = jobs or os.cpu_count() or 1
    for i, step in enumerate(plan, 1):
        where = out / step.name
        log = out / "logs" / f"{step.name}.log"
        log.write_text("")
        options = list(step.options)
        if step.name == "wamrc":
            if llvm is None:
                outcome.skipped[step.name] = "no LLVM development files: apt-get install llvm-19-dev (then run again)"
                progress(f"[{i}/{len(plan)}] {step.name}: skipped, {outcome.skipped[step.name]}")
                continue
            options.append(f"-DLLVM_DIR={llvm}")
        progress(f"[{i}/{len(plan)}] {step.name}: configuring")
        _run(["cmake", "-S", str(tree / step.source), "-B", str(where), *options], log, f"configuring {step.name}")
        progress(f"[{i}/{len(plan)}] {step.name}: building (log: {log})")
        cmd = ["cmake", "--build", str(where), "-j", str(jobs)]
        if step.target:
            cmd += ["--target", step.target]
        _run(cmd, log, f"building {step.name}")
        product = where / step.product
        if not product.exists():
            raise WamrBuildError(f"building {step.name} finished without {product}; log: {log}")
        if step.headers:
            inc = where / "include"
            inc.mkdir(exist_ok=True)
            for h in HEADERS:
                shutil.copyfile(tree / "core" / "iwasm" / "include" / h, inc / h)
        outcome.built[step.name] = product if step.name == "wamrc" else where
    _write_identity(tree, out, vtext)
    if write_config and outcome.built:
        outcome.config_file = _write_config(outcome, plan, make_default=make_default)
    return outcome


def _write_identity(tree: Path, out: Path, version: str) -> None:
    """wasmcu-build.json beside the builds: the version, the source tree and a sha256 over its core/."""
    import json

    _, sha = tree_identity(str(tree))
    (out / "wasmcu-build.json").write_text(json.dumps({"version": version, "source": str(tree),
                                                       "source_sha256": sha}, indent=1) + "\n")


def _write_config(outcome: Outcome, plan: list[Step], make_default: bool | None = None) -> Path:
    """Merge the build paths into the user's config file (the one wasmcu reads, else the user-wide one):
    under [wamr.versions."VERSION"], and under [wamr] (the default) when there is none or `make_default`."""
    import tomli_w

    path = Path(os.environ["WASMCU_CONFIG"]) if os.environ.get("WASMCU_CONFIG") else \
        config.config_file() or Path.home() / ".config" / "wasmcu" / "config.toml"
    data = copy.deepcopy(config.settings()) if path.is_file() else {}
    data.setdefault("wamr", {})
    name, where = next(iter(outcome.built.items()))  # <out>/<step> (wamrc: <out>/wamrc/wamrc)
    out_dir = str(Path(where).parent.parent if name == "wamrc" else Path(where).parent)
    current = data["wamr"].get("classic") or data["wamr"].get("fast") or ""
    # a default of another tree stays the default; a rebuild into the default's own directory updates it
    has_default = bool(current) and not current.startswith(out_dir + os.sep) or \
        (not current and "firmware" in data["wamr"])
    targets = [data["wamr"].setdefault("versions", {}).setdefault(outcome.version, {})]
    if make_default or (make_default is None and not has_default):
        targets.append(data["wamr"])
    for wamr in targets:
        _merge(wamr, outcome, plan)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# written by `wasmcu wamr build` (comments of an earlier file are not kept)\n"
                    + tomli_w.dumps(data))
    return path


def _merge(wamr: dict, outcome: Outcome, plan: list[Step]) -> None:
    for step in plan:
        if step.name not in outcome.built:
            continue
        table = wamr
        for key in step.config_key[:-1]:
            table = table.setdefault(key, {})
        table[step.config_key[-1]] = str(outcome.built[step.name])
        if step.name == "host-fast":
            wamr["aot"] = str(outcome.built[step.name])
