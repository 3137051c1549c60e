"""`wasmtime` (Cranelift JIT) and `wasmtime-pulley` (its portable interpreter), from PyPI."""

from __future__ import annotations

from pathlib import Path

from ..errors import CellError
from .base import HostJob, Runtime


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
        engine = wasmtime.Engine(config)
        store = wasmtime.Store(engine)
        try:
            module = wasmtime.Module(engine, Path(job.artifact).read_bytes())
            instance = wasmtime.Instance(store, module, [])
        except wasmtime.WasmtimeError as exc:
            raise CellError(f"wasmtime could not load the module: {str(exc).splitlines()[0]}") from exc
        fn = instance.exports(store).get("run")
        if fn is None:
            raise CellError("module has no exported function 'run'")

        def call():
            try:
                return fn(store)
            except wasmtime.Trap as exc:
                raise CellError(f"trap in wasmtime: {str(exc).splitlines()[0]}") from exc

        return call


class WasmtimePulley(Wasmtime):
    name = "wasmtime-pulley"
    mode = "interpreter"
    summary = "wasmtime's Pulley portable interpreter (Config.target = 'pulley64')"
    target = "pulley64"
