"""wasmcu: what does WebAssembly cost on a microcontroller?

The package root is the public Python API, the same calls as :mod:`wasmcu.api`::

    import wasmcu

    run = wasmcu.bench(devices="host", runtimes="native,wasm3", workloads="crc16:100", db="demo.sqlite")
    frame = wasmcu.load("demo.sqlite")

The names in ``__all__`` are the public API: they keep their meaning between releases. Every
other module and name of the package is internal (the CLI and the API are built on them) and
may change without notice. The pipeline behind them: plan -> build -> execute -> measure ->
verify -> store -> report.
"""

from __future__ import annotations

import sys
import types

from ._version import __version__

# name -> the module that defines it; imported on first use, so that `import wasmcu` (and every
# CLI command) stays fast
_PUBLIC = {
    "bench": "api", "plan": "api", "load": "api", "results": "api", "runs": "api", "report": "api",
    "to_frame": "api", "default_db": "api", "BenchRun": "api",
    "Cell": "model", "Result": "model",
    "WasmcuError": "errors", "ConfigError": "errors",
}

__all__ = ["__version__", *_PUBLIC]

def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'wasmcu' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """The package, whose public names win over submodules of the same name: ``wasmcu.bench``
    and ``wasmcu.plan`` are the API's functions even once the internal modules wasmcu/bench.py
    and wasmcu/plan.py are imported (those stay reachable as ``from wasmcu.bench import ...``)."""

    def __setattr__(self, name: str, value) -> None:
        if name in _PUBLIC and isinstance(value, types.ModuleType):
            return  # the import system binding a submodule: sys.modules keeps it
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
