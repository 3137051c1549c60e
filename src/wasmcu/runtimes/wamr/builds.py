"""The WAMR builds a user has, found and checked: host builds, board libraries and wamrc.

WAMR is in no package registry, so wasmcu uses a WAMR the user built with WAMR's own
build system (`wasmcu wamr build`, see `build.py`) and finds it through settings:

    host   WASMCU_WAMR_CLASSIC / _FAST / _AOT, or [wamr] classic/fast/aot in the config
           file: a build directory of WAMR's product-mini/platforms/linux (it holds
           `iwasm` and `libiwasm.a`), or the `iwasm` in it; else an `iwasm` on PATH.
           WASMCU_WAMRC or [wamr] wamrc: the AOT compiler, else `wamrc` on PATH.
    board  WASMCU_WAMR_FIRMWARE_<ARCH>_<KIND> (e.g. ..._ARMV6M_CLASSIC) or
           [wamr.firmware] "armv6m-classic" = DIR: a build of WAMR's `vmlib` target
           with wasmcu's platform layer (DIR holds libiwasm.a).

Which interpreter a build really has is read from its symbols, not from its name.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ... import config, tools
from ...errors import CellError, RuntimeUnavailable
from ...toolchains.cache import cached, digest

DOC = "see the docs page 'Using WAMR'"


@dataclass
class WamrBuild:
    directory: Path          # the build directory
    library: Path            # libiwasm.a (or libvmlib.a)
    include: Path            # WAMR's core/iwasm/include
    interp: str | None       # 'classic', 'fast' or None (no interpreter)
    aot: bool

    def describe(self) -> str:
        parts = [f"{self.interp} interpreter" if self.interp else "no interpreter"]
        if self.aot:
            parts.append("AOT")
        return ", ".join(parts)


def _symbols(path: Path) -> str:
    nm = shutil.which("nm") or "nm"
    proc = subprocess.run([nm, "-A" if path.suffix == ".a" else "-a", str(path)], capture_output=True, text=True)
    return proc.stdout


def identify(path: Path) -> tuple[str | None, bool]:
    """(interpreter kind, has AOT) of an iwasm executable or a libiwasm.a, from its symbols."""
    st = Path(path).stat()  # asked for every cell: found once per file and version of it
    return _identify(Path(path), st.st_mtime_ns, st.st_size)


def _identify_uncached(path: Path, mtime_ns: int, size: int) -> tuple[str | None, bool]:
    syms = _symbols(path)
    interp = None
    if "wasm_interp_call_func_bytecode" in syms or "wasm_interp_call_wasm" in syms:
        # the fast interpreter's threaded-code handler table exists only in fast builds
        interp = "fast" if "wasm_interp_get_handle_table" in syms else "classic"
    aot = bool(re.search(r"\baot_(load_from_aot_file|instantiate)\b", syms))
    return interp, aot


# cached; the function above is a plain one because mutation testing skips decorated functions
_identify = functools.lru_cache(maxsize=64)(_identify_uncached)


def has_aligned_stores(library: Path) -> bool:
    """Whether a board library's classic interpreter checks the alignment of its i64/f64 stores
    (built with wasmcu's platform/aligned_stores.h, for a core that faults on unaligned word access)."""
    return "wasmcu_store_unaligned_u64" in _symbols(Path(library))


def _wamr_source(build_dir: Path) -> Path | None:
    cache = build_dir / "CMakeCache.txt"
    if not cache.is_file():
        return None
    text = cache.read_text(errors="replace")
    m = re.search(r"^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$", text, re.M)
    if not m:
        return None
    home = Path(m.group(1).strip())
    for root in (home, *home.parents):
        if (root / "core" / "iwasm" / "include" / "wasm_export.h").is_file():
            return root
    return None


def open_build(location: str) -> WamrBuild:
    """A WAMR build from a directory or an iwasm/library path; RuntimeUnavailable if unusable."""
    p = Path(location).expanduser()
    if p.is_file():
        p = p.resolve().parent
    if not p.is_dir():
        raise RuntimeUnavailable(f"{location} does not exist ({DOC})")
    lib = next((p / n for n in ("libiwasm.a", "libvmlib.a") if (p / n).is_file()), None)
    if lib is None:
        raise RuntimeUnavailable(f"{p} holds no libiwasm.a: point wasmcu at the WAMR build directory ({DOC})")
    if (p / "include" / "wasm_export.h").is_file():  # headers copied by `wasmcu wamr build`
        include = p / "include"
    else:  # a build by hand: the headers are in the source tree it was configured from
        src = _wamr_source(p)
        if src is None:
            raise RuntimeUnavailable(f"cannot find WAMR's headers for the build in {p}: no include/ in it and no "
                                     f"source tree in its CMakeCache.txt (did the source tree move?) ({DOC})")
        include = src / "core" / "iwasm" / "include"
    interp, aot = identify(lib)
    return WamrBuild(p, lib, include, interp, aot)


def _where(version: str | None) -> tuple:
    """The config table of a WAMR version's builds ([wamr.versions."2.4.5"]) or of the default ([wamr])."""
    return ("wamr", "versions", version) if version else ("wamr",)


def host_build(kind: str, version: str | None = None) -> WamrBuild:
    """The host build for kind 'classic', 'fast' or 'aot' (of the default WAMR, or of `version`),
    checked against what it really is."""
    env = f"WASMCU_WAMR_{kind.upper()}" if not version else ""
    location, origin = config.lookup_origin(env, *_where(version), kind)
    if location is None and version:
        raise RuntimeUnavailable(f"no WAMR {version} host build for wamr-{kind}: run `wasmcu wamr build` on a WAMR "
                                 f"{version} source tree ({DOC})")
    if location is None:
        iwasm = shutil.which("iwasm")
        if iwasm is None:
            option = "-DWAMR_BUILD_AOT=1" if kind == "aot" else f"-DWAMR_BUILD_FAST_INTERP={int(kind == 'fast')}"
            raise RuntimeUnavailable(
                f"no WAMR build found for wamr-{kind}: run `wasmcu wamr build PATH-TO-WAMR-SOURCE`, or build "
                f"WAMR 2.4 (product-mini/platforms/linux, {option}) and set {env} to its build directory, or put "
                f"its iwasm on PATH ({DOC})")
        location, origin = iwasm, f"iwasm on PATH ({iwasm})"
    build = open_build(location)
    if kind == "aot" and not build.aot:
        raise RuntimeUnavailable(f"the WAMR build at {origin} has no AOT support ({build.describe()}): "
                                 f"rebuild with -DWAMR_BUILD_AOT=1 ({DOC})")
    if kind != "aot" and build.interp != kind:
        raise RuntimeUnavailable(f"the WAMR build at {origin} is a {build.describe()} build, not the {kind} "
                                 f"interpreter: point it at a build with -DWAMR_BUILD_FAST_INTERP="
                                 f"{int(kind == 'fast')} ({DOC})")
    return build


def firmware_build(arch: str, kind: str, version: str | None = None) -> WamrBuild:
    env = f"WASMCU_WAMR_FIRMWARE_{arch.upper()}_{kind.upper()}" if not version else ""
    location, origin = config.lookup_origin(env, *_where(version), "firmware", f"{arch}-{kind}")
    what = "AOT loader" if kind == "aot" else f"{kind} interpreter"
    if location is None:
        raise RuntimeUnavailable(
            f"no WAMR library for {arch} ({what}): run `wasmcu wamr build PATH-TO-WAMR-SOURCE`, or build WAMR's "
            f"vmlib target with wasmcu's platform layer and toolchain file for {arch} and set {env} to the build "
            f"directory ({DOC})")
    build = open_build(location)
    if (kind == "aot" and not build.aot) or (kind != "aot" and build.interp != kind):
        raise RuntimeUnavailable(f"the WAMR library at {origin} is a {build.describe()} build, not the {what} ({DOC})")
    return build


def wamrc(version: str | None = None) -> str:
    path, origin = config.lookup_origin("WASMCU_WAMRC" if not version else "", *_where(version), "wamrc")
    if path is None:
        path = shutil.which("wamrc")
        if path is None:
            raise RuntimeUnavailable(f"wamrc (WAMR's AOT compiler) was not found: run `wasmcu wamr build "
                                     f"PATH-TO-WAMR-SOURCE` (needs llvm-19-dev), or build wamr-compiler and set "
                                     f"WASMCU_WAMRC to it, or put it on PATH ({DOC})")
    if not os.access(path, os.X_OK):
        raise RuntimeUnavailable(f"wamrc at {origin} is not an executable file ({DOC})")
    return path


def wamrc_options(arch: str) -> list[str]:
    """wamrc's target options for a board architecture (its arch file's [wamr] wamrc). --xip:
    the code runs in place from flash (calls go through the runtime's function table, no
    relocation patches the code); soft float, as the firmware is built."""
    from ... import devices

    options = devices.arch_data(arch).get("wamr", {}).get("wamrc")
    if not options:
        raise RuntimeUnavailable(f"architecture {arch!r} has no wamrc options: add [wamr] wamrc to its arch file")
    return list(options)


def compile_aot(wasm: Path, arch: str | None = None, version: str | None = None) -> Path:
    """The module compiled by the user's wamrc, for the host or a board architecture (cached)."""
    compiler = wamrc(version)
    options = wamrc_options(arch) if arch else []
    key = digest("wamr-aot", wasm, options, tools.version(compiler))

    def build(tmp: Path) -> dict:
        proc = subprocess.run([compiler, *options, "-o", str(tmp / "module.aot"), str(wasm)], capture_output=True,
                              text=True)
        if proc.returncode != 0 or not (tmp / "module.aot").is_file():
            raise CellError(f"wamrc could not compile the module: {(proc.stdout + proc.stderr).strip()[-300:]}",
                            "build-failed")
        return {"wamrc": tools.version(compiler), "options": options}

    return cached("wamr-aot", key, build) / "module.aot"


def aot_c_array(aot: Path) -> Path:
    """An AOT module as a C array in flash, where WAMR runs its code in place (XIP)."""
    from ...toolchains.wasm import c_array_source

    key = digest("wamr-aot-array", aot)

    def build(tmp: Path) -> dict:
        (tmp / "module_aot.c").write_text(c_array_source(aot.read_bytes()))
        return {"aot_bytes": aot.stat().st_size}

    return cached("wamr-aot-array", key, build) / "module_aot.c"


def versions() -> list[str]:
    """The WAMR versions registered side by side ([wamr.versions], written by `wasmcu wamr build`)."""
    table = config.settings().get("wamr", {}).get("versions", {})
    return [v for v, t in table.items() if isinstance(t, dict)] if isinstance(table, dict) else []


def build_identity(build: WamrBuild) -> dict:
    """The version, source hash and source tree of a WAMR build: recorded by `wasmcu wamr build` beside
    its builds (wasmcu-build.json), else read from the source tree its CMakeCache.txt names."""
    info_file = build.directory.parent / "wasmcu-build.json"
    if info_file.is_file():
        info = json.loads(info_file.read_text())
        return {"version": info.get("version"), "source_sha256": info.get("source_sha256"),
                "from": f"{info.get('source')} (built into {build.directory})"}
    tree = _wamr_source(build.directory)
    if tree is None:
        return {"version": None, "source_sha256": None, "from": str(build.directory)}
    from .build import tree_identity

    version, sha = tree_identity(str(tree))
    return {"version": version, "source_sha256": sha, "from": f"{tree} (built into {build.directory})"}
