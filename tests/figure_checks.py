"""Checks of what the report's bar figures share (wasmcu.report.plot's group_bar and ratio_axes),
for the tests of each figure."""

import pytest
from matplotlib.colors import to_rgba

from wasmcu.report.plot import HATCH


def assert_ratio_axes(ax, devices: list[str], title: str) -> None:
    """A panel of ratios to native: a tick per device, log scale, grid lines, a grey line at 1."""
    assert ax.get_title() == title and ax.title.get_fontsize() == 10
    assert ax.get_yscale() == "log"
    assert list(ax.get_xticks()) == list(range(len(devices)))
    labels = ax.get_xticklabels()
    assert [t.get_text() for t in labels] == devices
    assert all(t.get_rotation() == 20 and t.get_ha() == "right" and t.get_fontsize() == 8 for t in labels)
    grid = ax.yaxis.get_major_ticks()[0].gridline
    assert grid.get_visible() and grid.get_alpha() == 0.3
    assert all(t.gridline.get_visible() for t in ax.yaxis.get_minor_ticks())   # log scale: minor lines too
    assert not ax.xaxis.get_major_ticks()[0].gridline.get_visible()
    [hline] = [ln for ln in ax.get_lines() if list(ln.get_ydata()) == [1.0, 1.0]]
    assert hline.get_color() == "grey" and hline.get_linewidth() == 0.6


def assert_legend_outside_right(fig):
    """One legend, outside the panels at the right, centred, small, without a frame; returns it."""
    [legend] = fig.legends
    assert (legend._outside_loc, legend._loc) == ("right", 7)     # 7: matplotlib's 'center right'
    assert legend.get_frame_on() is False and legend.get_texts()[0].get_fontsize() == 8
    assert type(fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"
    return legend


def assert_group_bars(ax, expected: list[tuple]) -> None:
    """The panel's bars, in order, and a black whisker each: `expected` holds (x, width, geomean,
    (low, high), colour, estimated) per bar."""
    assert len(ax.patches) == len(expected)
    for bar, (x, width, geomean, _, color, estimated) in zip(ax.patches, expected):
        assert bar.get_x() + bar.get_width() / 2 == pytest.approx(x)
        assert bar.get_width() == pytest.approx(width * 0.92)
        assert bar.get_height() == pytest.approx(geomean)
        assert bar.get_facecolor() == to_rgba(color)
        assert bar.get_hatch() == (HATCH if estimated else None)
        assert bar.get_edgecolor() == to_rgba("black" if estimated else color)
        assert bar.get_linewidth() == 0.5
    assert len(ax.containers) == 2 * len(expected)     # a bar and an error bar each
    whiskers = [c for c in ax.containers if c.__class__.__name__ == "ErrorbarContainer"]
    for eb, (x, _, _, spread, _, _) in zip(whiskers, expected):
        [segs] = [lc.get_segments() for lc in eb.lines[2]]
        assert segs[0][:, 1] == pytest.approx(list(spread))
        assert segs[0][:, 0] == pytest.approx([x, x])
        assert to_rgba(eb.lines[2][0].get_color()[0]) == to_rgba("black")
        assert eb.lines[2][0].get_linewidth()[0] == 0.8
        assert eb.lines[1][0].get_markersize() == 4    # capsize 2 -> caps of 2 * 2 points
