"""`wasmtime` (Cranelift JIT) and `wasmtime-pulley` (its portable interpreter), from PyPI."""

from __future__ import annotations

from pathlib import Path

from ..errors import CellError
from .wasi_host import WASI, is_kernel, wasi_kernel_instance, wasmtime_command
from .base import HostJob, Runtime
from .registry import register


def _message(exc: Exception) -> str:
    """wasmtime's errors put the cause last ('Caused by: wasm trap: ...')."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    for ln in lines:
        if "wasm trap:" in ln:
            return ln[ln.index("wasm trap:"):]
    return lines[-1] if lines else type(exc).__name__


@register
class Wasmtime(Runtime):
    name = "wasmtime"
    mode = "jit"
    summary = "wasmtime with the Cranelift compiler (PyPI 'wasmtime')"
    target: str | None = None

    def unavailable_reason(self):
        try:
            import wasmtime  # noqa: F401
        except ImportError:
            return "the Python package 'wasmtime' is not installed: pip install wasmtime"
        return None

    def versions(self):
        from importlib.metadata import version

        return {"wasmtime": version("wasmtime")}

    def load(self, job: HostJob):
        import wasmtime

        config = wasmtime.Config()
        if self.target:
            config.target = self.target
        config.consume_fuel = job.fuel is not None
        engine = wasmtime.Engine(config)
        store = wasmtime.Store(engine)
        if job.fuel is not None:  # metering: the call traps once it has used this much fuel
            store.set_fuel(job.fuel)
        data = Path(job.artifact).read_bytes()
        if data[:4] != b"\0asm":  # wasmtime would try to read it as WAT text
            raise CellError("wasmtime could not load the module: not a WebAssembly binary (no \\0asm magic)", "load-failed")
        try:
            module = wasmtime.Module(engine, data)
            if any(i.module == WASI for i in module.imports):
                if not is_kernel(module):  # a WASI command or reactor: a fresh instance per call
                    return self._command(wasmtime_command(engine, module, job.fuel, job.seed))
                instance = wasi_kernel_instance(engine, store, module)  # a kernel that prints
            else:
                instance = wasmtime.Instance(store, module, [])
        except wasmtime.WasmtimeError as exc:
            raise CellError(f"wasmtime could not load the module: {_message(exc)}", "load-failed") from exc
        fn = instance.exports(store).get("run")
        if fn is None:
            raise CellError("module has no exported function 'run'", "load-failed")

        seed = job.seed

        def call():
            try:
                return fn(store, seed)
            except wasmtime.Trap as exc:
                kind = "out-of-fuel" if exc.trap_code == wasmtime.TrapCode.OUT_OF_FUEL else "trap"
                raise CellError(f"trap in wasmtime: {_message(exc)}", kind) from exc

        return call


    def _command(self, run):
        """The call of a WASI command: its digest, its last output kept for the cell."""
        def call():
            value, self._output = run()
            return value
        return call

    def measure(self, job: HostJob):
        self._output = None
        m = super().measure(job)
        if self._output:
            m.extra.update(self._output)
        return m


@register
class WasmtimePulley(Wasmtime):
    name = "wasmtime-pulley"
    mode = "interpreter"
    summary = "wasmtime's Pulley portable interpreter (Config.target = 'pulley64')"
    target = "pulley64"
