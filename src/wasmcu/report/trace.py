"""The figure of a current trace with the windows found in it (one PNG).

As the other figures, it returns what it plotted, so what the figure shows can be checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..measure.powertrace import Analysis, Trace
from .plot import DPI, _plt

MAX_POINTS = 4000      # longer traces are drawn as a min/max envelope per pixel column


def _envelope(x: np.ndarray, t: np.ndarray):
    if len(x) <= MAX_POINTS:
        return t, x, None
    per = -(-len(x) // MAX_POINTS)
    n = len(x) // per * per
    cols = x[:n].reshape(-1, per)
    return t[:n:per], np.nanmin(cols, axis=1), np.nanmax(cols, axis=1)


def trace_figure(trace: Trace, analysis: Analysis | None, out: Path, *, title: str = "") -> dict:
    """Current (mA) against time (ms), each window shaded and labelled with its energy, the
    idle level and the threshold (threshold method) dashed, the marker input (marker method)
    below. Returns {"windows": [(start ms, end ms, µJ)], "idle_ma": ..., "threshold_ma": ...}."""
    plt = _plt()
    t_ms = np.arange(trace.n) / trace.rate_hz * 1000
    marker = analysis is not None and analysis.method == "marker"
    fig, axes = plt.subplots(2 if marker else 1, 1, figsize=(10, 4.8 if marker else 4), sharex=True,
                             height_ratios=[4, 1] if marker else None, layout="constrained", squeeze=False)
    ax = axes[0][0]
    tt, lo, hi = _envelope(trace.current_ua / 1000, t_ms)
    if hi is None:
        ax.plot(tt, lo, color="tab:blue", linewidth=0.7, label="current")
    else:
        ax.fill_between(tt, lo, hi, color="tab:blue", linewidth=0, label="current (min–max)")
    plotted = {"windows": [], "idle_ma": None, "threshold_ma": None}
    if analysis is not None:
        for i, w in enumerate(analysis.windows):
            a, b = w.start / trace.rate_hz * 1000, w.end / trace.rate_hz * 1000
            ax.axvspan(a, b, color="tab:orange", alpha=0.25, label="window" if i == 0 else None)
            if len(analysis.windows) <= 12:
                ax.annotate(f"{w.energy_uj:,.1f} µJ", ((a + b) / 2, 1.0), xycoords=("data", "axes fraction"),
                            ha="center", va="bottom", fontsize=7)
            plotted["windows"].append((a, b, w.energy_uj))
        if analysis.idle_ua is not None:
            plotted["idle_ma"] = analysis.idle_ua / 1000
            ax.axhline(plotted["idle_ma"], color="gray", linestyle="--", linewidth=0.8, label="idle")
        if analysis.threshold_ua is not None:
            plotted["threshold_ma"] = analysis.threshold_ua / 1000
            ax.axhline(plotted["threshold_ma"], color="tab:red", linestyle=":", linewidth=0.8, label="threshold")
        s = analysis.summary()
        spread = f" ± {s.sd_uj:,.1f}" if s.n > 1 else ""
        head = (f"{analysis.method} method: {s.energy_uj:,.1f}{spread} µJ per run ({s.n} run{'s' * (s.n > 1)}), "
                f"{analysis.basis}, scope {analysis.scope}, {analysis.voltage_v:g} V (measured)")
    else:
        head = f"scope {trace.scope}, {trace.voltage_v:g} V (measured)"
    if trace.lost:
        head += f"; {trace.lost} samples lost"
    ax.set_title(f"{title}\n{head}" if title else head, fontsize=9, pad=14)
    ax.set_ylabel("current (mA)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    if marker:
        mx = axes[1][0]
        bit = trace.channel(analysis.channel or 0)
        tt, lo, hi = _envelope(bit.astype(float), t_ms)
        mx.step(tt, lo if hi is None else hi, where="post", color="black", linewidth=0.8)
        mx.set_ylabel(f"D{analysis.channel or 0}")
        mx.set_yticks([0, 1])
        mx.set_xlabel("time (ms)")
    else:
        ax.set_xlabel("time (ms)")
    fig.savefig(out, dpi=DPI)
    plt.close(fig)
    return plotted


def trace_figures(results, db_path: Path, out: Path) -> list[Path]:
    """A figure of each result whose current trace is stored (`extra.power_trace`, written
    by powertrace.store_trace), as traces/<the trace's name>.png under `out`."""
    from ..measure.powertrace import Analysis, Window, load_trace, trace_path

    written = []
    for r in results:
        ref = r.extra.get("power_trace")
        if not ref or not trace_path(db_path, ref).is_file():
            continue
        trace, stored = load_trace(trace_path(db_path, ref))
        analysis = None
        if stored:
            stored = dict(stored, windows=[Window(**w) for w in stored["windows"]])
            analysis = Analysis(**stored)
        png = Path(out) / "traces" / (Path(ref).stem + ".png")
        png.parent.mkdir(parents=True, exist_ok=True)
        c = r.cell
        trace_figure(trace, analysis, png, title=f"{c.workload}:{c.n} ({c.lang}), {c.runtime} on {c.device}")
        written.append(png)
    return written
