"""The wasm3 builds a user registered (`wasmcu wasm3 build`): found in the config, compiled for the host and boards.

The config file lists them as `[wasm3.builds] "VERSION" = DIR`; DIR holds wasm3's C sources
(`src/`) and what `build.py` recorded about them (`wasmcu-build.json`: version, source tree,
sha256 of the sources). The host program (`bench.c`) and the firmware libraries are compiled
from DIR on demand and cached by the sources' content.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ... import config, tools
from ...errors import ConfigError, RuntimeUnavailable
from ..harness_output import HOST_PROGRAM_H
from ...toolchains import mcu
from ...toolchains.cache import cached, digest

HARNESS = Path(__file__).with_name("bench.c")
INFO = "wasmcu-build.json"  # what a build directory holds about itself
DOC = "see the docs page 'Runtime versions'"
# wasm3's host build: its own release flags; no tracer (as in the firmware)
HOST_FLAGS = ["-O3", "-Dd_m3HasTracer=0"]


def c_sources(src: Path) -> list[Path]:
    """The interpreter's C files (wasm3's host-API bindings, m3_api_*, are not needed: kernels import nothing)."""
    return sorted(p for p in src.glob("*.c") if not p.name.startswith("m3_api_"))


def source_hash(src: Path) -> str:
    """sha256 over the names and bytes of the interpreter's C and header files."""
    h = hashlib.sha256()
    for p in sorted([*c_sources(src), *src.glob("*.h")]):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def m3_version(src: Path) -> str:
    """M3_VERSION of wasm3's sources (wasm3.h)."""
    text = (src / "wasm3.h").read_text(errors="replace")
    m = re.search(r'#\s*define\s+M3_VERSION\s+"([^"]+)"', text)
    if not m:
        raise ConfigError("no M3_VERSION in wasm3.h", file=src / "wasm3.h",
                          expected="a wasm3 source tree (wasm3.h defines M3_VERSION)")
    return m.group(1)




@dataclass(frozen=True)
class Wasm3Build:
    version: str
    directory: Path
    source: str              # the tree (or archive) it was built from
    source_sha256: str
    origin: str              # where wasmcu found it (the config entry)

    @property
    def src(self) -> Path:
        return self.directory / "src"


def configured() -> dict[str, tuple[str, str]]:
    """VERSION -> (directory, where it is configured) from the config file's [wasm3.builds]."""
    table = config.settings().get("wasm3", {})
    builds = table.get("builds", {}) if isinstance(table, dict) else {}
    if not isinstance(builds, dict):
        raise ConfigError("invalid [wasm3] builds", file=config.config_file(), field="wasm3.builds",
                          expected='a table of "VERSION" = "DIRECTORY"')
    out = {}
    for version, location in builds.items():
        if not isinstance(location, str):
            raise ConfigError(f"invalid value {location!r}", file=config.config_file(),
                              field=f'wasm3.builds."{version}"', expected="a directory written by `wasmcu wasm3 build`")
        _, origin = config.lookup_origin("", "wasm3", "builds", version)
        out[version] = (str(Path(location).expanduser()), origin)
    return out


def open_build(directory: Path, version: str, origin: str = "") -> Wasm3Build:
    """The build in `directory`; RuntimeUnavailable when it is gone or incomplete."""
    d = Path(directory)
    info_file = d / INFO
    if not info_file.is_file() or not (d / "src" / "wasm3.h").is_file():
        raise RuntimeUnavailable(f"the wasm3 {version} build at {d} is missing or incomplete ({origin or d}): run "
                                 f"`wasmcu wasm3 build PATH-TO-WASM3-SOURCE` again ({DOC})")
    info = json.loads(info_file.read_text())
    return Wasm3Build(version=version, directory=d, source=info.get("source", ""),
                      source_sha256=info.get("source_sha256", ""), origin=origin or str(d))


def find(version: str) -> Wasm3Build:
    builds = configured()
    if version not in builds:
        raise RuntimeUnavailable(f"no wasm3 {version} build is configured ({DOC})")
    directory, origin = builds[version]
    return open_build(Path(directory), version, origin)


def _files(b: Wasm3Build) -> list[Path]:
    return c_sources(b.src)


def harness(b: Wasm3Build, defines: list[str] = (), program: Path = HARNESS) -> Path:
    """wasmcu's host program (bench.c, or another such as contain.c) compiled with the build's
    sources and `defines` (cached by content)."""
    cc = tools.require("cc")
    files = _files(b)
    headers = sorted(b.src.glob("*.h"))
    flags = [*HOST_FLAGS, *defines]
    key = digest("wasm3-bench", program, HOST_PROGRAM_H, flags, tools.version(cc),
                 *[f.read_bytes() for f in files + headers])

    def make(tmp: Path) -> dict:
        tools.run([cc, *flags, f"-I{b.src}", f"-I{HOST_PROGRAM_H.parent}", str(program), *map(str, files), "-o", str(tmp / "wasm3_bench"),
                   "-lm"], what=f"compiling wasmcu's host program {program.name} with wasm3 {b.version}")
        return {"wasm3": b.version, "source_sha256": b.source_sha256, "flags": flags}

    return cached("wasm3-bench", key, make) / "wasm3_bench"


def target_flags(arch: mcu.Arch) -> list[str]:
    """wasm3 defines an architecture needs. Newer wasm3 marks its dispatch calls `musttail` where
    the compiler has the attribute; Clang has it but cannot keep the promise in Thumb-1 code (a
    fatal backend error), so there wasm3 is told the target has no guaranteed tail call (its
    interpreter then returns from each operation, as 0.5.0 always did on the Cortex-M0+)."""
    if arch.firmware_cc == "clang" and mcu.clang_target(arch).startswith("thumbv6m"):
        return ["-DM3_HAS_TAIL_CALL=0"]
    return []


def library(b: Wasm3Build, arch: mcu.Arch, opt: str, defines: list[str] = ()) -> Path:
    """The build's sources compiled for a board, without the tracer (as the built-in wasm3's);
    `defines`: wasm3 settings (-Dd_m3...) of the cell."""
    headers = [h.read_bytes() for h in sorted(b.src.glob("*.h"))]
    flags = mcu.firmware_flags(arch, opt, "-Dd_m3HasTracer=0", *target_flags(arch), *defines, f"-I{b.src}")
    return mcu.compile_library("wasm3-lib", arch, flags, _files(b), "libwasm3.a", what=f"wasm3 {b.version}",
                               key_parts=headers)
