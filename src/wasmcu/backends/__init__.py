"""Backends realise devices: `host` (this computer), `qemu` (emulated boards), `board`.

A backend turns one cell into one :class:`wasmcu.model.Result`. It builds what it
needs (through the toolchains layer), executes, and measures; verification against
the oracle and storage happen in :mod:`wasmcu.bench`, the same for every backend.

The boards' backends share two of their three jobs: building the firmware image
(:mod:`.image`) and turning the firmware's report into a result (:mod:`.readout`); moving
the bytes to and from the target is each one's own (a QEMU process, a flasher and a serial
port).
"""

from __future__ import annotations

from ..errors import ConfigError
from .base import Backend, RunContext

__all__ = ["Backend", "RunContext", "get_backend"]


def get_backend(name: str) -> Backend:
    if name == "host":
        from .host import HostBackend

        return HostBackend()
    if name == "qemu":
        from .qemu import QemuBackend

        return QemuBackend()
    if name == "board":
        from .board import BoardBackend

        return BoardBackend()
    raise ConfigError(f"unknown backend '{name}'", expected="host, qemu or board")
