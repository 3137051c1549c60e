"""What every backend is: the Backend interface and the RunContext a cell runs with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..env import env_int


@dataclass
class RunContext:
    repeat: int = 20          # host samples per cell
    warmup: int = 3           # host warm-up calls
    timeout_s: float = 300.0  # wall-clock limit for one cell on the host
    # instruction budget for one emulated run (WASMCU_MAX_INSTRUCTIONS overrides)
    max_instructions: int = field(default_factory=lambda: env_int("WASMCU_MAX_INSTRUCTIONS", 5_000_000_000))
    db_path: Path | None = None  # the results store: measured power traces are saved beside it
    place: object | None = None  # a board farm's place (wasmcu.farm.Place): board cells use its serial port
    link: str | None = None      # the link an update is delivered over (a device's [update.links]; None: its default)
    fresh: bool = False       # emulate again even when an identical emulation is kept beside the store
    run_id: int | None = None  # the stored run the cells belong to (named by a reused emulation)
    ram: str = "module"          # board runtimes' memory: sized from the module, or the profile's ("profile")


class Backend:
    name = ""

    def unsupported_reason(self, runtime: str, device) -> str | None:
        """None when this backend can run `runtime` on `device`; else why not."""
        return None

    def run_cell(self, cell, workload, device, ctx: RunContext):
        raise NotImplementedError

    def prepare(self, cell, workload, device) -> None:
        """Build what `cell` needs ahead of run_cell (cached, so run_cell finds it), where the
        build can run in parallel with other work while the measurement cannot; may raise
        (run_cell meets the same failure and reports it). Default: nothing."""
