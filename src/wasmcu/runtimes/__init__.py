"""The runtime registry: every way wasmcu can execute a kernel, by name.

To add a runtime, subclass :class:`wasmcu.runtimes.base.Runtime` in a module here and
add an instance to ``_ALL`` below (firmware support lives with the qemu backend).
"""

from __future__ import annotations

from ..errors import ConfigError
from .base import Runtime
from .native import Native
from .v8 import V8, V8Turbofan
from .wasm2c import Wasm2c
from .wasm3 import Wasm3
from .wasmtime_rt import Wasmtime, WasmtimePulley

_ALL: list[Runtime] = [Native(), Wasm3(), Wasmtime(), WasmtimePulley(), V8(), V8Turbofan(), Wasm2c()]
RUNTIMES: dict[str, Runtime] = {rt.name: rt for rt in _ALL}


def register(runtime: Runtime) -> None:
    RUNTIMES[runtime.name] = runtime


def get(name: str) -> Runtime:
    try:
        return RUNTIMES[name]
    except KeyError:
        raise ConfigError(f"unknown runtime '{name}'; known: {', '.join(RUNTIMES)}") from None


def parse(text: str | None, default: list[str]) -> list[str]:
    names = [t.strip() for t in text.split(",")] if text else list(default)
    names = [n for n in names if n]
    for name in names:
        get(name)
    return names
