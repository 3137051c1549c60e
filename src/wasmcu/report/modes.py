"""Execution modes compared: native, ahead-of-time, just-in-time and interpreted wasm.

For each device and mode, every cell of a runtime in that mode is set against native
code of the same workload, size, language and build on the same device, and the ratios
are summarised by their geometric mean and geometric standard deviation (ratios
multiply, so their mean is geometric): time, flash, peak RAM and energy.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..model import EXECUTION_MODES, OK, Result
from .ratios import geomean_gsd, ratios_to_native
from .markdown import md_text

METRICS = {  # name -> (label, value of a result)
    "time": ("time", lambda r: r.time_us),
    "flash": ("flash", lambda r: r.flash_bytes),
    "ram": ("peak RAM", lambda r: r.ram_peak_bytes or r.ram_static_bytes),
    "energy": ("energy", lambda r: r.energy_uj),
}


def mode_of(r: Result) -> str:
    """The execution mode of a result's runtime: recorded at run time, else the registry's."""
    mode = r.provenance.get("mode")
    if mode:
        return mode
    from ..runtimes import RUNTIMES

    rt = RUNTIMES.get(r.cell.runtime)
    return rt.mode if rt is not None and rt.mode else "unknown"


@dataclass(frozen=True)
class Summary:
    geomean: float
    gsd: float
    cells: int
    estimated: bool  # any of the times or energies was estimated or modelled, not measured

    @property
    def range(self) -> tuple[float, float]:
        """One geometric standard deviation either side."""
        return self.geomean / self.gsd, self.geomean * self.gsd


def by_mode(results: list[Result]) -> dict[tuple[str, str, str], Summary]:
    """(device, mode, metric) -> the summary of ratio to native over that mode's cells."""
    ratios: dict[tuple, list[float]] = defaultdict(list)
    estimated: dict[tuple, bool] = defaultdict(bool)
    for r, _, metric, ratio in ratios_to_native(results, METRICS):
        key = (r.cell.device, mode_of(r), metric)
        ratios[key].append(ratio)
        kind = r.energy_kind if metric == "energy" else r.time_kind if metric == "time" else "measured"
        estimated[key] |= kind not in (None, "measured")
    out = {}
    for key, values in ratios.items():
        g, s = geomean_gsd(values)
        out[key] = Summary(g, s, len(values), estimated[key])
    return out


def ordered_modes(modes) -> list[str]:
    return sorted(set(modes), key=lambda m: (EXECUTION_MODES.index(m) if m in EXECUTION_MODES else len(EXECUTION_MODES), m))


def mode_table_markdown(results: list[Result]) -> str:
    """One table per device: rows modes, columns metrics, cells 'geomean × native (÷/× gsd, n cells)'."""
    summary = by_mode(results)
    devices = list(dict.fromkeys(d for d, _, _ in summary))
    parts = []
    for device in devices:
        modes = ordered_modes(m for d, m, _ in summary if d == device)
        parts.append(f"### {md_text(device)}: execution modes, geometric mean of ratio to native (× / ÷ geometric SD)\n")
        parts.append("| mode | runtimes | " + " | ".join(label for label, _ in METRICS.values()) + " |")
        parts.append("|---|---|" + "---:|" * len(METRICS))
        for mode in modes:
            runtimes = sorted({r.cell.runtime for r in results if r.cell.device == device and r.status == OK
                               and mode_of(r) == mode})
            cells = []
            for metric in METRICS:
                s = summary.get((device, mode, metric))
                cells.append("–" if s is None else
                             f"{s.geomean:,.2f}× (×/÷{s.gsd:.2f}, {s.cells}){' est.' if s.estimated else ''}")
            parts.append(f"| {md_text(mode)} | {md_text(', '.join(runtimes))} | " + " | ".join(cells) + " |")
        parts.append("")
    return "\n".join(parts)


def mode_figure(results: list[Result], out) -> dict:
    """Per device, bars per mode: geometric mean ratio to native for time, flash, RAM and energy
    (log scale; whiskers: one geometric SD). Hatched bars rest on estimated or modelled figures."""
    from .plot import DPI, HATCH, _plt, group_bar, ratio_axes

    plt = _plt()
    summary = by_mode(results)
    devices = list(dict.fromkeys(d for d, _, _ in summary))
    modes = ordered_modes(m for _, m, _ in summary)
    cmap = plt.get_cmap("tab10")
    colors = {m: cmap(i) for i, m in enumerate(modes)}
    fig, axes = plt.subplots(1, len(METRICS), figsize=(14, 4.2), layout="constrained", squeeze=False)
    for ax, (metric, (label, _)) in zip(axes[0], METRICS.items()):
        for j, mode in enumerate(modes):
            for i, dev in enumerate(devices):
                s = summary.get((dev, mode, metric))
                if s is not None:
                    group_bar(ax, i, j, len(modes), s.geomean, *s.range, colors[mode], s.estimated)
        ratio_axes(ax, devices, label)
    from matplotlib.patches import Patch

    handles = [Patch(color=colors[m], label=m) for m in modes]
    handles.append(Patch(facecolor="white", edgecolor="black", hatch=HATCH, label="estimated / modelled"))
    fig.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False)
    fig.suptitle("Execution modes per device: geometric mean of ratio to native over all cells "
                 "(whiskers: one geometric SD)", fontsize=10)
    fig.savefig(out, dpi=DPI)
    plt.close(fig)
    return {k: v.geomean for k, v in summary.items()}
