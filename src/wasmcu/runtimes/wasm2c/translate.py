"""A module translated to C by wabt's wasm2c, beside wabt's runtime sources."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ... import tools
from ...errors import CellError, ToolMissing
from ...toolchains.cache import cached, digest

RT_DIRS = [Path("/usr/share/wabt/wasm2c"), Path("/usr/src/wasm2c")]  # wabt's runtime sources
HEADER_DIRS = [Path("/usr/include"), *RT_DIRS]  # wasm-rt.h


def _rt_impl() -> Path | None:
    for d in RT_DIRS:
        if (d / "wasm-rt-impl.c").is_file():
            return d
    return None


def runtime_sources() -> Path:
    """The directory of wabt's wasm2c runtime (wasm-rt-impl.c and .h)."""
    rt = _rt_impl()
    if rt is None:
        raise ToolMissing("wasm-rt-impl.c", "wabt", "wabt's wasm2c runtime")
    return rt


def translate(wasm: Path) -> Path:
    """The module as C (kern.c, kern.h, beside a copy of wabt's wasm-rt.h so that a cross
    compiler, which does not search the host's /usr/include, finds it). Cached."""
    wasm2c = tools.require("wasm2c")
    header = next((d / "wasm-rt.h" for d in HEADER_DIRS if (d / "wasm-rt.h").is_file()), None)
    if header is None:
        raise ToolMissing("wasm-rt.h", "wabt", "wabt's wasm2c runtime header")
    wat = wasm.with_name("module.wat")
    imports = re.findall(r'\(import "([^"]*)" "([^"]*)"', wat.read_text()) if wat.is_file() else []
    if any(m != "wasi_snapshot_preview1" for m, _ in imports):  # WASI: bound by wasi_bind.h (runtimes/wasi)
        names = ", ".join(f"{m}.{f}" for m, f in imports)
        raise CellError(f"the module imports {names}; wasmcu's wasm2c glue provides no imports but WASI's "
                        "(kernels must be self-contained)", "load-failed")
    key = digest("wasm2c-translate", wasm, header, tools.version(wasm2c))

    def build(tmp: Path) -> dict:
        tools.run([wasm2c, str(wasm), "-n", "kern", "-o", str(tmp / "kern.c")], what="wasm2c")
        shutil.copyfile(header, tmp / "wasm-rt.h")
        return {"wasm2c": tools.version(wasm2c)}

    return cached("wasm2c-translate", key, build)
