"""`native`: the kernel compiled for this machine, called through ctypes."""

from __future__ import annotations

import ctypes
import functools

from .base import HostJob, Runtime


class Native(Runtime):
    name = "native"
    mode = "native"
    summary = "the kernel compiled natively (C with clang, Rust with rustc): the baseline"
    wasm = False
    shared_library = True

    def prepare(self, workload, n, lang):
        from ..toolchains.cache import meta
        from ..toolchains.host import build_native

        lib = build_native(workload, n, lang)
        return str(lib), meta(lib.parent)

    def load(self, job: HostJob):
        lib = ctypes.CDLL(job.artifact)
        fn = lib.run
        fn.restype = ctypes.c_uint32
        fn.argtypes = [ctypes.c_uint32]
        return functools.partial(fn, job.seed)
