"""What every figure of the report shares: matplotlib set up off-screen, hatching, resolution, runtime colours."""

from __future__ import annotations

HATCH = "///"
DPI = 130


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def group_bar(ax, group: int, slot: int, slots: int, geomean: float, low: float, high: float, color,
              estimated: bool) -> None:
    """Bar `slot` of the `slots` bars around x = `group`: its height the geometric mean, its
    whiskers from `low` to `high`; hatched, with a black edge, when the figure rests on an
    estimate or a model."""
    width = 0.8 / slots
    x = group - 0.4 + width * (slot + 0.5)
    ax.bar(x, geomean, width * 0.92, color=color, hatch=HATCH if estimated else None,
           edgecolor="black" if estimated else color, linewidth=0.5)
    ax.errorbar(x, geomean, yerr=[[geomean - low], [high - geomean]], color="black", capsize=2, linewidth=0.8)


def ratio_axes(ax, devices: list[str], label: str) -> None:
    """A panel of ratios to native: a tick per device, a log scale, a line at 1 (native)."""
    ax.set_xticks(range(len(devices)))
    ax.set_xticklabels(devices, rotation=20, ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.axhline(1.0, color="grey", linewidth=0.6)
    ax.grid(axis="y", alpha=0.3, which="both")
    ax.set_title(f"{label} ÷ native", fontsize=10)


def runtime_colors(runtimes: list[str]) -> dict[str, tuple]:
    """One colour per runtime, the same in every figure (registry order)."""
    from ..runtimes import RUNTIMES

    plt = _plt()
    order = list(RUNTIMES) + sorted(set(runtimes) - set(RUNTIMES))
    cmap = plt.get_cmap("tab10" if len(order) <= 10 else "tab20")
    return {rt: cmap(order.index(rt) % cmap.N) for rt in runtimes}
