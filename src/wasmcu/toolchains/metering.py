"""Gas metering: a module instrumented by the npm package wasm-metering to call metering.usegas before each block.

wasm-metering (ewasm's instrumenter) rewrites a module so that each straight-line block of code
first calls the imported function ``metering.usegas(i32 cost)``; the host provides that import,
subtracts the cost from the call's budget and traps once the budget is spent. wasm3 meters a
module only this way (upstream wasm3's own command-line app links such a ``usegas``); wasmcu's
runtime ``wasm3-gas`` links one in its host binding and in the firmware's glue. The cost table
(meter.js) charges one unit per instruction, so gas is the count of wasm instructions a call
executed. The instrumented module is cached beside its C array, like any built module.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .. import tools
from ..errors import BuildError, ToolMissing
from .cache import cached, digest
from .wasm import c_array_source

PACKAGE, PACKAGE_VERSION = "wasm-metering", "0.2.1"
SCRIPT = Path(__file__).with_name("meter.js")
DERIVED_KIND = "metered wasm"  # the artefact kind of a cell's module identity (wasmcu.measure.identity)


def package_dir() -> Path:
    """The installed wasm-metering: WASMCU_WASM_METERING, or the package scripts/setup.sh installs beside wasmcu."""
    for candidate in (os.environ.get("WASMCU_WASM_METERING"), Path(sys.prefix) / "node_modules" / PACKAGE):
        if candidate and (Path(candidate) / "package.json").is_file():
            return Path(candidate)
    raise ToolMissing(PACKAGE, None, f"gas metering instruments modules with the npm package {PACKAGE} "
                                     f"{PACKAGE_VERSION}: run scripts/setup.sh, which installs it into wasmcu's "
                                     f"environment, or set WASMCU_WASM_METERING to its directory")


def metered(wasm: Path) -> Path:
    """The directory of `wasm` instrumented for gas (module.wasm, module_wasm.c; cached by content)."""
    node = tools.require("node")
    pkg = package_dir()
    key = digest("metered", wasm, SCRIPT, pkg / "package.json", pkg / "index.js")

    def make(tmp: Path) -> dict:
        out = tmp / "module.wasm"
        try:
            tools.run([node, str(SCRIPT), str(pkg), str(wasm), str(out)], what=f"instrumenting the module with {PACKAGE}")
        except BuildError as exc:
            raise BuildError(f"{PACKAGE} could not instrument {wasm.name} for gas metering: {exc}") from exc
        data = out.read_bytes()
        (tmp / "module_wasm.c").write_text(c_array_source(data))
        return {"instrumenter": f"{PACKAGE} (npm)", "from_bytes": wasm.stat().st_size, "metered_bytes": len(data),
                "cost": "one unit per wasm instruction"}

    return cached("metered", key, make)
