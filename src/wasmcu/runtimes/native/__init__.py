"""`native`: the kernel compiled natively, the baseline.

For this machine, a shared library timed by wasmcu's C loop; for a board, linked into the
firmware (glue in `glue.c`)."""

from __future__ import annotations

import ctypes
import functools
from pathlib import Path

from ..base import HostJob, Runtime
from ..registry import register
from ..timing import c_loop, ctypes_identity, timing_loop_library


@register
class Native(Runtime):
    name = "native"
    mode = "native"
    summary = "the kernel compiled natively (C with clang, Rust with rustc): the baseline"
    where = ("host", "firmware")
    wasm = False
    shared_library = True
    firmware_glue = Path(__file__).with_name("glue.c")

    def firmware_parts(self, kernel, device, arch, opt):
        from ...toolchains import mcu

        parts = [mcu.kernel_object(kernel, arch, opt)]
        if kernel.lang == "cpp":
            parts += mcu.cxx_parts(arch, opt)
        return parts, [], []

    def prepare(self, kernel):
        from ...toolchains.cache import meta
        from ...toolchains.host import build_native

        timing_loop_library()
        lib = build_native(kernel)
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
