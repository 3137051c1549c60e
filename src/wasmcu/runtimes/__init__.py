"""The runtime registry: every way wasmcu can execute a kernel, by name.

Each runtime declares itself once (a Runtime subclass with ``@register``; see
:mod:`wasmcu.runtimes.registry`); another package adds one through an entry point in the
group ``wasmcu.runtimes``, without editing wasmcu.
"""

from __future__ import annotations

from .base import Runtime
from .registry import GROUP, REGISTRY, register, runs_on

# wasmcu's own runtimes register on import, in this order (the order of tables and figures)
from . import native, wasm3, wasmtime_rt, v8, wasm2c, wamr  # noqa: E402,F401

RUNTIMES = REGISTRY

__all__ = ["GROUP", "RUNTIMES", "Runtime", "defaults", "get", "parse", "register", "runs_on"]


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
