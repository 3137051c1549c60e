"""`wasm2c`: the module translated to C by wabt's wasm2c and compiled ahead of time.

Translation in `translate.py`; compiled with the host compiler (glue in `host_glue.c`) or for a
board (`firmware.py`, `glue.c`)."""

from __future__ import annotations

import ctypes
from pathlib import Path

from ... import tools
from ...errors import CellError
from ...toolchains.cache import cached, digest
from ..base import HostJob, Runtime
from ..registry import register
from .translate import _rt_impl, runtime_sources, translate

GLUE = Path(__file__).with_name("host_glue.c")  # the host's shared library: init, run, a timing loop
CFLAGS = ["-O2", "-fPIC", "-shared"]


def build_wasm2c(wasm: Path) -> Path:
    """Translate and compile a module into a shared library for the host (cached)."""
    cc = tools.require("cc")
    src = translate(wasm)
    rt = runtime_sources()
    key = digest("wasm2c", src / "kern.c", GLUE, CFLAGS, tools.version(cc))

    def build(tmp: Path) -> dict:
        tools.run([cc, *CFLAGS, f"-I{src}", f"-I{rt}", str(src / "kern.c"), str(rt / "wasm-rt-impl.c"), str(GLUE),
                   "-o", str(tmp / "kern.so"), "-lm"], what="compiling wasm2c output")
        return {"wasm2c": tools.version(tools.require("wasm2c")), "compiler": tools.version(cc), "flags": CFLAGS}

    return cached("wasm2c", key, build) / "kern.so"


@register
class Wasm2c(Runtime):
    name = "wasm2c"
    mode = "aot"
    summary = "wabt's wasm2c: the module as C, compiled ahead of time (host or board compiler)"
    where = ("host", "firmware")
    default = ("host", "qemu")
    shared_library = True
    firmware_glue = Path(__file__).with_name("glue.c")

    def firmware_parts(self, kernel, device, arch, opt):
        from ...toolchains.wasm import build_wasm
        from . import firmware

        library, headers = firmware.library(build_wasm(kernel).wasm, arch, opt)
        return [library], [headers, runtime_sources()], firmware.abi_flags(arch)

    def derived_artefact(self, wasm, arch):
        return "wasm2c C", translate(wasm) / "kern.c"  # the same C for every device

    def unavailable_reason(self):
        if tools.find("wasm2c") is None or _rt_impl() is None:
            return "wabt's wasm2c was not found: apt-get install wabt"
        if tools.find("cc") is None:
            return "no C compiler: apt-get install clang-19"
        return None

    def versions(self):
        return {"wasm2c": tools.version(tools.require("wasm2c"))}

    def prepare(self, kernel):
        from ...toolchains.cache import meta
        from ..timing import timing_loop_library
        from ...toolchains.wasm import build_wasm

        timing_loop_library()
        lib = build_wasm2c(build_wasm(kernel).wasm)
        return str(lib), meta(lib.parent)

    def load(self, job: HostJob):
        lib = ctypes.CDLL(job.artifact)
        lib.wasmcu_strerror.restype = ctypes.c_char_p
        code = lib.wasmcu_init()
        if code:
            raise CellError(f"wasm2c module failed to instantiate: {lib.wasmcu_strerror(code).decode()}", "load-failed")
        out = ctypes.c_uint32()
        ref = ctypes.byref(out)
        run = lib.wasmcu_run
        run.argtypes = [ctypes.c_uint32, ctypes.c_void_p]
        seed = job.seed

        def call():
            code = run(seed, ref)
            if code:
                raise CellError(f"trap in wasm2c code: {lib.wasmcu_strerror(code).decode()}", "trap")
            return out.value

        call.lib = lib
        return call

    def loop(self, call, job: HostJob):
        lib = call.lib
        loop = lib.wasmcu_run_loop
        u32p = ctypes.POINTER(ctypes.c_uint32)
        loop.argtypes = [ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32, ctypes.POINTER(ctypes.c_uint64), u32p, u32p]

        def run(n: int, expect: int):
            ns, bad, got = ctypes.c_uint64(0), ctypes.c_uint32(0), ctypes.c_uint32(0)
            code = loop(job.seed, expect, n, ctypes.byref(ns), ctypes.byref(bad), ctypes.byref(got))
            if code:
                raise CellError(f"trap in wasm2c code: {lib.wasmcu_strerror(code).decode()}", "trap")
            return ns.value / 1000, (got.value if bad.value else None)

        return run

    def identity(self, job: HostJob, tmp):
        from ..timing import ctypes_identity

        return ctypes_identity(job.seed)  # the binding is ctypes, as for `native`
