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
from .wamr import Wamr
from .wasmtime_rt import Wasmtime, WasmtimePulley

_ALL: list[Runtime] = [
    Native(), Wasm3(), Wasmtime(), WasmtimePulley(), V8(), V8Turbofan(), Wasm2c(),
    Wamr("wamr-classic", "WAMR's classic interpreter (a WAMR the user built)"),
    Wamr("wamr-fast", "WAMR's fast interpreter (a WAMR the user built)"),
    Wamr("wamr-aot", "WAMR ahead-of-time: wamrc compiles, iwasm runs (a WAMR the user built)"),
]
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
