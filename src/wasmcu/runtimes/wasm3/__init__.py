"""`wasm3`: the wasm3 interpreter, through pywasm3 on the host and from its C sources in firmware.

The firmware library is built in `firmware.py`; its glue is `glue.c`. The built-in `wasm3` is
the version inside pywasm3's source distribution (0.5.0); `wasmcu wasm3 build PATH` (`build.py`)
adds `wasm3@VERSION` runtimes from any wasm3 source tree (`builds.py`, `registered.py`)."""

from __future__ import annotations

from pathlib import Path

from ...errors import CellError
from ..base import HostJob, Runtime
from ..registry import register

STACK_BYTES = 64 * 1024  # wasm3's value stack on the host


@register
class Wasm3(Runtime):
    name = "wasm3"
    mode = "interpreter"
    summary = "wasm3 interpreter (pywasm3 binding on host; its C sources in firmware)"
    where = ("host", "firmware")
    firmware_glue = Path(__file__).with_name("glue.c")
    # wasm3's own value stack; the linear memory it allocates (0: the module's pages; `--ram small`
    # sets it to what the module's data needs, wasmcu.backends.linear_memory)
    firmware_sizes = {"stack_bytes": (4096, "WASMCU_WASM3_STACK"), "memory_limit_bytes": (0, "WASMCU_WASM3_MEMORY_LIMIT")}
    host_sizes = {"stack_bytes": STACK_BYTES}

    firmware_cc_default = {"armv6m": ("clang", "Clang's wasm3 runs the embedded kernels in up to 14 % fewer cycles "
                                               "on the Cortex-M0+ with the same stack (neither compiler makes "
                                               "wasm3's indirect tail calls in Thumb-1 code); the Pico SDK supports "
                                               "Clang")}

    def firmware_parts(self, kernel, device, arch, opt):
        from ...toolchains.wasm import build_wasm
        from . import firmware

        module = build_wasm(kernel)
        return [module.c_array, firmware.library(arch, opt)], [firmware.sources()], self.firmware_defines(device)

    def unavailable_reason(self):
        try:
            import wasm3  # noqa: F401
        except ImportError:
            return "the Python package 'pywasm3' is not installed: pip install pywasm3"
        return None

    def versions(self):
        from importlib.metadata import version

        return {"pywasm3": version("pywasm3"), **({"wasm3": v} if (v := self.version_info()["version"]) else {})}

    def version_info(self):
        """wasm3's own version and source hash, read from the sources in pywasm3's distribution."""
        from . import firmware
        from .builds import m3_version, source_hash

        if not any(firmware.SDIST_DIR.glob(f"pywasm3-{firmware.pywasm3_version()}.tar.gz")):
            return super().version_info()  # not set up: no download just to name a version
        try:
            src = firmware.sources()
        except Exception:  # an unreadable distribution: the version is unknown, the cell still runs
            return super().version_info()
        return {"version": m3_version(src), "source_sha256": source_hash(src),
                "from": f"pywasm3's source distribution {firmware.pywasm3_version()}"}

    def load(self, job: HostJob):
        import wasm3

        data = Path(job.artifact).read_bytes()
        try:
            env = wasm3.Environment()
            rt = env.new_runtime(self.host_sizes["stack_bytes"])
            module = env.parse_module(data)
            rt.load(module)
            fn = rt.find_function("run")
        except RuntimeError as exc:
            raise CellError(f"wasm3 could not load the module: {exc}", "load-failed") from exc

        seed = job.seed

        def call():
            try:
                return fn(seed)
            except RuntimeError as exc:
                raise CellError(f"trap in wasm3: {exc}", "trap") from exc

        call._keep = (env, rt, module)  # keep the runtime alive as long as the callable
        return call

