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

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError


@dataclass
class RunContext:
    repeat: int = 20          # host samples per cell
    warmup: int = 3           # host warm-up calls
    timeout_s: float = 300.0  # wall-clock limit for one cell on the host
    # instruction budget for one emulated run (WASMCU_MAX_INSTRUCTIONS overrides)
    max_instructions: int = field(default_factory=lambda: int(os.environ.get("WASMCU_MAX_INSTRUCTIONS", 5_000_000_000)))
    db_path: Path | None = None  # the results store: measured power traces are saved beside it
    place: object | None = None  # a board farm's place (wasmcu.farm.Place): board cells use its serial port


class Backend:
    name = ""

    def unsupported_reason(self, runtime: str, device) -> str | None:
        """None when this backend can run `runtime` on `device`; else why not."""
        return None

    def run_cell(self, cell, workload, device, ctx: RunContext):
        raise NotImplementedError


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
