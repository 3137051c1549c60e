"""`native`: the kernel compiled for this machine, timed by wasmcu's C loop."""

from __future__ import annotations

import ctypes
import functools

from .base import HostJob, Runtime
from .registry import register

U32P = ctypes.POINTER(ctypes.c_uint32)


def c_loop(kernel_address, seed: int):
    """The C timing loop (timing_loop.c) around a kernel function at `kernel_address`."""
    from ..toolchains.host import timing_loop_library

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
    from ..toolchains.host import timing_loop_library

    fn = ctypes.CDLL(str(timing_loop_library())).wasmcu_identity
    fn.restype = ctypes.c_uint32
    fn.argtypes = [ctypes.c_uint32]
    return functools.partial(fn, seed)


@register
class Native(Runtime):
    name = "native"
    mode = "native"
    summary = "the kernel compiled natively (C with clang, Rust with rustc): the baseline"
    where = ("host", "firmware")
    wasm = False
    shared_library = True
    firmware_glue = "glue_native.c"

    def firmware_parts(self, workload, n, lang, device, arch, opt):
        from ..toolchains import mcu

        parts = [mcu.kernel_object(workload, n, lang, arch, opt)]
        if lang == "cpp":
            parts += mcu.cxx_parts(arch, opt)
        return parts, [], []

    def prepare(self, workload, n, lang):
        from ..toolchains.cache import meta
        from ..toolchains.host import build_native, timing_loop_library

        timing_loop_library()
        lib = build_native(workload, n, lang)
        return str(lib), meta(lib.parent)

    def load(self, job: HostJob):
        lib = ctypes.CDLL(job.artifact)
        fn = lib.run
        fn.restype = ctypes.c_uint32
        fn.argtypes = [ctypes.c_uint32]
        call = functools.partial(fn, job.seed)
        call.lib = lib  # keep the library loaded as long as the callable
        return call

    def loop(self, call, job: HostJob):
        return c_loop(ctypes.cast(call.func, ctypes.c_void_p), job.seed)

    def identity(self, job: HostJob, tmp):
        return ctypes_identity(job.seed)
