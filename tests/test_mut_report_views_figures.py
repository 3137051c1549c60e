"""report.figures: what each figure draws (bars, whiskers, hatching, titles, heatmap cells), read back
from the matplotlib figure it made, on a few synthetic result rows."""


import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import LogNorm, to_rgba
from matplotlib.container import BarContainer, ErrorbarContainer

from wasmcu.model import ERROR, OK, Cell, Result
from wasmcu.report import figures
from wasmcu.report.plot import HATCH, runtime_colors

WL = ("k", 10, "c")


def _r(runtime, device, status=OK, workload="k", n=10, lang="c", build="o2", **fields):
    return Result(Cell(workload, n, lang, runtime, device, build), backend="t", status=status, **fields)




def _bars(ax):
    """(centre x, height, width, hatch, facecolor, edgecolor, linewidth) of each bar drawn by _grouped_bars."""
    out = []
    for c in ax.containers:
        if isinstance(c, BarContainer):
            for p in c.patches:
                out.append((p.get_x() + p.get_width() / 2, p.get_height(), p.get_width(), p.get_hatch(),
                            p.get_facecolor(), p.get_edgecolor(), p.get_linewidth()))
    return out


def _whiskers(ax):
    segs = []
    for c in ax.containers:
        if isinstance(c, ErrorbarContainer):
            (seg,) = c.lines[2][0].get_segments()
            segs.append(tuple(map(tuple, seg)))
    return segs


def _closed(fig):
    return fig.number not in plt.get_fignums()


# -- choosing the workload and the order --------------------------------------------------------------

def test_pick():
    rs = [_r("native", "host", workload="zeta"), _r("native", "host", workload="bubblesort", n=100),
          _r("native", "host", workload="bubblesort", n=50, lang="rust"), _r("native", "host", workload="aa", status=ERROR)]
    assert figures.pick(rs, "zeta", None, None) == ("zeta", 10, "c")
    assert figures.pick(rs, "bubblesort", 50, None) == ("bubblesort", 50, "rust")
    assert figures.pick(rs, "bubblesort", None, "c") == ("bubblesort", 100, "c")
    assert figures.pick(rs, "bubblesort", 100, "rust") == ("bubblesort", 100, "c")  # not there: the default
    assert figures.pick(rs, None, None, None) == ("bubblesort", 100, "c")
    assert figures.pick(rs, "aa", None, None) == ("bubblesort", 100, "c")  # aa never ran ok
    no_default = [r for r in rs if r.cell.n != 100]
    assert figures.pick(no_default, None, None, None) == ("bubblesort", 50, "rust")  # the first in order
    assert figures.pick([_r("native", "host", status=ERROR)], None, None, None) == ("", 0, "")
    assert figures.pick([], "k", 1, "c") == ("", 0, "")


def test_ordered_devices_as_first_seen_and_native_first():
    rs = [_r("wasmtime", "zz"), _r("native", "aa"), _r("aot", "zz"), _r("wasm3", "mm"), _r("native", "zz")]
    assert figures._ordered(rs) == (["zz", "aa", "mm"], ["native", "aot", "wasm3", "wasmtime"])


def test_spans_orders():
    assert not figures._spans_orders([])
    assert not figures._spans_orders([5])
    assert not figures._spans_orders([None, 0, -3, 5])
    assert not figures._spans_orders([1, 30])
    assert figures._spans_orders([1, 30.5])
    assert figures._spans_orders([None, 0, 2, 100])


# -- bars ---------------------------------------------------------------------------------------------

def test_grouped_bars_positions_colours_hatching_and_whiskers(made):
    fig, ax = plt.subplots()
    colors = runtime_colors(["native", "wasm3"])
    values = {("a", "native"): 10, ("b", "native"): 20, ("a", "wasm3"): 30, ("b", "wasm3"): 0, ("c", "wasm3"): -1,
              ("c", "native"): None}
    figures._grouped_bars(ax, ["a", "b", "c"], ["native", "wasm3"], values, colors,
                          kinds={("b", "native"): True, ("a", "wasm3"): False}, errors={("a", "wasm3"): (25, 40)})
    w = 0.4
    black = to_rgba("black")
    assert _bars(ax) == [
        (pytest.approx(-0.4 + w * 0.5), 10, pytest.approx(w * 0.92), None, to_rgba(colors["native"]),
         to_rgba(colors["native"]), 0.5),
        (pytest.approx(1 - 0.4 + w * 0.5), 20, pytest.approx(w * 0.92), HATCH, to_rgba(colors["native"]), black, 0.5),
        (pytest.approx(-0.4 + w * 1.5), 30, pytest.approx(w * 0.92), None, to_rgba(colors["wasm3"]),
         to_rgba(colors["wasm3"]), 0.5),
    ]
    assert _whiskers(ax) == [((pytest.approx(w * 1.5 - 0.4), 25), (pytest.approx(w * 1.5 - 0.4), 40))]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert list(ax.get_xticks()) == [0, 1, 2]
    assert ax.get_yscale() == "linear"


def test_grouped_bars_whiskers_never_go_past_the_bar_the_wrong_way(made):
    fig, ax = plt.subplots()
    colors = runtime_colors(["wasm3"])
    figures._grouped_bars(ax, ["a"], ["wasm3"], {("a", "wasm3"): 10}, colors, errors={("a", "wasm3"): (12, 8)},
                          log=True)
    (seg,) = _whiskers(ax)
    assert seg[0][1] == 10 and seg[1][1] == 10
    assert ax.get_yscale() == "log"


# -- the figures --------------------------------------------------------------------------------------

def _time_run():
    return [
        _r("native", "host", time_us=10, time_kind="measured", time_us_ci=[9, 12]),
        _r("wasm3", "host", time_us=100, time_kind="measured", time_us_ci=[90, 110]),
        _r("wasmtime", "host", time_us=20, time_kind="measured"),
        _r("native", "pico", time_us=50, time_kind="estimated", extra={"time_us_range": [40, 60]}),
        _r("wasm3", "pico", status=ERROR, time_us=10, time_kind="estimated"),
        _r("wasm3", "pico", workload="other", time_us=10, time_kind="estimated"),
    ]


def test_time_figure(made, tmp_path):
    out = tmp_path / "t.png"
    values = figures.time_figure(_time_run(), out, WL)
    assert values == {("host", "native"): 10, ("host", "wasm3"): 100, ("host", "wasmtime"): 20, ("pico", "native"): 50}
    assert out.stat().st_size > 1000
    (fig,) = made
    assert _closed(fig)
    ax = fig.axes[0]
    bars = _bars(ax)
    w = 0.8 / 3
    assert [(round(b[0], 6), b[1], b[3]) for b in bars] == [
        (round(-0.4 + w / 2, 6), 10, None), (round(1 - 0.4 + w / 2, 6), 50, HATCH),
        (round(-0.4 + w * 1.5, 6), 100, None), (round(-0.4 + w * 2.5, 6), 20, None)]
    assert sorted(s[1][1] - s[0][1] for s in _whiskers(ax)) == [3, 20, 20]
    assert ax.get_yscale() == "linear"
    assert ax.get_ylabel() == "execution time per call (µs)"
    assert ax.get_title().startswith("Execution time: k:10 (c). Host: measured (median, 95% CI);\nboards: estimated")
    assert ax.title.get_fontsize() == 10
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["native", "wasm3", "wasmtime",
                                                          "estimated (QEMU event counts x cost table)"]


def test_time_figure_log_scale_when_times_span_orders_of_magnitude(made, tmp_path):
    rs = [_r("native", "host", time_us=1, time_kind="measured"), _r("wasm3", "host", time_us=100, time_kind="measured")]
    figures.time_figure(rs, tmp_path / "t.png", WL)
    assert made[0].axes[0].get_yscale() == "log"


def test_footprint_figure(made, tmp_path):
    rs = [_r("native", "host", flash_bytes=2048, ram_peak_bytes=1024, ram_static_bytes=512),
          _r("wasm3", "host", flash_bytes=4096, ram_static_bytes=1024, extra={"ram_needed_bytes": 768}),
          _r("wasm3", "pico", flash_bytes=10240),
          _r("wasmtime", "pico", status=ERROR, flash_bytes=10240)]
    shown = figures.footprint_figure(rs, tmp_path / "f.png", WL)
    assert shown == {("host", "native"): (2.0, 1.0), ("host", "wasm3"): (4.0, 1.0), ("pico", "wasm3"): (10.0, 0.0)}
    (fig,) = made
    assert _closed(fig)
    a1, a2 = fig.axes[:2]
    w = 0.4
    assert [(round(b[0], 6), b[1]) for b in _bars(a1)] == [(round(-0.4 + w / 2, 6), 2.0),
                                                           (round(-0.4 + w * 1.5, 6), 4.0),
                                                           (round(1 - 0.4 + w * 1.5, 6), 10.0)]
    # the peak bars (a cell without RAM figures has none), then the static part of each cell drawn dark inside
    peaks = _bars(a2)[:2]
    assert [(round(b[0], 6), b[1]) for b in peaks] == [(round(-0.4 + w / 2, 6), 1.0), (round(-0.4 + w * 1.5, 6), 1.0)]
    dark = [p for p in a2.patches if p.get_alpha() == 0.35]
    assert sorted((round(p.get_x() + p.get_width() / 2, 6), p.get_height(), round(p.get_width(), 6)) for p in dark) == [
        (round(-0.4 + w / 2, 6), 0.5, round(w * 0.92, 6)), (round(-0.4 + w * 1.5, 6), 1.0, round(w * 0.92, 6)),
        (round(1 - 0.4 + w * 1.5, 6), 0.0, round(w * 0.92, 6))]
    assert all(p.get_facecolor()[:3] == (0, 0, 0) for p in dark)
    (needed,) = a2.collections
    (seg,) = needed.get_segments()
    x = -0.4 + w * 1.5
    assert [tuple(p) for p in seg] == [(pytest.approx(x - w * 0.46), 0.75), (pytest.approx(x + w * 0.46), 0.75)]
    assert a1.get_ylabel() == "flash image (KB)" and a2.get_ylabel() == "RAM (KB)"
    assert a1.get_title() == "Flash: text + rodata + data"
    assert a2.get_title() == "RAM: configured peak (bar), static data+bss (dark part), needed (line)"
    assert fig._suptitle.get_text().startswith("Memory footprint of the firmware: k:10 (c), from the ELF")
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["native", "wasm3"]


def test_footprint_figure_without_needed_ram(made, tmp_path):
    figures.footprint_figure([_r("wasm3", "pico", flash_bytes=1024, ram_static_bytes=2048)], tmp_path / "f.png", WL)
    a2 = made[0].axes[1]
    assert a2.get_title() == "RAM: peak (bar) and static data+bss (dark part)"
    assert not a2.collections


@pytest.mark.parametrize("kinds, how", [
    (("model", "model"), "Modelled: datasheet active power × estimated time"),
    (("measured", "measured"), "Measured with a power meter over the kernel's window"),
    (("model", "measured"), "Hatched: modelled (datasheet power × estimated time); solid: measured with a power meter"),
])
def test_energy_figure(made, tmp_path, kinds, how):
    rs = [_r("wasm3", "pico", energy_uj=5.0, energy_kind=kinds[0]),
          _r("wasm3", "host", energy_uj=200.0, energy_kind=kinds[1]),
          _r("native", "pico", energy_uj=None), _r("wasmtime", "pico", status=ERROR, energy_uj=3.0)]
    assert figures.energy_figure(rs, tmp_path / "e.png", WL) == {("pico", "wasm3"): 5.0, ("host", "wasm3"): 200.0}
    (fig,) = made
    assert _closed(fig)
    ax = fig.axes[0]
    assert ax.get_title() == f"Energy: k:10 (c). {how}"
    assert ax.get_ylabel() == "energy per call (µJ)"
    assert [(b[1], b[3]) for b in _bars(ax)] == [(5.0, HATCH if kinds[0] == "model" else None),
                                                  (200.0, HATCH if kinds[1] == "model" else None)]
    assert ax.get_yscale() == "log"  # 200 / 5 > 30
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["wasm3", "modelled (not measured)"]


def test_energy_figure_without_energy(made, tmp_path):
    assert figures.energy_figure([_r("wasm3", "pico")], tmp_path / "e.png", WL) == {}
    ax = made[0].axes[0]
    assert [t.get_text() for t in ax.texts] == ["no energy figures in this run"]
    assert not _bars(ax)


def test_overhead_figure(made, tmp_path):
    rs = [_r("native", "host", time_us=10, time_kind="measured"),
          _r("wasm3", "host", time_us=25, time_kind="measured"),
          _r("wasmtime", "host", time_us=1500, time_kind="measured"),
          _r("native", "host", workload="j", time_us=10, time_kind="measured"),
          _r("wasm3", "host", workload="j", time_us=1000, time_kind="measured"),
          _r("wasm3", "host", workload="j", status=ERROR, lang="rust", time_us=1000),
          _r("native", "pico", time_us=100, time_kind="estimated"),
          _r("wasm3", "pico", time_us=2000, time_kind="estimated"),
          _r("wasm3", "lonely", time_us=5, time_kind="estimated")]
    grid = figures.overhead_figure(rs, tmp_path / "o.png")
    assert grid == {("host", ("k:10/c", "wasm3")): 2.5, ("host", ("k:10/c", "wasmtime")): 150.0,
                    ("host", ("j:10/c", "wasm3")): 100.0, ("pico", ("k:10/c", "wasm3")): 20.0}
    (fig,) = made
    assert _closed(fig)
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["host (measured times)", "pico (estimated times)"]
    host = panels[0]
    assert [t.get_text() for t in host.get_yticklabels()] == ["j:10/c", "k:10/c"]
    assert [t.get_text() for t in host.get_xticklabels()] == ["wasm3", "wasmtime"]
    data = host.images[0].get_array()
    assert data[0, 0] == 100.0 and bool(data.mask[0, 1]) and data[1, 0] == 2.5 and data[1, 1] == 150.0
    assert sorted(t.get_text() for t in host.texts) == ["100×", "150×", "2.5×"]
    assert [t.get_text() for t in panels[1].texts] == ["20.0×"]
    for ax in panels:
        norm = ax.images[0].norm
        assert isinstance(norm, LogNorm) and norm.vmin == 2.5 and norm.vmax == 150.0
    (bar,) = [ax for ax in fig.axes if ax not in panels]
    assert bar.get_ylabel() == "time ÷ native time (log scale)"
    assert fig._suptitle.get_text() == "Overhead of each runtime against native code, per device"


def test_overhead_figure_norm_limits_keep_a_range(made, tmp_path):
    rs = [_r("native", "host", time_us=100), _r("wasm3", "host", time_us=5), _r("wasmtime", "host", time_us=120)]
    figures.overhead_figure(rs, tmp_path / "o.png")
    norm = made[0].axes[0].images[0].norm
    assert norm.vmin == 0.1 and norm.vmax == 2
    assert sorted(t.get_text() for t in made[0].axes[0].texts) == ["0.1×", "1.2×"]


def test_overhead_figure_without_pairs(made, tmp_path):
    assert figures.overhead_figure([_r("wasm3", "host", time_us=5)], tmp_path / "o.png") == {}
    (fig,) = made
    assert _closed(fig)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["no runtime/native pairs in this run"]
    assert not ax.axison
    assert (tmp_path / "o.png").stat().st_size > 0



def test_overhead_figure_has_a_row_per_build_each_against_its_own_native_build(made, tmp_path):
    rs = [_r("native", "pico", time_us=10), _r("wasm3", "pico", time_us=30),
          _r("native", "pico", build="sdk", time_us=5), _r("wasm3", "pico", build="sdk", time_us=30)]
    assert figures.overhead_figure(rs, tmp_path / "o.png") == {("pico", ("k:10/c", "wasm3")): 3.0,
                                                                ("pico", ("k:10/c/sdk", "wasm3")): 6.0}


def test_overhead_panel_says_estimated_when_any_time_of_the_device_is(made, tmp_path):
    rs = [_r("native", "board", time_us=10, time_kind="measured"),
          _r("wasm3", "board", time_us=30, time_kind="estimated")]
    assert figures.overhead_figure(rs, tmp_path / "o.png") == {("board", ("k:10/c", "wasm3")): 3.0}
    assert made[0].axes[0].get_title() == "board (estimated times)"


# -- how the figures look: sizes, resolution, grid, legends, labels ------------------------------------

def _png_size(path):
    from matplotlib.image import imread

    h, w = imread(path).shape[:2]
    return w, h


def _legend_style(fig):
    (legend,) = fig.legends
    return legend._outside_loc, legend._loc, legend.get_texts()[0].get_fontsize(), legend.get_frame_on()


def test_how_the_time_figure_looks(made, tmp_path):
    out = tmp_path / "t.png"
    figures.time_figure(_time_run(), out, WL)
    (fig,) = made
    ax = fig.axes[0]
    assert tuple(fig.get_size_inches()) == (10, 4.8) and fig.get_layout_engine() is not None
    assert _png_size(out) == (1300, 624)                               # 130 dpi
    assert ax.yaxis._major_tick_kw["gridOn"] and ax.yaxis._minor_tick_kw["gridOn"]
    assert ax.yaxis._major_tick_kw["grid_alpha"] == 0.3 and not ax.xaxis._major_tick_kw.get("gridOn")
    assert _legend_style(fig) == ("right", 7, 8, False)               # 7: center right
    handles = fig.legends[0].legend_handles
    assert handles[-1].get_hatch() == HATCH and handles[-1].get_facecolor() == to_rgba("white")
    assert handles[-1].get_edgecolor() == to_rgba("black")
    assert handles[0].get_facecolor() == to_rgba(runtime_colors(["native"])["native"])
    for c in ax.containers:
        if isinstance(c, ErrorbarContainer):
            (bars,) = c.lines[2]
            assert bars.get_linewidth()[0] == 0.8 and tuple(bars.get_color()[0]) == to_rgba("black")
            assert c.lines[1][0].get_markersize() == 4                # capsize 2


def test_a_single_runtime_has_bars_as_wide_as_the_group(made, tmp_path):
    figures.time_figure([_r("wasm3", "host", time_us=3.0, time_kind="measured")], tmp_path / "t.png", WL)
    ((x, h, w, *_),) = _bars(made[0].axes[0])
    assert x == pytest.approx(0) and w == pytest.approx(0.8 * 0.92)


def test_how_the_footprint_figure_looks(made, tmp_path):
    out = tmp_path / "f.png"
    rs = [_r("wasm3", "host", flash_bytes=4096, ram_static_bytes=1024, extra={"ram_needed_bytes": 768})]
    figures.footprint_figure(rs, out, WL)
    (fig,) = made
    a1, a2 = fig.axes[:2]
    assert tuple(fig.get_size_inches()) == (12, 4.6) and _png_size(out) == (1560, 598)
    assert a1.title.get_fontsize() == a2.title.get_fontsize() == fig._suptitle.get_fontsize() == 10
    assert _legend_style(fig) == ("right", 7, 8, False)
    (needed,) = a2.collections
    assert needed.get_linewidth()[0] == 1.5 and tuple(needed.get_color()[0]) == to_rgba("black")
    assert fig._suptitle.get_text().endswith("from the ELF and the firmware's high-water marks")


def test_how_the_energy_figure_looks(made, tmp_path):
    out = tmp_path / "e.png"
    figures.energy_figure([_r("wasm3", "pico", energy_uj=5.0, energy_kind="model")], out, WL)
    (fig,) = made
    ax = fig.axes[0]
    assert tuple(fig.get_size_inches()) == (10, 4.8) and _png_size(out) == (1300, 624)
    assert ax.title.get_fontsize() == 10 and _legend_style(fig) == ("right", 7, 8, False)
    assert ax.get_yscale() == "linear"


def test_the_empty_energy_figure_says_so_in_its_middle(made, tmp_path):
    figures.energy_figure([], tmp_path / "e.png", WL)
    (text,) = made[0].axes[0].texts
    assert text.get_position() == (0.5, 0.5) and text.get_ha() == "center" and text.get_va() == "center"
    assert text.get_transform() == made[0].axes[0].transAxes


def test_how_the_overhead_figure_looks(made, tmp_path):
    out = tmp_path / "o.png"
    rs = [_r("native", "host", time_us=10), _r("wasm3", "host", time_us=25), _r("native", "host", workload="j", time_us=1),
          _r("wasm3", "host", workload="j", time_us=3), _r("native", "pico", time_us=1), _r("wasm3", "pico", time_us=4)]
    figures.overhead_figure(rs, out)
    (fig,) = made
    host, pico = [ax for ax in fig.axes if ax.images]
    # each panel 0.35 in a row and 1.4 in more, at least 2.2 in
    assert tuple(fig.get_size_inches()) == pytest.approx((11, 2.2 + 2.2))
    assert list(host.get_gridspec().get_height_ratios()) == [2.2, 2.2]
    assert _png_size(out) == (1430, 572)
    image = host.images[0]
    assert image.get_cmap().name == "RdYlGn_r" and host.get_aspect() == "auto"
    labels = host.get_xticklabels()
    assert [t.get_rotation() for t in labels] == [20] and labels[0].get_ha() == "right" and labels[0].get_fontsize() == 8
    assert host.get_yticklabels()[0].get_fontsize() == 8 and host.title.get_fontsize() == 9
    t = host.texts[0]
    assert (t.get_ha(), t.get_va(), t.get_fontsize()) == ("center", "center", 7)
    assert [tuple(x.get_position()) for x in host.texts] == [(0, 0), (0, 1)]
    assert fig._suptitle.get_fontsize() == 10


def test_the_overhead_panels_grow_with_their_rows(made, tmp_path):
    rs = [_r("native", "host", time_us=1, workload=f"w{i}") for i in range(6)]
    rs += [_r("wasm3", "host", time_us=2, workload=f"w{i}") for i in range(6)]
    figures.overhead_figure(rs, tmp_path / "o.png")
    assert made[0].get_size_inches()[1] == pytest.approx(0.35 * 6 + 1.4)


def test_the_empty_overhead_figure_is_small(made, tmp_path):
    out = tmp_path / "o.png"
    figures.overhead_figure([], out)
    (fig,) = made
    assert tuple(fig.get_size_inches()) == (6, 2) and _png_size(out) == (780, 260)
    (text,) = fig.axes[0].texts
    assert text.get_position() == (0.5, 0.5) and (text.get_ha(), text.get_va()) == ("center", "center")
