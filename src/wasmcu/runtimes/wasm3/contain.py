"""wasm3's containment program on the host: contain.c compiled with a registered build's sources (cached) and run.

For a `wasm3@VERSION`, which runs in wasmcu's C host program rather than in pywasm3. wasm3
offers no way to interrupt a running call, so an endless loop ends only by the worker's time
limit, unless the module is instrumented for gas (`wasm3-gas@VERSION`: built with
WASMCU_WASM3_GAS, the program links a usegas that traps once the budget is spent).
"""

from __future__ import annotations

from pathlib import Path

from ..contained_program import run_contain_program
from .builds import Wasm3Build, harness

PROGRAM = Path(__file__).with_name("contain.c")


def program(build: Wasm3Build, defines: list[str]) -> Path:
    """contain.c compiled with the build's sources and `defines` (cached)."""
    return harness(build, defines, PROGRAM)


def contain(build: Wasm3Build, artifact: str, seed: int, defines: list[str]) -> dict:
    """One misbehaving call and a second call in the same runtime (wasmcu.runtimes.contained_program)."""
    exe = program(build, defines)
    return run_contain_program([str(exe), artifact, str(seed)], f"wasm3 {build.version}")
