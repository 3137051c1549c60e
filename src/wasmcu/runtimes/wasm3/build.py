"""`wasmcu wasm3 build PATH`: a wasm3 from any source tree, built for the host and every board, registered by version.

PATH is a wasm3 release or git checkout (its sources in `source/`), an unpacked pywasm3
source distribution (in `wasm3/`), a directory holding wasm3's sources itself, or a
`.tar.gz` of any of these (such as the pywasm3 archive the set-up keeps). wasmcu copies
the C sources into its own build directory (so the build keeps working when the tree moves
or changes), compiles wasmcu's host program against them and the firmware library for every
board architecture (a compile error stops here, with its log, not in a cell), and writes
the build into the user's config file as `[wasm3.builds] "VERSION" = DIR`: the runtime
`wasm3@VERSION` then runs wherever a runtime is named.

VERSION is the tree's `M3_VERSION`; a git checkout that is not exactly at a tag adds its
short commit (`0.9.0+c9b579d`).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ... import config
from ..source_tree import git_commit
from . import builds
from .builds import INFO, c_sources, m3_version, source_hash
from ...errors import ConfigError, WasmcuError

EXPECTED = ("a wasm3 source tree: a release or git checkout of github.com/wasm3/wasm3 (sources in source/), "
            "pywasm3's source distribution (sources in wasm3/), or a .tar.gz of one")
# the files every wasm3 source tree has (a tree without them is not one, or is incomplete)
REQUIRED = ("wasm3.h", "m3_core.c", "m3_env.c", "m3_exec.h", "m3_compile.c", "m3_parse.c")


class Wasm3BuildError(WasmcuError):
    """A wasm3 tree did not compile for the host or a board; the message names its log."""


@dataclass
class Outcome:
    version: str
    directory: Path
    built: dict[str, str] = field(default_factory=dict)   # "host", arch names -> what was built
    config_file: Path | None = None


def source_dir(tree: Path) -> Path:
    """The directory holding wasm3.h and its C sources in a tree; ConfigError when there is none."""
    tree = Path(tree)
    if not tree.is_dir():
        raise ConfigError("no such directory", file=tree, expected=EXPECTED)
    for cand in (tree / "source", tree / "wasm3", tree):
        if (cand / "wasm3.h").is_file():
            missing = [f for f in REQUIRED if not (cand / f).is_file()]
            if missing:
                raise ConfigError(f"an incomplete wasm3 source tree: {', '.join(missing)} missing in {cand}",
                                  file=tree, expected=EXPECTED)
            return cand
    raise ConfigError("not a wasm3 source tree: no wasm3.h in it, in source/ or in wasm3/", file=tree,
                      expected=EXPECTED)


def _unpack(archive: Path, into: Path) -> Path:
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(into, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(into)
    except (tarfile.TarError, OSError) as exc:
        raise ConfigError(f"cannot unpack the archive: {exc}", file=archive, expected=EXPECTED) from exc
    entries = [p for p in into.iterdir()]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else into


def default_out(version: str) -> Path:
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "wasmcu" / f"wasm3-{version}"


def build(tree: Path, out: Path | None = None, *, write_config: bool = True,
          progress: Callable[[str], None] = print) -> Outcome:
    """Copy wasm3's sources from `tree` into `out`, build them for the host and every board
    architecture, and register the build in the config file."""
    tree = Path(tree).expanduser().resolve()
    with tempfile.TemporaryDirectory(prefix="wasmcu-wasm3-") as tmp:
        if tree.is_file():
            root, commit = _unpack(tree, Path(tmp)), None
        else:
            root, commit = tree, git_commit(tree)
        src = source_dir(root)
        version = m3_version(src) + (f"+{commit}" if commit else "")
        out = Path(out).expanduser().resolve() if out else default_out(version)
        progress(f"wasm3 {version} from {src}: building into {out}")
        if (out / "src").exists():
            shutil.rmtree(out / "src")
        (out / "src").mkdir(parents=True)
        for p in [*c_sources(src), *src.glob("*.h")]:
            shutil.copyfile(p, out / "src" / p.name)
    info = {"version": version, "source": str(tree), "source_sha256": source_hash(out / "src"), "commit": commit}
    (out / INFO).write_text(json.dumps(info, indent=1) + "\n")
    outcome = Outcome(version=version, directory=out)
    b = builds.open_build(out, version)
    (out / "logs").mkdir(exist_ok=True)
    progress("host: compiling wasmcu's host program against it")
    outcome.built["host"] = str(_checked(lambda: builds.harness(b), out / "logs" / "host.log", "the host program"))
    from ... import devices
    from ...toolchains import mcu
    from ..registry import REGISTRY

    for arch_name in devices.arch_names():
        # the compiler and optimisation a cell uses by default, so that its first run finds the library built
        arch = mcu.with_compiler(mcu.ARCHES[arch_name], REGISTRY["wasm3"].default_firmware_cc(arch_name)[0])
        progress(f"{arch_name}: compiling the firmware library")
        lib = _checked(lambda: builds.library(b, arch, "-O2"), out / "logs" / f"{arch_name}.log",
                       f"the firmware library for {arch_name}")
        outcome.built[arch_name] = str(lib)
    if write_config:
        outcome.config_file = write_config_entry(version, out)
    return outcome


def _checked(fn, log: Path, what: str):
    try:
        return fn()
    except WasmcuError as exc:
        log.write_text(str(exc) + "\n")
        tail = "\n".join(str(exc).splitlines()[-12:])
        raise Wasm3BuildError(f"compiling {what} failed: the tree does not build (nothing was registered; the other "
                              f"runtimes are unchanged); log: {log}\n{tail}") from exc


def write_config_entry(version: str, out: Path) -> Path:
    """Merge `[wasm3.builds] "VERSION" = DIR` into the user's config file."""
    import tomli_w

    path = Path(os.environ["WASMCU_CONFIG"]) if os.environ.get("WASMCU_CONFIG") else \
        config.config_file() or Path.home() / ".config" / "wasmcu" / "config.toml"
    data = copy.deepcopy(config.settings()) if path.is_file() else {}
    data.setdefault("wasm3", {}).setdefault("builds", {})[version] = str(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# written by `wasmcu wasm3 build` / `wasmcu wamr build` (comments of an earlier file are not "
                    "kept)\n" + tomli_w.dumps(data))
    return path
