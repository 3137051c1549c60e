"""Fitting a cost table to measured cycles: bounded linear least squares.

Each calibration kernel gives one equation: the cycles a board measured for it equal its
event counts (from QEMU, wasmcu.measure.cycles.coefficients) times the per-event costs. The
costs are found by scipy's `lsq_linear` within each cost's stated range (a cost the table
states as one number is held there unless `free`; `free` lets every cost range from 0 to
FREE_HIGH times its stated high). Residuals are relative, so a short kernel weighs as much
as a long one.

A cost that no kernel excites (no events counted), or whose events move in step with others
in every kernel (not separable, e.g. a per-instruction wait state beside the instruction
classes), is not fitted: it keeps the table's value and says why. When the costs fitted
without any bound put one outside its stated range, the bounded fit's value sits on the
bound and the cost is reported as outside its range, never silently clipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import WasmcuError
from ..measure.cycles import COSTS, CostModel, coefficients

FREE_HIGH = 4.0       # --free: a cost may range from 0 to 4 x its stated high (at least FREE_MIN cycles)
FREE_MIN = 8.0
OUTSIDE_SIGMAS = 3.0  # an unbounded value this many standard errors past a bound is outside the range
# the board's timer window holds a few instructions more than QEMU's (the counter reads around
# the call): a constant number of cycles per kernel, fitted beside the costs, not a cost
OVERHEAD = "overhead"
OVERHEAD_HIGH = 2000.0


class CalibrationError(WasmcuError):
    """The calibration data cannot give a fit (too few kernels, no measured cycles)."""


@dataclass(frozen=True)
class Sample:
    """One kernel: its event counts in QEMU and the cycles the board measured."""

    kernel: str
    events: dict
    measured: float


@dataclass
class FittedCost:
    name: str
    table: float                 # the table's value
    low: float                   # the bounds of the fit (the stated range, or the free range)
    high: float
    value: float
    stderr: float | None = None
    status: str = "fitted"       # fitted | at-bound | outside-range | fixed | not-excited | not-separable
    unbounded: float | None = None  # the value a fit without bounds gives (outside-range)
    note: str | None = None

    def as_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high, "stderr": self.stderr, "table": self.table,
                "status": self.status, **({"unbounded": self.unbounded} if self.unbounded is not None else {}),
                **({"note": self.note} if self.note else {})}


@dataclass
class Fit:
    costs: dict[str, FittedCost]
    overhead: FittedCost                  # cycles per measured call outside QEMU's window
    residuals_pct: dict[str, float]       # (fitted estimate - measured) / measured, per kernel
    table_error_pct: dict[str, float]     # the same with the table's costs
    loo_error_pct: dict[str, float] = field(default_factory=dict)  # each kernel predicted by a fit without it
    free: bool = False

    @property
    def outside(self) -> list[FittedCost]:
        return [c for c in self.costs.values() if c.status == "outside-range"]

    def model(self, source: str) -> CostModel:
        """The fitted costs as a cost table (the others at the table's values)."""
        table = {k: c.value for k, c in self.costs.items()}
        return CostModel.from_table({**table, "source": source}, None)

    def rms(self, which: dict[str, float]) -> float:
        return float(np.sqrt(np.mean(np.square(list(which.values()))))) if which else 0.0


def design(samples: list[Sample], names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The matrix of event counts (kernel x cost; 1 for the overhead) and the measured cycles."""
    a = np.array([[1 if k == OVERHEAD else coefficients(s.events)[k] for k in names] for s in samples], dtype=float)
    b = np.array([s.measured for s in samples], dtype=float)
    return a, b


def fit(samples: list[Sample], table: CostModel, free: bool = False, loo: bool = True) -> Fit:
    """Fit `table`'s costs to the samples (see the module's notes); `loo`: also predict each
    kernel from a fit to the others."""
    if len(samples) < 2:
        raise CalibrationError(f"{len(samples)} calibration kernel(s) ran: a fit needs at least two")
    bad = [s.kernel for s in samples if not s.measured or s.measured <= 0]
    if bad:
        raise CalibrationError(f"no measured cycles for {', '.join(bad)}")
    result = _fit(samples, table, free)
    if loo and len(samples) > 2:
        for i, s in enumerate(samples):
            rest = samples[:i] + samples[i + 1:]
            f = _fit(rest, table, free, errors=False)
            pred = sum(coefficients(s.events)[k] * c.value for k, c in f.costs.items()) + f.overhead.value
            result.loo_error_pct[s.kernel] = 100.0 * (pred / s.measured - 1)
    return result


def _fit(samples: list[Sample], table: CostModel, free: bool, errors: bool = True) -> Fit:
    from scipy.optimize import lsq_linear

    names = [k for k in COSTS if k in table.costs] + [OVERHEAD]
    a, b = design(samples, names)
    w = 1.0 / b                               # relative residuals
    aw = a * w[:, None]
    costs: dict[str, FittedCost] = {}
    for j, k in enumerate(names):
        if k == OVERHEAD:
            costs[k] = FittedCost(k, 0.0, 0.0, OVERHEAD_HIGH, 0.0)
            continue
        c = table.costs[k]
        lo, hi = (0.0, max(FREE_HIGH * c.high, FREE_MIN)) if free else (c.low, c.high)
        costs[k] = FittedCost(k, c.value, lo, hi, c.value)
    # which costs the data can tell apart: excited, varying, not a combination of the others
    fitted: list[int] = []
    for j, k in enumerate(names):
        fc = costs[k]
        if not a[:, j].any():
            fc.status, fc.stderr, fc.note = "not-excited", None, "no kernel has such events: the table's value is kept"
            continue
        if fc.low == fc.high:
            fc.status, fc.stderr, fc.note = "fixed", 0.0, "the table states one value (--free lets it move)"
            continue
        trial = fitted + [j]
        if np.linalg.matrix_rank(aw[:, trial] / np.linalg.norm(aw[:, trial], axis=0), tol=1e-9) < len(trial):
            others = ", ".join(names[i] for i in fitted)
            fc.status, fc.stderr = "not-separable", None
            fc.note = (f"its events are a combination of those of the costs fitted before it ({others}) in these "
                       "kernels: the table's value is kept")
            continue
        fitted.append(j)
    held = [j for j in range(len(names)) if j not in fitted]
    target = np.ones(len(b)) - aw[:, held] @ np.array([costs[names[j]].value for j in held]) if held else np.ones(len(b))
    if fitted:
        sub = aw[:, fitted]
        lb = np.array([costs[names[j]].low for j in fitted])
        ub = np.array([costs[names[j]].high for j in fitted])
        sol = lsq_linear(sub, target, bounds=(lb, ub), method="bvls", tol=1e-12, lsmr_tol="auto")
        x = sol.x
        for j, v in zip(fitted, x):
            costs[names[j]].value = float(v)
        if errors:
            _uncertainty(costs, names, fitted, sub, target, x, lb, ub)
    est = a @ np.array([costs[k].value for k in names])
    tab = a[:, :-1] @ np.array([table.costs[k].value for k in names[:-1]])
    kernels = [s.kernel for s in samples]
    overhead = costs.pop(OVERHEAD)
    return Fit(costs=costs, overhead=overhead, residuals_pct={k: float(100 * (e / m - 1)) for k, e, m in zip(kernels, est, b)},
               table_error_pct={k: float(100 * (t / m - 1)) for k, t, m in zip(kernels, tab, b)}, free=free)


def _standard_errors(sub, target, x) -> np.ndarray:
    """Standard errors of a linear fit's values: residual variance x (A^T A)^-1."""
    n, p = sub.shape
    resid = sub @ x - target
    s2 = float(resid @ resid) / (n - p) if n > p else float("nan")
    try:
        return np.sqrt(np.clip(np.diag(s2 * np.linalg.inv(sub.T @ sub)), 0, None))
    except np.linalg.LinAlgError:
        return np.full(p, np.nan)


def _uncertainty(costs, names, fitted, sub, target, x, lb, ub) -> None:
    """Standard errors of the fitted costs; a cost on a bound is checked against the fit
    without bounds (costs >= 0 only): beyond the bound by more than its own uncertainty there,
    it is outside its stated range."""
    from scipy.optimize import lsq_linear

    p = sub.shape[1]
    se = _standard_errors(sub, target, x)
    unb = lsq_linear(sub, target, bounds=(np.zeros(p), np.full(p, np.inf)), method="bvls", tol=1e-12).x
    se_unb = _standard_errors(sub, target, unb)
    for i, j in enumerate(fitted):
        fc = costs[names[j]]
        fc.stderr = float(se[i]) if np.isfinite(se[i]) else None
        on_low, on_high = abs(x[i] - lb[i]) <= 1e-6 * max(1, ub[i]), abs(x[i] - ub[i]) <= 1e-6 * max(1, ub[i])
        if not (on_low or on_high):
            continue
        margin = OUTSIDE_SIGMAS * (float(se_unb[i]) if np.isfinite(se_unb[i]) else 0.0) + 0.01 * max(abs(fc.table), 1)
        if (on_low and unb[i] < lb[i] - margin) or (on_high and unb[i] > ub[i] + margin):
            fc.status, fc.unbounded = "outside-range", float(unb[i])
            side = "below" if on_low else "above"
            fc.note = (f"the measurements put it at {unb[i]:.3g}, {side} its stated range [{lb[i]:g}, {ub[i]:g}]: "
                       f"held at the bound; check the table's range (or fit with --free)")
        else:
            fc.status = "at-bound"
