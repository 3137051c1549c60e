"""Current traces and the energy in them (pure functions; numpy).

A `Trace` is what a power meter recorded: the current per sample (µA; NaN where a sample
was lost), the logic inputs per sample (bit k = input Dk), the sample rate, the supply
voltage and the scope — which rail the meter supplies, `board` (the whole board, e.g. the
Pico's VSYS) or `soc` (the chip's own supply), as `[power] scope` in the device profile and
in `energy.py`'s model.

Two ways to find the window in which the kernel ran:

- `threshold` (the study's method): the board idles before and after; the idle level is
  taken from the start and the end of the trace, the active level from the samples well
  above it, and the window is where the current (lightly smoothed, for finding edges only)
  is above the midpoint. Several windows when the kernel ran several times with idle between.
- `marker`: the firmware holds a GPIO wired to a PPK2 logic input high while the kernel
  runs; each pulse is a window, exact to one sample (10 µs), whatever the current looks like.

The energy of a window is E = V · Σ I · Δt over its samples: *gross*, all the current the
scope drew while the kernel ran — what `energy.py`'s model estimates (active current × time)
and what is reported by default. With `subtract_idle`, the idle current times the window's
length is taken off: *net of idle*, what running the kernel added to idling. Which one a
figure is says `basis`. Windows from repeated runs give a mean and a spread (`summarise`).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..errors import EnergyAnalysisError

METHODS = ("marker", "threshold")
GROSS, NET = "gross", "net of idle"
MAD_SCALE = 1.4826


@dataclass
class Trace:
    current_ua: np.ndarray
    logic: np.ndarray | None = None
    rate_hz: float = 100_000.0
    voltage_v: float = 3.3
    scope: str = "board"
    lost: int = 0
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self.current_ua = np.asarray(self.current_ua, dtype=np.float64)
        if self.logic is None:
            self.logic = np.zeros(len(self.current_ua), dtype=np.uint8)
        self.logic = np.asarray(self.logic, dtype=np.uint8)
        if len(self.logic) != len(self.current_ua):
            raise ValueError("current and logic traces differ in length")

    @property
    def n(self) -> int:
        return len(self.current_ua)

    @property
    def dt_s(self) -> float:
        return 1.0 / self.rate_hz

    @property
    def duration_s(self) -> float:
        return self.n / self.rate_hz

    def slice(self, start: int, end: int) -> Trace:
        """Samples [start, end) as a trace of their own (the lost count is theirs)."""
        cur = self.current_ua[start:end]
        return Trace(cur, self.logic[start:end], self.rate_hz, self.voltage_v, self.scope,
                     int(np.isnan(cur).sum()), dict(self.meta))

    def channel(self, ch: int) -> np.ndarray:
        """Logic input Dch as 0/1 per sample."""
        return (self.logic >> ch) & 1

    def filled(self) -> np.ndarray:
        """The current with lost samples (NaN) interpolated from their neighbours."""
        x = self.current_ua
        bad = np.isnan(x)
        if not bad.any():
            return x
        if bad.all():
            raise EnergyAnalysisError("the trace holds no samples")
        idx = np.arange(len(x))
        out = x.copy()
        out[bad] = np.interp(idx[bad], idx[~bad], x[~bad])
        return out


@dataclass(frozen=True)
class Window:
    start: int            # first sample
    end: int              # one past the last
    energy_uj: float      # on the analysis's basis
    gross_uj: float
    time_us: float
    mean_ua: float
    lost: int             # lost samples inside (interpolated)


@dataclass
class MeasuredEnergy:
    """Energy per run over repeated windows: mean and spread."""
    energy_uj: float
    sd_uj: float
    n: int
    min_uj: float
    max_uj: float
    time_us: float
    method: str
    basis: str
    scope: str
    kind: str = "measured"

    @property
    def rsd(self) -> float:
        return self.sd_uj / self.energy_uj if self.energy_uj else float("nan")


@dataclass
class Analysis:
    method: str
    basis: str
    scope: str
    voltage_v: float
    windows: list[Window]
    idle_ua: float | None
    active_ua: float | None = None
    threshold_ua: float | None = None
    channel: int | None = None

    def summary(self) -> MeasuredEnergy:
        return summarise([self])

    def as_dict(self) -> dict:
        d = asdict(self)
        d["windows"] = [asdict(w) for w in self.windows]
        return d


def _moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average (odd width), shorter at the ends."""
    if width <= 1:
        return x
    h = width // 2
    c = np.concatenate([[0.0], np.cumsum(x)])
    idx = np.arange(len(x))
    lo, hi = np.maximum(idx - h, 0), np.minimum(idx + h + 1, len(x))
    return (c[hi] - c[lo]) / (hi - lo)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    m = np.concatenate([[False], mask.astype(bool), [False]])
    d = np.diff(m.astype(np.int8))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def threshold_windows(trace: Trace, *, idle_fraction: float = 0.05, smooth: int = 5, min_gap_s: float = 1e-3,
                      min_active_s: float = 50e-6):
    """The study's method: (windows, idle µA, active µA, threshold µA)."""
    x = trace.filled()
    n = len(x)
    m = max(1, int(n * idle_fraction))
    if n < 4 * m:
        raise EnergyAnalysisError(f"the trace is too short ({n} samples) to hold idle before and after a run")
    s = _moving_average(x, smooth | 1)
    head, tail = s[:m], s[-m:]
    quiet = head if np.median(head) <= np.median(tail) else tail   # the lower end, if one end is not idle
    idle = float(np.median(quiet))
    noise = MAD_SCALE * float(np.median(np.abs(quiet - idle)))
    peak = float(s.max())
    if peak - idle <= max(8 * noise, 1.0):
        raise EnergyAnalysisError(
            f"no active window: the current never rises clearly above the idle level (idle {idle / 1000:.3f} mA, "
            f"peak {peak / 1000:.3f} mA, noise {noise / 1000:.3f} mA); use the marker method, or let the firmware "
            "idle in a low-power wait")
    active = float(np.median(s[s > (idle + peak) / 2]))
    threshold = (idle + active) / 2
    runs = _runs(s > threshold)
    gap = max(1, round(min_gap_s * trace.rate_hz))
    merged: list[list[int]] = []
    for a, b in runs:
        if merged and a - merged[-1][1] < gap:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    shortest = max(1, round(min_active_s * trace.rate_hz))
    windows = [(a, b) for a, b in merged if b - a >= shortest]
    if not windows:
        raise EnergyAnalysisError(f"no active window of at least {min_active_s * 1e6:g} µs above "
                                  f"{threshold / 1000:.3f} mA")
    if windows[0][0] == 0 or windows[-1][1] == n or max(np.median(head), np.median(tail)) > threshold:
        raise EnergyAnalysisError("the current is above the idle level at the start or the end of the trace: "
                                  "record longer before and after the run (the method needs idle on both sides)")
    return windows, idle, active, threshold


def marker_windows(trace: Trace, channel: int = 0) -> list[tuple[int, int]]:
    """Each pulse of logic input D`channel`: [rising edge, falling edge)."""
    bit = trace.channel(channel).astype(np.int8)
    d = np.diff(bit)
    rises = (np.flatnonzero(d == 1) + 1).tolist()
    falls = (np.flatnonzero(d == -1) + 1).tolist()
    if bit[0]:
        falls = falls[1:]          # a pulse already under way when recording began: not whole
    if not rises:
        raise EnergyAnalysisError(f"no marker pulse on logic input D{channel}: is the marker GPIO wired to D{channel} "
                                  "(and GND shared), and does the firmware raise it around the call?")
    if len(falls) < len(rises):
        raise EnergyAnalysisError(f"the marker on D{channel} was still high when recording stopped: stop later")
    return list(zip(rises, falls[: len(rises)]))


def _idle_outside(trace: Trace, x: np.ndarray, windows, guard_s: float = 1e-3) -> float | None:
    keep = np.ones(len(x), dtype=bool)
    g = round(guard_s * trace.rate_hz)
    for a, b in windows:
        keep[max(0, a - g): b + g] = False
    keep &= ~np.isnan(trace.current_ua)
    return float(np.median(x[keep])) if keep.any() else None


def analyse(trace: Trace, method: str = "marker", *, channel: int | None = None, subtract_idle: bool = False,
            **threshold_options) -> Analysis:
    """The windows of a trace and their energy; see the module's description."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: {' or '.join(METHODS)}")
    x = trace.filled()
    active = threshold = None
    if method == "threshold":
        spans, idle, active, threshold = threshold_windows(trace, **threshold_options)
    else:
        channel = trace.meta.get("marker_channel", 0) if channel is None else channel
        spans = marker_windows(trace, channel)
        idle = _idle_outside(trace, x, spans)
    if subtract_idle and idle is None:
        raise EnergyAnalysisError("no idle samples outside the marker pulses to subtract: record before and after")
    lost = np.isnan(trace.current_ua)
    windows = []
    for a, b in spans:
        total = float(x[a:b].sum())
        gross = trace.voltage_v * total * trace.dt_s             # V x µA x s = µJ
        t_s = (b - a) * trace.dt_s
        net = gross - trace.voltage_v * idle * t_s if subtract_idle else gross
        windows.append(Window(start=a, end=b, energy_uj=net, gross_uj=gross, time_us=t_s * 1e6,
                              mean_ua=total / (b - a), lost=int(lost[a:b].sum())))
    return Analysis(method=method, basis=NET if subtract_idle else GROSS, scope=trace.scope,
                    voltage_v=trace.voltage_v, windows=windows, idle_ua=idle, active_ua=active,
                    threshold_ua=threshold, channel=channel if method == "marker" else None)


def summarise(analyses: list[Analysis]) -> MeasuredEnergy:
    """Mean and standard deviation of the energy per window, over the windows of repeated runs."""
    if not analyses or not any(a.windows for a in analyses):
        raise EnergyAnalysisError("no windows to summarise")
    kinds = {(a.method, a.basis, a.scope) for a in analyses}
    if len(kinds) > 1:
        raise ValueError(f"analyses differ in method, basis or scope: {sorted(kinds)}")
    e = np.array([w.energy_uj for a in analyses for w in a.windows])
    t = np.array([w.time_us for a in analyses for w in a.windows])
    method, basis, scope = kinds.pop()
    return MeasuredEnergy(energy_uj=float(e.mean()), sd_uj=float(e.std(ddof=1)) if len(e) > 1 else 0.0, n=len(e),
                          min_uj=float(e.min()), max_uj=float(e.max()), time_us=float(t.mean()), method=method,
                          basis=basis, scope=scope)


def result_fields(energy: MeasuredEnergy, trace_ref: str | None = None) -> tuple[float, str, dict]:
    """(energy_uj, energy_kind, extra) for a result: how the board backend reports it."""
    extra = {"energy_scope": energy.scope, "energy_method": energy.method, "energy_basis": energy.basis,
             "energy_sd_uj": energy.sd_uj, "energy_n": energy.n, "energy_uj_range": [energy.min_uj, energy.max_uj],
             "energy_window_us": energy.time_us}
    if trace_ref:
        extra["power_trace"] = trace_ref
    return energy.energy_uj, energy.kind, extra


# --- storage --------------------------------------------------------------------------------

def save_trace(trace: Trace, path: Path, analysis: Analysis | None = None) -> Path:
    """A compressed .npz: current as float32 µA (NaN = lost), logic bytes (left out when all
    zero), and the rest as JSON."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"rate_hz": trace.rate_hz, "voltage_v": trace.voltage_v, "scope": trace.scope, "lost": trace.lost,
            "meta": trace.meta, "analysis": analysis.as_dict() if analysis else None}
    arrays = {"current_ua": trace.current_ua.astype(np.float32), "meta": np.array(json.dumps(meta, default=str))}
    if trace.logic.any():
        arrays["logic"] = trace.logic
    with open(path, "wb") as f:
        np.savez_compressed(f, **arrays)
    return path


def load_trace(path: Path) -> tuple[Trace, dict | None]:
    """The trace saved by save_trace, and the analysis stored with it (a dict) if any."""
    with np.load(Path(path)) as z:
        meta = json.loads(str(z["meta"]))
        current = z["current_ua"].astype(np.float64)
        logic = z["logic"] if "logic" in z.files else None
    trace = Trace(current_ua=current, logic=logic, rate_hz=meta["rate_hz"], voltage_v=meta["voltage_v"],
                  scope=meta["scope"], lost=meta["lost"], meta=meta["meta"])
    return trace, meta.get("analysis")


TRACE_DIR = "traces"


def store_trace(trace: Trace, db_path: Path, name: str, analysis: Analysis | None = None) -> str:
    """Save a trace beside the results store (`traces/<name>.npz` in the store's directory)
    and return that relative path, for a result's extra (`power_trace`)."""
    safe = re.sub(r"[^A-Za-z0-9_.@+-]+", "_", name).strip("._") or "trace"
    ref = f"{TRACE_DIR}/{safe}.npz"
    save_trace(trace, Path(db_path).resolve().parent / ref, analysis)
    return ref


def trace_path(db_path: Path, ref: str) -> Path:
    """Where a result's `power_trace` reference points."""
    return Path(db_path).resolve().parent / ref
