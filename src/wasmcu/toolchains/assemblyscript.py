"""AssemblyScript kernels: compiled to a wasm module by asc, the `assemblyscript` npm package.

An AssemblyScript kernel is a file that exports ``function run(seed: u32): u32`` (or the
workload's ``entry``) and reads the size from the constant ``WASMCU_N`` (an ``i32`` that asc
introduces with ``--use WASMCU_N=n``; the kernel must not declare it: a ``declare const``
becomes an import that no runtime provides). It is built with asc's stub runtime (no garbage collector),
no assertions and no ``abort`` import, into the workload's fixed linear memory, with only the
features every runtime here reads (the MVP plus mutable globals). asc compiles to WebAssembly
only, so an AssemblyScript kernel has no native cells. The module is then prepared like a
prebuilt one (wasmcu.workloads.module_check): its entry exported as ``run`` and asc's start
function made to run under wasm3 too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .. import tools
from ..errors import BuildError, ConfigError, ToolMissing
from ..workloads import module_check
from ..workloads.kernel_source import KernelSource
from .cache import digest

PACKAGE = "assemblyscript"
FEATURES = ["--disable", "sign-extension,bulk-memory,nontrapping-f2i"]
FLAGS = ["-O2", "--runtime", "stub", "--noAssert", "--use", "abort="]


def asc() -> Path:
    """asc's script: WASMCU_ASC, or the package that scripts/setup.sh installs beside wasmcu."""
    for candidate in (os.environ.get("WASMCU_ASC"), Path(sys.prefix) / "node_modules" / PACKAGE / "bin" / "asc.js"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ToolMissing("asc", None, f"AssemblyScript's compiler comes in the npm package {PACKAGE}: run "
                      f"scripts/setup.sh, which installs it into wasmcu's environment, or set WASMCU_ASC to "
                      f"its bin/asc.js")


def version() -> str:
    out = subprocess.run([tools.require("node"), str(asc()), "--version"], capture_output=True, text=True,
                         timeout=120)
    return f"asc {out.stdout.strip().split()[-1] if out.stdout.strip() else '?'} ({PACKAGE})"


def flags(kernel: KernelSource) -> list[str]:
    pages = kernel.memory_bytes // 65536
    return [*FLAGS, *FEATURES, "--use", f"WASMCU_N={kernel.n}", "--initialMemory", str(pages),
            "--maximumMemory", str(pages)]


def wasm_key(kernel: KernelSource) -> str:
    here = kernel.root.parent
    inputs = [f for f in sorted(here.rglob("*.ts")) if f.is_file() and "node_modules" not in f.parts]
    return digest("wasm-assemblyscript", *inputs, flags(kernel), kernel.entry, version(), Path(__file__),
                  Path(module_check.__file__))


def build_wasm_module(kernel: KernelSource, tmp: Path, out: Path) -> dict:
    """Compile the kernel into `out` and prepare it for every runtime; its record."""
    raw = tmp / "asc.wasm"
    cmd = [tools.require("node"), str(asc()), str(kernel.root), *flags(kernel),
           "-o", str(raw)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0 or not raw.is_file():
        raise BuildError(f"asc (AssemblyScript -> wasm) for {kernel.workload} failed:\n"
                         f"{(proc.stderr or proc.stdout).strip()[-4000:]}")
    try:  # what a prebuilt module is checked for: an import, the entry and its type
        module_check.check(raw, kernel.entry, [kernel.n], kernel.root,
                           label=f"the AssemblyScript module of {kernel.workload}")
    except ConfigError as exc:
        raise BuildError(f"{exc} (console, Math.random, Date and trace are imports from the host; WASMCU_N is "
                         f"given by asc: do not declare it)") from None
    data = raw.read_bytes()
    raw.unlink()
    prepared, changes = module_check.prepare(data, kernel.entry, kernel.n)
    out.write_bytes(prepared)
    return {"compiler": version(), "flags": flags(kernel), "prepared": changes}
