"""A score per runtime and device: how much a runtime costs against native code.

Every ok cell of a runtime is set against the ok native cell of the same workload, size,
language, device and build; the ratios (time, flash, peak RAM) are summarised by their
geometric mean and geometric standard deviation (ratios multiply, so their mean is
geometric, as in SPEC and Embench). On an emulated board times are estimates from a cycle
model: such a score is marked estimated, and it comes with the score the cost table's low
and high values would give (each ratio with both cells costed at the low, then at the
high end of every range).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..model import Result
from .ratios import geomean_gsd, ratios_to_native
from .markdown import md_text

METRICS = {  # name -> (label, value of a result)
    "time": ("time", lambda r: r.time_us),
    "flash": ("flash", lambda r: r.flash_bytes),
    "ram": ("peak RAM", lambda r: r.ram_peak_bytes or r.ram_static_bytes),
}


@dataclass(frozen=True)
class Score:
    geomean: float
    gsd: float
    cells: int
    estimated: bool                                   # a time was estimated (cycle model), not measured
    model_range: tuple[float, float] | None = None    # the score at the cost table's low and high ends

    @property
    def spread(self) -> tuple[float, float]:
        """One geometric standard deviation either side of the geometric mean."""
        return self.geomean / self.gsd, self.geomean * self.gsd

    def text(self) -> str:
        """'52.31× (×/÷1.31, 24) est. [50.10–55.02]'"""
        out = f"{self.geomean:,.2f}× (×/÷{self.gsd:.2f}, {self.cells})"
        if self.estimated:
            out += " est."
            if self.model_range:
                out += f" [{self.model_range[0]:,.2f}–{self.model_range[1]:,.2f}]"
        return out


def _time_bounds(r: Result) -> tuple[float, float] | None:
    rng = r.extra.get("time_us_range") if r.time_kind != "measured" else None
    if rng and len(rng) == 2 and rng[0] and rng[1]:
        return float(rng[0]), float(rng[1])
    return None


def scores(results: list[Result]) -> dict[tuple[str, str, str], Score]:
    """(device, runtime, metric) -> the score of that runtime on that device (native excluded)."""
    ratios: dict[tuple, list[float]] = defaultdict(list)
    lows: dict[tuple, list[float]] = defaultdict(list)
    highs: dict[tuple, list[float]] = defaultdict(list)
    estimated: dict[tuple, bool] = defaultdict(bool)
    for r, base, metric, ratio in ratios_to_native(results, METRICS):
        if r.cell.runtime == "native":
            continue
        key = (r.cell.device, r.cell.runtime, metric)
        ratios[key].append(ratio)
        if metric == "time":
            estimated[key] |= r.time_kind != "measured" or base.time_kind != "measured"
            rb, bb = _time_bounds(r), _time_bounds(base)
            if rb and bb:
                lows[key].append(rb[0] / bb[0])
                highs[key].append(rb[1] / bb[1])
    out = {}
    for key, values in ratios.items():
        g, s = geomean_gsd(values)
        model = None
        if estimated[key] and len(lows[key]) == len(values):
            a, b = geomean_gsd(lows[key])[0], geomean_gsd(highs[key])[0]
            model = (min(a, b, g), max(a, b, g))
        out[key] = Score(g, s, len(values), estimated[key], model)
    return out


def _runtime_order(runtimes) -> list[str]:
    from ..runtimes import RUNTIMES

    order = list(RUNTIMES)
    return sorted(set(runtimes), key=lambda rt: (order.index(rt) if rt in order else len(order), rt))


def score_table_markdown(results: list[Result]) -> str:
    """One table per device: rows runtimes, columns time, flash and peak RAM."""
    table = scores(results)
    if not table:
        return "No runtime has an ok native cell to compare with.\n"
    parts = ["Geometric mean of runtime ÷ native over every cell with both ok (×/÷ geometric SD, cells). "
             "`est.`: times estimated by the board's cycle model, with the score the cost table's low and high "
             "ends give in brackets; host times are measured.\n"]
    for device in dict.fromkeys(d for d, _, _ in table):
        parts.append(f"### {md_text(device)}: score per runtime (× native)\n")
        parts.append("| runtime | " + " | ".join(label for label, _ in METRICS.values()) + " |")
        parts.append("|---|" + "---:|" * len(METRICS))
        for rt in _runtime_order(rt for d, rt, _ in table if d == device):
            cells = [table[(device, rt, m)].text() if (device, rt, m) in table else "–" for m in METRICS]
            parts.append(f"| {md_text(rt)} | " + " | ".join(cells) + " |")
        parts.append("")
    return "\n".join(parts)


def score_table_html(results: list[Result]) -> str:
    import html

    table = scores(results)
    e = lambda x: html.escape(str(x))  # noqa: E731
    parts = ["<h2>Score per runtime and device: geometric mean of runtime ÷ native (×/÷ geometric SD, cells)</h2>",
             "<p>Each cell of a runtime against native code of the same workload, size, language and build on the "
             "same device. <i>est.</i>: emulated-board times, estimated by the cycle model; in brackets the score at "
             "the low and high ends of the cost table's ranges. Host times are measured.</p>",
             "<table><tr><th>device</th><th>runtime</th>"
             + "".join(f"<th>{e(label)}</th>" for label, _ in METRICS.values()) + "</tr>"]
    for device in dict.fromkeys(d for d, _, _ in table):
        for rt in _runtime_order(rt for d, rt, _ in table if d == device):
            cells = []
            for m in METRICS:
                s = table.get((device, rt, m))
                cells.append("<td></td>" if s is None else
                             f"<td class='num{' est' if s.estimated else ''}'>{e(s.text())}</td>")
            parts.append(f"<tr><td>{e(device)}</td><td>{e(rt)}</td>{''.join(cells)}</tr>")
    parts.append("</table>")
    return "\n".join(parts)


def score_figure(results: list[Result], out) -> dict:
    """Per metric, bars per device and runtime: the score (log scale; whiskers: one geometric
    SD). Hatched bars rest on estimated times. Returns the plotted geometric means."""
    from matplotlib.patches import Patch

    from .plot import DPI, HATCH, _plt, group_bar, ratio_axes, runtime_colors

    plt = _plt()
    table = scores(results)
    devices = list(dict.fromkeys(d for d, _, _ in table))
    runtimes = _runtime_order(rt for _, rt, _ in table)
    colors = runtime_colors(runtimes)
    fig, axes = plt.subplots(1, len(METRICS), figsize=(14, 4.2), layout="constrained", squeeze=False)
    for ax, (metric, (label, _)) in zip(axes[0], METRICS.items()):
        for i, dev in enumerate(devices):
            present = [rt for rt in runtimes if any((dev, rt, m) in table for m in METRICS)]  # each device's own
            for j, rt in enumerate(present):
                s = table.get((dev, rt, metric))
                if s is not None:
                    group_bar(ax, i, j, len(present), s.geomean, *s.spread, colors[rt], s.estimated)
        ratio_axes(ax, devices, label)
    handles = [Patch(color=colors[rt], label=rt) for rt in runtimes]
    handles.append(Patch(facecolor="white", edgecolor="black", hatch=HATCH, label="time estimated (cycle model)"))
    fig.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False)
    fig.suptitle("Score per runtime and device: geometric mean of ratio to native over all cells "
                 "(whiskers: one geometric SD)", fontsize=10)
    fig.savefig(out, dpi=DPI)
    plt.close(fig)
    return {k: v.geomean for k, v in table.items()}
