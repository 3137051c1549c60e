"""The runtime registry: every way wasmcu can execute a kernel, by name.

Each runtime declares itself once (a Runtime subclass with ``@register``; see
:mod:`wasmcu.runtimes.registry`) in its own folder here, with its host harness, firmware glue
and library build (`wasm3/`, `wamr/`, `wasm2c/`, `native/`; a host-only runtime may be one
file); another package adds one through an entry point in the group ``wasmcu.runtimes``,
without editing wasmcu.
"""

from __future__ import annotations

from .base import Runtime
from .registry import GROUP, REGISTRY, register, runs_on

# wasmcu's own runtimes register on import, in this order (the order of tables and figures),
# then any other module of this package (a runtime added here is one file)
from . import native, wasm3, wasmtime_rt, v8, wasm2c, wamr  # noqa: E402,F401
from .wasm3 import registered as _wasm3_registered  # noqa: E402,F401  (wasm3@VERSION, from the config)
from .wasm3 import gas as _wasm3_gas  # noqa: E402,F401  (wasm3-gas: gas metering)


# what the runtimes share (the Runtime interface, the registry, the C timing loop): no runtime
SUPPORT = ("base", "registry", "timing", "identity", "source_tree", "harness_output", "wasi_host", "contained_program",
           "wasi")


def _import_the_rest() -> None:
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.name not in SUPPORT:
            importlib.import_module(f"{__name__}.{info.name}")


_import_the_rest()

RUNTIMES = REGISTRY

__all__ = ["GROUP", "RUNTIMES", "Runtime", "check_device_sizes", "defaults", "get", "parse", "register", "runs_on"]


def get(name: str) -> Runtime:
    return REGISTRY.get_runtime(name)


def defaults(backend: str) -> list[str]:
    """The runtimes a backend ('host', 'qemu', 'board') runs when the user names none."""
    return REGISTRY.defaults(backend)


def parse(text: str | None, default: list[str]) -> list[str]:
    names = [t.strip() for t in text.split(",")] if text else list(default)
    names = [n for n in names if n]
    for name in names:
        get(name)
    return names


def check_device_sizes(devices) -> None:
    """Every device's [runtimes.NAME] tables name a known runtime and only the sizes it
    declares (`firmware_sizes`); else a ConfigError naming the device's file and the key."""
    from ..errors import ConfigError

    for device in devices:
        for name, sizes in device.data.get("runtimes", {}).items():
            if name not in RUNTIMES:
                raise ConfigError(f"unknown runtime {name!r}", file=device.file, field=f"runtimes.{name}",
                                  expected="one of " + ", ".join(RUNTIMES))
            known = get(name).firmware_sizes
            for key in sizes:
                if key not in known:
                    raise ConfigError(f"unknown key {key!r}", file=device.file, field=f"runtimes.{name}.{key}",
                                      expected="one of " + (", ".join(known) or "nothing: this runtime has no sizes"))
