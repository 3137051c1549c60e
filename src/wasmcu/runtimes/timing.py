"""wasmcu's C timing loop for this machine, and the ctypes calls into it.

timing_loop.c is the protocol of `base.time_calls` in C, built as a shared library."""

from __future__ import annotations

import ctypes
import functools
from pathlib import Path

from .. import tools
from ..toolchains.cache import cached, digest
from ..toolchains.host import C_FLAGS

TIMING_LOOP = Path(__file__).with_name("timing_loop.c")
U32P = ctypes.POINTER(ctypes.c_uint32)


def timing_loop_library() -> Path:
    """timing_loop.c as a shared library (cached)."""
    cc = tools.require("cc")
    key = digest("timing-loop", TIMING_LOOP, C_FLAGS, tools.version(cc))

    def build(tmp: Path) -> dict:
        tools.run([cc, *C_FLAGS, str(TIMING_LOOP), "-o", str(tmp / "timing_loop.so")], what="compiling the timing loop")
        return {"compiler": tools.version(cc), "flags": C_FLAGS}

    return cached("timing-loop", key, build) / "timing_loop.so"


def c_loop(kernel_address, seed: int):
    """The C timing loop around a kernel function at `kernel_address`."""
    loop = ctypes.CDLL(str(timing_loop_library())).wasmcu_loop
    loop.restype = ctypes.c_uint64
    loop.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32, U32P, U32P]

    def run(n: int, expect: int):
        bad, got = ctypes.c_uint32(0), ctypes.c_uint32(0)
        ns = loop(kernel_address, seed, expect, n, ctypes.byref(bad), ctypes.byref(got))
        return ns / 1000, (got.value if bad.value else None)

    return run


def ctypes_identity(seed: int):
    """A C function returning its argument, called through ctypes: the binding's cost."""
    fn = ctypes.CDLL(str(timing_loop_library())).wasmcu_identity
    fn.restype = ctypes.c_uint32
    fn.argtypes = [ctypes.c_uint32]
    return functools.partial(fn, seed)
