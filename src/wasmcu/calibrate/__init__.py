"""Calibration: fit an emulated board's cost table to one real board.

`wasmcu calibrate --device BOARD` runs a calibration set natively on the real board, whose
firmware times each call with the chip's cycle counter (SysTick, DWT, SYSTIMER): the
microkernels beside this module (kernels/: each isolates one class of events: ALU chains,
dependent and independent loads, stores, taken and not-taken branches, jumps, calls, indirect
calls, multiplies, divides, load/store multiple, PUSH/POP, code that misses the flash cache,
floating point) and the embedded suite at small sizes. The same kernels run in QEMU on the
emulated profile the board corresponds to, for their event counts. The emulated profile's
costs are then fitted to the measured cycles (wasmcu.calibrate.fit) and written as a board
layer that `extends` the emulated profile, with the fitted costs and their provenance.

Layers: this package runs cells through wasmcu.bench; the CLI only calls it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..backends import RunContext
from ..backends.image import build_image, build_opt
from ..bench import execute_cell
from ..chips import CHIPS
from ..devices import Device, user_device_dir
from ..errors import ConfigError, WasmcuError
from ..model import CYCLES_MEASURED, OK, Cell
from ..workloads import Workload, load_workload
from ..workloads.kernel_source import kernel_source
from .fit import CalibrationError, Fit, Sample, fit

KERNELS = Path(__file__).resolve().parent / "kernels"
# the embedded suite at sizes that run in a few milliseconds natively on the slowest board
# (a 24-bit SysTick counts 134 ms at 125 MHz; rp2040js runs them in seconds)
SUITE_SIZES = {"fir": 512, "matmul": 16, "sha256": 1024, "aes128": 32, "crc32": 8192, "base64": 2048,
               "quicksort": 512, "dijkstra": 16, "frames": 256, "lzss": 256, "fft": 1, "biquad": 256}

__all__ = ["CalibrationError", "Calibration", "Fit", "Measurement", "Sample", "calibrate", "collect", "count_kernel",
           "emulated_for", "fit", "measure_kernel", "microkernels", "suite_kernels", "write_layer"]


def microkernels() -> dict[str, Workload]:
    """The calibration microkernels (workloads with an oracle each), by name."""
    return {wl.name: wl for wl in (load_workload(d) for d in sorted(KERNELS.iterdir()) if (d / "workload.toml").is_file())}


def suite_kernels(workloads: dict[str, Workload]) -> list[tuple[Workload, int]]:
    """The embedded suite at calibration sizes (the workloads that exist in `workloads`)."""
    return [(workloads[name], n) for name, n in SUITE_SIZES.items() if name in workloads and "c" in workloads[name].sources]


def emulated_for(board: Device, devices: dict[str, Device], name: str | None = None) -> Device:
    """The emulated profile a real board corresponds to: `name`, else BOARD without its
    `-board` suffix, else the only emulated profile on the same core."""
    if board.backend != "board":
        raise ConfigError(f"'{board.name}' is not a real board (backend {board.backend!r}): calibrate runs on a "
                          "board profile (backend = \"board\"), e.g. pico-board")
    if name is None:
        stem = board.name.removesuffix("-board")
        if stem != board.name and stem in devices and devices[stem].backend == "qemu":
            name = stem
        else:
            same = [d.name for d in devices.values() if d.backend == "qemu" and d.core == board.core]
            if len(same) != 1:
                raise ConfigError(f"which emulated profile does '{board.name}' calibrate? "
                                  + (f"{', '.join(same)} share its core" if same else "none shares its core")
                                  + ": name it with --emulated")
            name = same[0]
    if name not in devices:
        raise ConfigError(f"unknown device '{name}'; known: {', '.join(devices)}")
    emu = devices[name]
    if emu.backend != "qemu":
        raise ConfigError(f"'{name}' is not an emulated profile (backend {emu.backend!r}): --emulated names a QEMU "
                          "profile whose cost table is fitted, e.g. pico")
    if emu.core != board.core:
        raise ConfigError(f"'{name}' has core {emu.core!r} but '{board.name}' has {board.core!r}: a cost table "
                          "fitted on one core says nothing of another")
    return emu


@dataclass
class Measurement:
    """One kernel run on both sides."""

    kernel: str
    events: dict | None = None
    measured: float | None = None
    measured_kind: str | None = None   # "cycle counter" or "timer x clock"
    firmware_sha256: str | None = None
    error: str | None = None
    board: dict | None = None          # the board run's settings: flasher, port or probe as used


@dataclass
class Calibration:
    board: str
    emulated: str
    fit: Fit
    measurements: list[Measurement]
    provenance: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        f = self.fit
        return {"board": self.board, "emulated": self.emulated, "free": f.free,
                "costs": {k: c.as_dict() for k, c in f.costs.items()},
                "overhead_cycles": f.overhead.as_dict(),
                "residuals_pct": f.residuals_pct, "loo_error_pct": f.loo_error_pct,
                "table_error_pct": f.table_error_pct,
                "rms_residual_pct": f.rms(f.residuals_pct), "rms_loo_error_pct": f.rms(f.loo_error_pct),
                "rms_table_error_pct": f.rms(f.table_error_pct),
                "outside_range": [c.name for c in f.outside],
                "samples": [{"kernel": m.kernel, "events": m.events, "measured_cycles": m.measured,
                             "measured_kind": m.measured_kind, "firmware_sha256": m.firmware_sha256,
                             "board": m.board, "error": m.error} for m in self.measurements],
                "provenance": self.provenance}


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def count_kernel(wl: Workload, n: int, emulated: Device, ctx: RunContext | None = None) -> Measurement:
    """Run one kernel natively in QEMU: its event counts (nothing measured yet)."""
    m = Measurement(f"{wl.name}:{n}")
    rq = execute_cell(Cell(wl.name, n, "c", "native", emulated.name), wl, emulated, ctx or RunContext())
    if rq.status != OK:
        m.error = f"in QEMU ({emulated.name}): {rq.status}: {rq.error}"
    else:
        m.events = rq.extra["events"]["run"]
    return m


def measure_kernel(wl: Workload, n: int, board: Device, emulated: Device, ctx: RunContext) -> Measurement:
    """Run one kernel natively in QEMU (event counts) and on the board (measured cycles)."""
    m = count_kernel(wl, n, emulated, ctx)
    if m.error:
        return m
    rb = execute_cell(Cell(wl.name, n, "c", "native", board.name), wl, board, ctx)
    if rb.status != OK:
        m.error = f"on {board.name}: {rb.status}: {rb.error}"
        return m
    m.board = rb.provenance.get("board")
    if rb.cycles is not None and rb.cycles_kind == CYCLES_MEASURED:
        m.measured, m.measured_kind = float(rb.cycles), "cycle counter"
    elif rb.time_us is not None and board.clock_hz:
        m.measured, m.measured_kind = rb.time_us * board.clock_hz / 1e6, "timer x clock"
    else:
        m.error = f"on {board.name}: the board reported neither cycles nor a time"
        return m
    chip = board.section("board").get("chip")
    try:
        elf, _ = build_image("native", kernel_source(wl, n, "c"), board, build_opt(board, "o2"), chip=chip,
                             containment=bool(wl.containment))  # cached: the image run
        m.firmware_sha256 = _sha256(elf)
    except WasmcuError:
        pass
    return m


def collect(board: Device, emulated: Device, kernels: list[tuple[Workload, int]], ctx: RunContext | None = None,
            progress: Callable[[str], None] | None = None) -> list[Measurement]:
    ctx = ctx or RunContext()
    out = []
    for wl, n in kernels:
        if progress:
            progress(f"{wl.name}:{n}")
        out.append(measure_kernel(wl, n, board, emulated, ctx))
    return out


def calibrate(board: Device, emulated: Device, kernels: list[tuple[Workload, int]], *, free: bool = False,
              ctx: RunContext | None = None, progress=None, measurements: list[Measurement] | None = None,
              measured_on: str | None = None) -> Calibration:
    """Measure (unless `measurements` are given, e.g. read back from an earlier --json, measured
    on the date `measured_on`) and fit."""
    if measurements is None:
        measurements = collect(board, emulated, kernels, ctx, progress)
    samples = [Sample(m.kernel, m.events, m.measured) for m in measurements if m.error is None]
    failed = [m for m in measurements if m.error is not None]
    if len(samples) < 2:
        why = "; ".join(f"{m.kernel}: {m.error}" for m in failed[:3])
        raise CalibrationError(f"only {len(samples)} of {len(measurements)} calibration kernels ran on both sides"
                               + (f" ({why})" if why else ""))
    result = fit(samples, emulated.cycle_model, free=free)
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    settings = dict(board.section("board"))
    for k in ("flasher", "port", "probe"):  # as the board runs used them (else as configured)
        settings[k] = os.environ.get(f"WASMCU_{'BOARD_PORT' if k == 'port' else k.upper()}") or settings.get(k)
    used = next((m.board for m in measurements if m.board), None) or {}
    settings.update({k: v for k, v in used.items() if k in ("flasher", "port", "probe", "place") and v})
    flasher, port, probe, chip = settings["flasher"], settings["port"], settings["probe"], settings.get("chip")
    prov = {"board": board.name, "chip": chip, "flasher": flasher, "port": port, "probe": probe,
            "place": settings.get("place"),
            "timer": CHIPS[chip].timer if chip in CHIPS else None, "clock_hz": board.clock_hz,
            "emulated": emulated.name, "emulated_profile_hash": emulated.profile_hash,
            "date": measured_on or now, **({"fitted_on": now} if measured_on else {}),
            "kernels": len(samples), "failed": {m.kernel: m.error for m in failed},
            "firmware_sha256": {m.kernel: m.firmware_sha256 for m in measurements if m.firmware_sha256},
            "fit": {"free": free, "rms_residual_pct": round(result.rms(result.residuals_pct), 4),
                    "rms_loo_error_pct": round(result.rms(result.loo_error_pct), 4),
                    "rms_table_error_pct": round(result.rms(result.table_error_pct), 4)}}
    return Calibration(board.name, emulated.name, result, measurements, prov)


def measurements_from_json(data: dict) -> list[Measurement]:
    """The samples of an earlier `wasmcu calibrate --json` (to fit again without running)."""
    try:
        return [Measurement(s["kernel"], s.get("events"), s.get("measured_cycles"), s.get("measured_kind"),
                            s.get("firmware_sha256"), s.get("error"), s.get("board")) for s in data["samples"]]
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"not the JSON of `wasmcu calibrate --json`: {exc!r} is missing",
                          expected="a file written by wasmcu calibrate --json") from None


def layer_name(emulated: str) -> str:
    return f"{emulated}-fitted"


def default_layer_path(emulated: str) -> Path:
    return user_device_dir() / f"{layer_name(emulated)}.toml"


def write_layer(cal: Calibration, path: Path, name: str | None = None) -> Path:
    """A board layer that `extends` the emulated profile with the fitted costs: each fitted cost
    as { value, low, high, why } (low/high: two standard errors, within the fit's bounds); the
    provenance in [calibration]."""
    import tomli_w

    name = name or layer_name(cal.emulated)
    prov = cal.provenance
    model: dict = {}
    for k, c in cal.fit.costs.items():
        if c.status in ("fixed", "not-excited", "not-separable"):
            continue
        se = c.stderr or 0.0
        lo, hi = max(c.low, c.value - 2 * se), min(c.high, c.value + 2 * se)
        lo, hi = min(lo, c.value), max(hi, c.value)
        why = (f"fitted on {cal.board}: {c.value:.4g} +/- {se:.2g} (one standard error); table {c.table:g}"
               + (f"; {c.note}" if c.note else ""))
        model[k] = {"value": round(c.value, 4), "low": round(lo, 4), "high": round(hi, 4), "why": why}
    model["source"] = (f"fitted by wasmcu calibrate to cycles measured on {cal.board} ({prov.get('timer') or 'timer'}) "
                       f"on {prov.get('date', '?')[:10]}: {prov.get('kernels')} kernels, residual "
                       f"{prov['fit']['rms_residual_pct']:.3g} % rms, leave-one-out {prov['fit']['rms_loo_error_pct']:.3g} % "
                       f"rms (the table's own error {prov['fit']['rms_table_error_pct']:.3g} % rms)")
    data = {"name": name, "extends": cal.emulated,
            "description": f"{cal.emulated} with its cost table fitted to {cal.board}",
            "cycle_model": model, "calibration": _toml_safe(prov)}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ("# Written by `wasmcu calibrate`: the emulated profile with costs fitted to a real board.\n"
              "# Each fitted cost's range is two standard errors; [calibration] says where the figures come from.\n")
    path.write_text(header + tomli_w.dumps(data))
    return path


def _toml_safe(value):
    """TOML has no null: drop the keys whose value is None."""
    if isinstance(value, dict):
        return {str(k): _toml_safe(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_toml_safe(v) for v in value if v is not None]
    return value


def load_json(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read calibration data: {exc}", file=path,
                          expected="the JSON written by wasmcu calibrate --json") from None
