"""WAMR's containment program on the host: contain.c compiled against the user's WAMR library (cached) and run.

A library built with WAMR_BUILD_INSTRUCTION_METERING=1 (it exports
wasm_runtime_set_instruction_count_limit) also gets an instruction budget; every build gets the
watchdog thread that calls wasm_runtime_terminate.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ... import tools
from ...toolchains.cache import cached, digest
from ..contained_program import run_contain_program
from ..harness_output import HOST_PROGRAM_H
from .builds import WamrBuild

PROGRAM = Path(__file__).with_name("contain.c")


def has_instruction_metering(build: WamrBuild) -> bool:
    """Whether the library exports WAMR's instruction budget (WAMR_BUILD_INSTRUCTION_METERING=1)."""
    nm = tools.find("nm")
    if nm is None:
        return False
    out = subprocess.run([str(nm), "--defined-only", str(build.library)], capture_output=True, text=True)
    return " T wasm_runtime_set_instruction_count_limit" in out.stdout


def program(build: WamrBuild) -> Path:
    """contain.c compiled against `build` (cached by the library's content and the program)."""
    cc = tools.require("cc")
    metering = has_instruction_metering(build)
    key = digest("wamr-contain", PROGRAM, HOST_PROGRAM_H, build.library, str(build.include), tools.version(cc),
                 metering)

    def make(tmp: Path) -> dict:
        tools.run([cc, "-O2", f"-I{build.include}", f"-I{HOST_PROGRAM_H.parent}", *(["-DWASMCU_WAMR_METERING=1"] if metering else []),
                   str(PROGRAM), str(build.library), "-o", str(tmp / "wamr_contain"), "-lm", "-ldl", "-lpthread"],
                  what="compiling wasmcu's WAMR containment program")
        return {"wamr_build": str(build.directory), "instruction_metering": metering}

    return cached("wamr-contain", key, make) / "wamr_contain"


def contain(build: WamrBuild, artifact: str, seed: int, watchdog_s: float) -> dict:
    """One misbehaving call and a second call on the same instance (wasmcu.runtimes.contained_program)."""
    return run_contain_program([str(program(build)), artifact, str(seed), str(max(1, round(watchdog_s * 1000)))],
                               "WAMR")
