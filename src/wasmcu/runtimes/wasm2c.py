"""`wasm2c`: the module translated to C by wabt's wasm2c, compiled with the host compiler."""

from __future__ import annotations

import ctypes
import re
import shutil
from pathlib import Path

from .. import tools
from ..errors import CellError, ToolMissing
from ..toolchains.cache import cached, digest
from .base import HostJob, Runtime
from .registry import register

GLUE = Path(__file__).with_name("wasm2c_glue.c")
RT_DIRS = [Path("/usr/share/wabt/wasm2c"), Path("/usr/src/wasm2c")]  # wabt's runtime sources
HEADER_DIRS = [Path("/usr/include"), *RT_DIRS]  # wasm-rt.h
CFLAGS = ["-O2", "-fPIC", "-shared"]


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
    if imports:
        names = ", ".join(f"{m}.{f}" for m, f in imports)
        raise CellError(f"the module imports {names}; wasmcu's wasm2c glue provides no imports "
                        "(kernels must be self-contained)")
    key = digest("wasm2c-translate", wasm, header, tools.version(wasm2c))

    def build(tmp: Path) -> dict:
        tools.run([wasm2c, str(wasm), "-n", "kern", "-o", str(tmp / "kern.c")], what="wasm2c")
        shutil.copyfile(header, tmp / "wasm-rt.h")
        return {"wasm2c": tools.version(wasm2c)}

    return cached("wasm2c-translate", key, build)


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
    firmware_glue = "glue_wasm2c.c"

    def firmware_parts(self, workload, n, lang, device, arch, opt):
        from ..toolchains import mcu
        from ..toolchains.wasm import build_wasm

        library, headers = mcu.wasm2c_library(build_wasm(workload, n, lang).wasm, arch, opt)
        return [library], [headers, runtime_sources()], mcu.wasm2c_abi_flags(arch)

    def unavailable_reason(self):
        if tools.find("wasm2c") is None or _rt_impl() is None:
            return "wabt's wasm2c was not found: apt-get install wabt"
        if tools.find("cc") is None:
            return "no C compiler: apt-get install clang-19"
        return None

    def versions(self):
        return {"wasm2c": tools.version(tools.require("wasm2c"))}

    def prepare(self, workload, n, lang):
        from ..toolchains.cache import meta
        from ..toolchains.host import timing_loop_library
        from ..toolchains.wasm import build_wasm

        timing_loop_library()
        lib = build_wasm2c(build_wasm(workload, n, lang).wasm)
        return str(lib), meta(lib.parent)

    def load(self, job: HostJob):
        lib = ctypes.CDLL(job.artifact)
        lib.wasmcu_strerror.restype = ctypes.c_char_p
        code = lib.wasmcu_init()
        if code:
            raise CellError(f"wasm2c module failed to instantiate: {lib.wasmcu_strerror(code).decode()}")
        out = ctypes.c_uint32()
        ref = ctypes.byref(out)
        run = lib.wasmcu_run
        run.argtypes = [ctypes.c_uint32, ctypes.c_void_p]
        seed = job.seed

        def call():
            code = run(seed, ref)
            if code:
                raise CellError(f"trap in wasm2c code: {lib.wasmcu_strerror(code).decode()}")
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
                raise CellError(f"trap in wasm2c code: {lib.wasmcu_strerror(code).decode()}")
            return ns.value / 1000, (got.value if bad.value else None)

        return run

    def identity(self, job: HostJob, tmp):
        from .native import ctypes_identity

        return ctypes_identity(job.seed)  # the binding is ctypes, as for `native`
