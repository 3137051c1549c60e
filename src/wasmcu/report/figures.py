"""The paper's figures (execution time, memory footprint, energy) and an overhead heatmap.

Each function writes one PNG and returns the values it plotted, keyed by
(device, runtime), so what a figure shows can be checked. Estimated and modelled
values are hatched and say so in the legend; measured values are solid.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

from ..model import OK, Result
from .plot import DPI, HATCH, _plt, runtime_colors
from .tables import native_of, overhead, workload_label

def pick(results: list[Result], workload: str | None, n: int | None, lang: str | None) -> tuple[str, int, str]:
    """The workload shown in the figures: the one asked for, else bubblesort:100 in C, else the first ok one."""
    ok = [r for r in results if r.status == OK]
    keys = sorted({(r.cell.workload, r.cell.n, r.cell.lang) for r in ok})
    if workload:
        for k in keys:
            if k[0] == workload and (n is None or k[1] == n) and (lang is None or k[2] == lang):
                return k
    for want in (("bubblesort", 100, "c"),):
        if want in keys:
            return want
    return keys[0] if keys else ("", 0, "")


def _ordered(results: list[Result]):
    devices = list(dict.fromkeys(r.cell.device for r in results))
    runtimes = sorted({r.cell.runtime for r in results}, key=lambda x: (x != "native", x))
    return devices, runtimes


def _grouped_bars(ax, devices, runtimes, values, colors, *, kinds=None, errors=None, log=False):
    """values[(device, runtime)] -> number; kinds: same keys -> True when estimated/modelled."""
    width = 0.8 / max(1, len(runtimes))
    for j, rt in enumerate(runtimes):
        for i, dev in enumerate(devices):
            v = values.get((dev, rt))
            if v is None or v <= 0:
                continue
            x = i - 0.4 + width * (j + 0.5)
            est = bool(kinds and kinds.get((dev, rt)))
            ax.bar(x, v, width * 0.92, color=colors[rt], hatch=HATCH if est else None,
                   edgecolor="black" if est else colors[rt], linewidth=0.5)
            if errors and (dev, rt) in errors:
                lo, hi = errors[(dev, rt)]
                ax.errorbar(x, v, yerr=[[max(v - lo, 0)], [max(hi - v, 0)]], color="black", capsize=2, linewidth=0.8)
    ax.set_xticks(range(len(devices)))
    ax.set_xticklabels(devices)
    if log:
        ax.set_yscale("log")
    ax.grid(axis="y", alpha=0.3, which="both")


def _legend(fig, runtimes, colors, note):
    from matplotlib.patches import Patch

    handles = [Patch(color=colors[rt], label=rt) for rt in runtimes]
    handles.append(Patch(facecolor="white", edgecolor="black", hatch=HATCH, label=note))
    fig.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False)


def _spans_orders(values) -> bool:
    v = [x for x in values if x and x > 0]
    return len(v) > 1 and max(v) / min(v) > 30


def time_figure(results: list[Result], out: Path, wl: tuple[str, int, str]) -> dict:
    plt = _plt()
    rs = [r for r in results if (r.cell.workload, r.cell.n, r.cell.lang) == wl and r.status == OK and r.time_us]
    devices, runtimes = _ordered(rs)
    values = {(r.cell.device, r.cell.runtime): r.time_us for r in rs}
    kinds = {(r.cell.device, r.cell.runtime): r.time_kind != "measured" for r in rs}
    errors = {(r.cell.device, r.cell.runtime): tuple(r.time_us_ci or r.extra.get("time_us_range"))
              for r in rs if r.time_us_ci or r.extra.get("time_us_range")}
    colors = runtime_colors(runtimes)
    fig, ax = plt.subplots(figsize=(10, 4.8), layout="constrained")
    _grouped_bars(ax, devices, runtimes, values, colors, kinds=kinds, errors=errors, log=_spans_orders(values.values()))
    ax.set_ylabel("execution time per call (µs)")
    ax.set_title(f"Execution time: {wl[0]}:{wl[1]} ({wl[2]}). Host: measured (median, 95% CI);\n"
                 "boards: estimated from event counts (whiskers: the cost table's low-high range)", fontsize=10)
    _legend(fig, runtimes, colors, "estimated (QEMU event counts x cost table)")
    fig.savefig(out, dpi=DPI)
    plt.close(fig)
    return values


def footprint_figure(results: list[Result], out: Path, wl: tuple[str, int, str]) -> dict:
    plt = _plt()
    rs = [r for r in results if (r.cell.workload, r.cell.n, r.cell.lang) == wl and r.status == OK and r.flash_bytes]
    devices, runtimes = _ordered(rs)
    colors = runtime_colors(runtimes)
    flash = {(r.cell.device, r.cell.runtime): r.flash_bytes / 1024 for r in rs}
    peak = {(r.cell.device, r.cell.runtime): (r.ram_peak_bytes or r.ram_static_bytes or 0) / 1024 for r in rs}
    static = {(r.cell.device, r.cell.runtime): (r.ram_static_bytes or 0) / 1024 for r in rs}
    needed = {(r.cell.device, r.cell.runtime): r.extra["ram_needed_bytes"] / 1024 for r in rs
              if r.extra.get("ram_needed_bytes")}
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained")
    _grouped_bars(a1, devices, runtimes, flash, colors)
    a1.set_ylabel("flash image (KB)")
    a1.set_title("Flash: text + rodata + data", fontsize=10)
    _grouped_bars(a2, devices, runtimes, peak, colors)
    # static part of RAM drawn darker inside the peak bar
    width = 0.8 / max(1, len(runtimes))
    for j, rt in enumerate(runtimes):
        for i, dev in enumerate(devices):
            if (dev, rt) in static:
                a2.bar(i - 0.4 + width * (j + 0.5), static[(dev, rt)], width * 0.92, color="black", alpha=0.35)
            if (dev, rt) in needed:  # what the run used (wasmcu.backends.ramneed): a line across the bar
                x = i - 0.4 + width * (j + 0.5)
                a2.hlines(needed[(dev, rt)], x - width * 0.46, x + width * 0.46, colors="black", linewidth=1.5)
    a2.set_ylabel("RAM (KB)")
    a2.set_title("RAM: configured peak (bar), static data+bss (dark part), needed (line)" if needed else
                 "RAM: peak (bar) and static data+bss (dark part)", fontsize=10)
    fig.suptitle(f"Memory footprint of the firmware: {wl[0]}:{wl[1]} ({wl[2]}), from the ELF and the firmware's "
                 "high-water marks", fontsize=10)
    from matplotlib.patches import Patch

    handles = [Patch(color=colors[rt], label=rt) for rt in runtimes]
    fig.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False)
    fig.savefig(out, dpi=DPI)
    plt.close(fig)
    return {k: (flash[k], peak[k]) for k in flash}


def energy_figure(results: list[Result], out: Path, wl: tuple[str, int, str]) -> dict:
    plt = _plt()
    rs = [r for r in results if (r.cell.workload, r.cell.n, r.cell.lang) == wl and r.status == OK and r.energy_uj]
    devices, runtimes = _ordered(rs)
    colors = runtime_colors(runtimes)
    values = {(r.cell.device, r.cell.runtime): r.energy_uj for r in rs}
    kinds = {(r.cell.device, r.cell.runtime): r.energy_kind == "model" for r in rs}
    fig, ax = plt.subplots(figsize=(10, 4.8), layout="constrained")
    if values:
        _grouped_bars(ax, devices, runtimes, values, colors, kinds=kinds, log=_spans_orders(values.values()))
    else:
        ax.text(0.5, 0.5, "no energy figures in this run", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylabel("energy per call (µJ)")
    modelled = sum(kinds.values())
    how = ("modelled: datasheet active power × estimated time" if modelled == len(kinds) else
           "measured with a power meter over the kernel's window" if not modelled else
           "hatched: modelled (datasheet power × estimated time); solid: measured with a power meter")
    ax.set_title(f"Energy: {wl[0]}:{wl[1]} ({wl[2]}). {how[0].upper()}{how[1:]}", fontsize=10)
    _legend(fig, runtimes, colors, "modelled (not measured)")
    fig.savefig(out, dpi=DPI)
    plt.close(fig)
    return values


def overhead_figure(results: list[Result], out: Path) -> dict:
    """Heatmap of runtime ÷ native per device (one panel each)."""
    plt = _plt()
    from matplotlib.colors import LogNorm

    natives = native_of(results)
    grid: dict[str, dict[tuple, float]] = defaultdict(dict)
    for r in results:
        if r.cell.runtime == "native":
            continue
        ratio = overhead(r, natives)
        if ratio is not None:
            grid[r.cell.device][(workload_label(r), r.cell.runtime)] = ratio
    devices = [d for d in dict.fromkeys(r.cell.device for r in results) if grid.get(d)]
    if not devices:
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.text(0.5, 0.5, "no runtime/native pairs in this run", ha="center", va="center")
        ax.axis("off")
        fig.savefig(out, dpi=DPI)
        plt.close(fig)
        return {}
    allv = [v for g in grid.values() for v in g.values()]
    norm = LogNorm(vmin=max(min(allv), 0.1), vmax=max(max(allv), 2))
    heights = [max(2.2, 0.35 * len({k[0] for k in grid[d]}) + 1.4) for d in devices]
    fig, axes = plt.subplots(len(devices), 1, figsize=(11, sum(heights)), layout="constrained",
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    image = None
    for ax, dev in zip(axes[:, 0], devices):
        rows = sorted({k[0] for k in grid[dev]})
        cols = sorted({k[1] for k in grid[dev]})
        import numpy as np

        data = np.full((len(rows), len(cols)), np.nan)
        for (row, col), v in grid[dev].items():
            data[rows.index(row), cols.index(col)] = v
        image = ax.imshow(data, norm=norm, cmap="RdYlGn_r", aspect="auto")
        ax.set_xticks(range(len(cols)))
        ax.set_xticklabels(cols, rotation=20, ha="right", fontsize=8)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(rows, fontsize=8)
        kind = "estimated" if any(r.time_kind == "estimated" for r in results if r.cell.device == dev) else "measured"
        ax.set_title(f"{dev} ({kind} times)", fontsize=9)
        for i in range(len(rows)):
            for j in range(len(cols)):
                if not math.isnan(data[i, j]):
                    v = data[i, j]
                    ax.text(j, i, f"{v:.1f}×" if v < 100 else f"{v:.0f}×", ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=axes[:, 0].tolist(), label="time ÷ native time (log scale)", shrink=0.8)
    fig.suptitle("Overhead of each runtime against native code, per device", fontsize=10)
    fig.savefig(out, dpi=DPI)
    plt.close(fig)
    return {(dev, key): v for dev, g in grid.items() for key, v in g.items()}
