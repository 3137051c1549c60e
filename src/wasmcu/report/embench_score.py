"""Embench-IoT's scores per device and runtime: speed against Embench's reference, wasm slowdown, size.

From the stored cells of an `embench` run (each carries, in `extra.embench`, the benchmark's
LOCAL_SCALE_FACTOR, the warm-up heat and Embench's reference time from the checkout's
baseline-data/), per device and runtime:

- **speed score**: Embench's own, as its benchmark_speed.py computes it: per benchmark the
  reference time over this time times the global scale factor, then the geometric mean and
  the geometric standard deviation (Embench divides by the count, not count - 1). The time is
  `benchmark()`'s share of the timed `run()`, which also warms the caches (WARMUP_HEAT calls
  of the body against LOCAL_SCALE_FACTOR x GLOBAL_SCALE_FACTOR in benchmark()). Higher is faster;
  Embench's reference platform (an STM32F4 Discovery board, Cortex-M4 at 16 MHz) scores 16.
- **slowdown score**: geometric mean of the runtime's time over native time of the same
  benchmark on the same device (1 for native; lower is better).
- **size score**: geometric mean of the runtime's flash image over the native image of the
  same benchmark on the same device (boards only: the host has no image).

Only `ok` cells count. Board times are estimates from a cycle model: such scores are
marked estimated; host times are measured.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..model import OK, Result
from ..workloads.embench import cell_relative_speed as relative_speed
from .ratios import geomean_gsd


def embench_stats(values: list[float]) -> tuple[float, float]:
    """Geometric mean and geometric SD as Embench computes them (embench_core.py: the SD's
    divisor is the count)."""
    return geomean_gsd(values, ddof=0)


@dataclass(frozen=True)
class Stat:
    geomean: float
    gsd: float
    count: int

    def text(self, unit: str = "") -> str:
        return f"{self.geomean:,.2f}{unit} (×/÷{self.gsd:.2f}, {self.count})"


@dataclass(frozen=True)
class EmbenchScore:
    device: str
    runtime: str
    speed: Stat | None
    slowdown: Stat | None
    size: Stat | None
    estimated: bool
    benchmarks: int        # ok cells of this device and runtime


def is_embench(r: Result) -> bool:
    return bool(r.extra.get("embench"))


def host_baseline(results: list[Result]) -> str | None:
    """Which native build the host's native cells used (o2, o3, o3-native), from their build record."""
    seen = {((r.provenance.get("build") or {}).get("host_baseline") or "o2") for r in results
            if is_embench(r) and r.cell.device == "host" and r.cell.runtime == "native" and r.status == OK}
    return ", ".join(sorted(seen)) if seen else None


def scores(results: list[Result]) -> list[EmbenchScore]:
    """One score per device and runtime with an ok Embench cell, in the order cells came."""
    rs = [r for r in results if is_embench(r) and r.status == OK]
    natives = {(r.cell.workload, r.cell.n, r.cell.device, r.cell.build): r for r in rs if r.cell.runtime == "native"}
    speed, slow, size = defaultdict(list), defaultdict(list), defaultdict(list)
    estimated, count = defaultdict(bool), defaultdict(int)
    for r in rs:
        key = (r.cell.device, r.cell.runtime)
        count[key] += 1
        estimated[key] |= r.time_kind != "measured"
        rel = relative_speed(r)
        if rel:
            speed[key].append(rel)
        base = natives.get((r.cell.workload, r.cell.n, r.cell.device, r.cell.build))
        if base is not None:
            if r.time_us and base.time_us and r.time_us > 0 and base.time_us > 0:
                slow[key].append(r.time_us / base.time_us)
            if r.flash_bytes and base.flash_bytes:
                size[key].append(r.flash_bytes / base.flash_bytes)

    def stat(values):
        return Stat(*embench_stats(values), len(values)) if values else None

    return [EmbenchScore(d, rt, stat(speed[(d, rt)]), stat(slow[(d, rt)]), stat(size[(d, rt)]), estimated[(d, rt)],
                         count[(d, rt)]) for d, rt in dict.fromkeys((r.cell.device, r.cell.runtime) for r in rs)]


def _fmt(s: Stat | None, unit: str = "") -> str:
    return s.text(unit) if s else "–"


def score_markdown(results: list[Result]) -> str:
    table = scores(results)
    if not table:
        return ""
    baseline = host_baseline(results)
    lines = ["Embench's speed score (geometric mean of the reference time ÷ this time × gsf, ×/÷ Embench's geometric "
             "SD, benchmarks), the slowdown against native code on the same device and the flash image against "
             "native (× native). `est.`: board times estimated by the cycle model; host times measured. "
             + (f"Host native baseline: {baseline}." if baseline else ""), "",
             "| device | runtime | benchmarks | speed score | slowdown (× native) | size (× native) |",
             "|---|---|---:|---:|---:|---:|"]
    for s in table:
        est = " est." if s.estimated else ""
        lines.append(f"| {s.device} | {s.runtime} | {s.benchmarks} | {_fmt(s.speed)}{est} | {_fmt(s.slowdown, '×')} "
                     f"| {_fmt(s.size, '×')} |")
    return "\n".join(lines) + "\n"


def score_html(results: list[Result]) -> str:
    import html

    table = scores(results)
    if not table:
        return ""
    e = lambda x: html.escape(str(x))  # noqa: E731
    baseline = host_baseline(results)
    parts = ["<h2>Embench-IoT score per device and runtime</h2>",
             "<p>Speed score: Embench's (reference time ÷ this time × gsf, geometric mean, ×/÷ geometric SD, "
             "benchmarks); slowdown and size: × native code on the same device. <i>est.</i>: board times estimated "
             "by the cycle model; host times measured." + (f" Host native baseline: {e(baseline)}." if baseline else "")
             + "</p>",
             "<table><tr><th>device</th><th>runtime</th><th>benchmarks</th><th>speed score</th><th>slowdown</th>"
             "<th>size</th></tr>"]
    for s in table:
        parts.append(f"<tr><td>{e(s.device)}</td><td>{e(s.runtime)}</td><td class='num'>{s.benchmarks}</td>"
                     f"<td class='num'>{e(_fmt(s.speed))}{' est.' if s.estimated else ''}</td>"
                     f"<td class='num'>{e(_fmt(s.slowdown, '×'))}</td><td class='num'>{e(_fmt(s.size, '×'))}</td></tr>")
    parts.append("</table>")
    return "\n".join(parts)


CSV_FIELDS = ["device", "runtime", "benchmarks", "time_kind", "speed_score", "speed_gsd", "speed_n", "slowdown",
              "slowdown_gsd", "slowdown_n", "size", "size_gsd", "size_n", "host_baseline"]


def write_score_csv(results: list[Result], path) -> bool:
    """embench-score.csv: one row per device and runtime; False (nothing written) without Embench cells."""
    import csv

    table = scores(results)
    if not table:
        return False
    baseline = host_baseline(results)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        w.writeheader()
        for s in table:
            row = {"device": s.device, "runtime": s.runtime, "benchmarks": s.benchmarks,
                   "time_kind": "estimated" if s.estimated else "measured",
                   "host_baseline": baseline if s.device == "host" else None}
            for name in ("speed", "slowdown", "size"):
                st = getattr(s, name)
                key = "speed_score" if name == "speed" else name
                row[key], row[f"{name}_gsd"], row[f"{name}_n"] = (st.geomean, st.gsd, st.count) if st else (None,) * 3
            w.writerow(row)
    return True


def score_figure(results: list[Result], out) -> bool:
    """Two panels: Embench's speed score and the slowdown against native, bars per device and
    runtime on a log scale, whiskers one geometric SD; hatched: estimated times."""
    from matplotlib.patches import Patch

    from .plot import DPI, HATCH, _plt, group_bar, runtime_colors
    from .score import _runtime_order

    table = scores(results)
    if not table:
        return False
    plt = _plt()
    devices = list(dict.fromkeys(s.device for s in table))
    runtimes = _runtime_order(s.runtime for s in table)
    colors = runtime_colors(runtimes)
    by = {(s.device, s.runtime): s for s in table}
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.4), layout="constrained")
    for ax, (name, title) in zip(axes, (("speed", "Embench speed score (higher is faster)"),
                                        ("slowdown", "slowdown: time ÷ native (lower is better)"))):
        for i, dev in enumerate(devices):
            present = [rt for rt in runtimes if (dev, rt) in by and getattr(by[(dev, rt)], name)]
            for j, rt in enumerate(present):
                s = by[(dev, rt)]
                st = getattr(s, name)
                group_bar(ax, i, j, len(present), st.geomean, st.geomean / st.gsd, st.geomean * st.gsd, colors[rt],
                          s.estimated)
        ax.set_xticks(range(len(devices)))
        ax.set_xticklabels(devices, fontsize=8)
        ax.set_yscale("log")
        ax.grid(axis="y", alpha=0.3, which="both")
        ax.set_title(title, fontsize=10)
    handles = [Patch(color=colors[rt], label=rt) for rt in runtimes]
    handles.append(Patch(facecolor="white", edgecolor="black", hatch=HATCH, label="time estimated (cycle model)"))
    fig.legend(handles=handles, loc="outside right center", fontsize=8, frameon=False)
    baseline = host_baseline(results)
    fig.suptitle("Embench-IoT per device and runtime (whiskers: one geometric SD)"
                 + (f"; host native baseline {baseline}" if baseline else ""), fontsize=10)
    fig.savefig(out, dpi=DPI)
    plt.close(fig)
    return True
