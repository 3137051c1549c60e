"""What every figure of the report shares: matplotlib set up off-screen, hatching, resolution, runtime colours."""

from __future__ import annotations

HATCH = "///"
DPI = 130


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def runtime_colors(runtimes: list[str]) -> dict[str, tuple]:
    """One colour per runtime, the same in every figure (registry order)."""
    from ..runtimes import RUNTIMES

    plt = _plt()
    order = list(RUNTIMES) + sorted(set(runtimes) - set(RUNTIMES))
    cmap = plt.get_cmap("tab10" if len(order) <= 10 else "tab20")
    return {rt: cmap(order.index(rt) % cmap.N) for rt in runtimes}
