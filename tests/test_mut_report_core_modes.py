"""Execution modes compared with native code, on a few synthetic result rows: the mode of a
cell, the geometric summaries per device and mode, their Markdown table and their figure."""

import math

import pytest
from figure_checks import assert_group_bars, assert_legend_outside_right, assert_ratio_axes

from wasmcu.model import Cell, Result
from wasmcu.report import modes
from wasmcu.report.modes import Summary, by_mode, geomean_gsd, mode_figure, mode_of, mode_table_markdown, ordered_modes


def res(rt, t, wl="crc", device="host", n=10, build="o2", **kw):
    kw.setdefault("status", "ok")
    kw.setdefault("time_kind", "measured" if device == "host" else "estimated")
    return Result(Cell(wl, n, "c", rt, device, build), "host" if device == "host" else "qemu", time_us=t, **kw)




def sample():
    return [res("native", 2.0, flash_bytes=1000, ram_peak_bytes=2000),
            res("wasm3", 40.0, flash_bytes=5000, ram_static_bytes=4000),
            res("native", 1.0, wl="fib"), res("wasm3", 30.0, wl="fib"),
            res("wasmtime", 4.0),
            res("wasm3", 99.0, wl="crc", status="error", n=10, build="sdk"),   # no native of its build
            res("wasm3", 5.0, wl="sha"),                                       # no native at all
            res("wasm3", 9.0, wl="fib", status="mismatch", n=11), res("native", 1.0, wl="fib", n=11),
            res("native", 80.0, device="pico", flash_bytes=2000, energy_uj=1.0, energy_kind="model"),
            res("wasm3", 800.0, device="pico", flash_bytes=100_000, energy_uj=12.0, energy_kind="model")]


# --- the mode of a cell -----------------------------------------------------------------------

def test_mode_of_is_the_recorded_mode_else_the_registry_s_else_unknown():
    assert mode_of(res("wasm3", 1.0, provenance={"mode": "aot"})) == "aot"
    assert mode_of(res("wasm3", 1.0, provenance={"mode": ""})) == "interpreter"
    assert mode_of(res("wasmtime", 1.0)) == "jit"
    assert mode_of(res("wasm2c", 1.0)) == "aot"
    assert mode_of(res("native", 1.0)) == "native"
    assert mode_of(res("no-such-runtime", 1.0)) == "unknown"


def test_ordered_modes_follow_execution_modes_then_names_once_each():
    assert ordered_modes(["interpreter", "zeta", "native", "jit", "aot", "alpha", "jit"]) == \
        ["native", "aot", "jit", "interpreter", "alpha", "zeta"]
    assert ordered_modes([]) == []


def test_geomean_gsd():
    g, s = geomean_gsd([2.0, 8.0])
    assert g == pytest.approx(4.0)
    assert s == pytest.approx(math.exp(math.sqrt(2 * math.log(2) ** 2)))   # sample SD of log 2, log 8
    assert geomean_gsd([5.0]) == (pytest.approx(5.0), 1.0)
    g, s = geomean_gsd([3.0, 3.0, 3.0])
    assert (g, s) == (pytest.approx(3.0), pytest.approx(1.0))


def test_summary_range_is_one_gsd_either_side():
    assert Summary(10.0, 2.0, 3, False).range == (5.0, 20.0)


# --- summaries ----------------------------------------------------------------------------------

def test_by_mode_summarises_ratios_to_native_per_device_mode_and_metric():
    out = by_mode(sample())
    assert set(out) == {("host", "native", "time"), ("host", "native", "flash"), ("host", "native", "ram"),
                        ("host", "interpreter", "time"), ("host", "interpreter", "flash"),
                        ("host", "interpreter", "ram"), ("host", "jit", "time"),
                        ("pico", "native", "time"), ("pico", "native", "flash"), ("pico", "native", "energy"),
                        ("pico", "interpreter", "time"), ("pico", "interpreter", "flash"),
                        ("pico", "interpreter", "energy")}
    t = out[("host", "interpreter", "time")]
    g, s = geomean_gsd([20.0, 30.0])
    assert (t.geomean, t.gsd, t.cells, t.estimated) == (pytest.approx(g), pytest.approx(s), 2, False)
    assert out[("host", "interpreter", "flash")] == Summary(pytest.approx(5.0), 1.0, 1, False)
    assert out[("host", "interpreter", "ram")].geomean == pytest.approx(2.0)   # static RAM when no peak
    assert out[("host", "jit", "time")].geomean == pytest.approx(2.0)
    assert out[("host", "native", "time")] == Summary(pytest.approx(1.0), pytest.approx(1.0), 3, False)
    assert out[("pico", "interpreter", "time")] == Summary(pytest.approx(10.0), 1.0, 1, True)
    assert out[("pico", "interpreter", "energy")] == Summary(pytest.approx(12.0), 1.0, 1, True)
    assert out[("pico", "interpreter", "flash")] == Summary(pytest.approx(50.0), 1.0, 1, False)


def test_by_mode_skips_missing_zero_and_negative_values_but_keeps_small_ones():
    results = [res("native", 0.25, wl="a"), res("wasm3", 0.5, wl="a"),
               res("native", 1.0, wl="b"), res("wasm3", -3.0, wl="b"),
               res("native", -1.0, wl="c"), res("wasm3", 3.0, wl="c"),
               res("native", 1.0, wl="d"), res("wasm3", 0.0, wl="d"),
               res("native", None, wl="e"), res("wasm3", 3.0, wl="e")]
    s = by_mode(results)[("host", "interpreter", "time")]
    assert (s.cells, s.geomean) == (1, pytest.approx(2.0))


def test_by_mode_marks_a_summary_estimated_when_any_time_or_energy_was():
    results = [res("wasm3", 4.0, wl="b", time_kind="estimated", energy_uj=3.0, energy_kind="measured"),
               res("native", 1.0, wl="b", energy_uj=1.0, energy_kind="measured"),
               res("native", 1.0), res("wasm3", 2.0)]   # an estimated time, then a measured one
    out = by_mode(results)
    assert out[("host", "interpreter", "time")].estimated is True
    assert out[("host", "interpreter", "energy")].estimated is False
    assert out[("host", "native", "time")].estimated is False


# --- the table ----------------------------------------------------------------------------------

def test_mode_table_markdown_one_table_per_device():
    assert mode_table_markdown(sample()) == "\n".join([
        "### host: execution modes, geometric mean of ratio to native (× / ÷ geometric SD)\n",
        "| mode | runtimes | time | flash | peak RAM | energy |",
        "|---|---|---:|---:|---:|---:|",
        "| native | native | 1.00× (×/÷1.00, 3) | 1.00× (×/÷1.00, 1) | 1.00× (×/÷1.00, 1) | – |",
        "| jit | wasmtime | 2.00× (×/÷1.00, 1) | – | – | – |",
        f"| interpreter | wasm3 | 24.49× (×/÷{geomean_gsd([20.0, 30.0])[1]:.2f}, 2) | 5.00× (×/÷1.00, 1) "
        "| 2.00× (×/÷1.00, 1) | – |",
        "",
        "### pico: execution modes, geometric mean of ratio to native (× / ÷ geometric SD)\n",
        "| mode | runtimes | time | flash | peak RAM | energy |",
        "|---|---|---:|---:|---:|---:|",
        "| native | native | 1.00× (×/÷1.00, 1) est. | 1.00× (×/÷1.00, 1) | – | 1.00× (×/÷1.00, 1) est. |",
        "| interpreter | wasm3 | 10.00× (×/÷1.00, 1) est. | 50.00× (×/÷1.00, 1) | – | 12.00× (×/÷1.00, 1) est. |",
        "",
    ])


def test_mode_table_lists_only_the_ok_runtimes_of_that_device_and_mode():
    results = [res("native", 1.0), res("wamr-fast", 2.0), res("wamr-classic", 3.0, status="error"),
               res("native", 1.0, device="pico"), res("wamr-classic", 30.0, device="pico"),
               res("wasm3", 3.0, status="error", wl="x", device="pico")]
    lines = mode_table_markdown(results).splitlines()
    assert lines[5].startswith("| interpreter | wamr-fast | 2.00×")
    assert lines[12].startswith("| interpreter | wamr-classic | 30.00×")
    assert mode_table_markdown([res("wasm3", 1.0)]) == ""


# --- the figure ---------------------------------------------------------------------------------

def test_mode_figure_bars_whiskers_axes_and_legend(tmp_path, figures_shown):
    from matplotlib.colors import to_rgba

    from wasmcu.report.plot import DPI, HATCH

    out = tmp_path / "modes.png"
    got = mode_figure(sample(), out)
    summary = by_mode(sample())
    assert got == {k: v.geomean for k, v in summary.items()}
    [fig] = figures_shown
    import matplotlib.image

    assert matplotlib.image.imread(out).shape[:2] == (round(4.2 * DPI), 14 * DPI)
    assert fig._suptitle.get_text() == ("Execution modes per device: geometric mean of ratio to native over all cells "
                                        "(whiskers: one geometric SD)")
    assert fig._suptitle.get_fontsize() == 10
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["time ÷ native", "flash ÷ native", "peak RAM ÷ native",
                                               "energy ÷ native"]
    modes_seen = ["native", "jit", "interpreter"]     # every device's modes, in order
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    width = 0.8 / 3
    titles = ["time ÷ native", "flash ÷ native", "peak RAM ÷ native", "energy ÷ native"]
    for ax, metric, title in zip(axes, ("time", "flash", "ram", "energy"), titles):
        assert_ratio_axes(ax, ["host", "pico"], title)
        expected = []
        for j, mode in enumerate(modes_seen):
            for i, dev in enumerate(("host", "pico")):
                s = summary.get((dev, mode, metric))
                if s is not None:
                    expected.append((i - 0.4 + width * (j + 0.5), width, s.geomean, s.range,
                                     cmap(modes_seen.index(mode)), s.estimated))
        assert_group_bars(ax, expected)
    legend = assert_legend_outside_right(fig)
    assert [t.get_text() for t in legend.get_texts()] == modes_seen + ["estimated / modelled"]
    hatched = legend.get_patches()[-1]
    assert hatched.get_facecolor() == to_rgba("white") and hatched.get_edgecolor() == to_rgba("black")
    assert hatched.get_hatch() == HATCH
    assert [p.get_facecolor() for p in legend.get_patches()[:-1]] == [to_rgba(cmap(i)) for i in range(3)]


def test_mode_figure_of_no_comparable_cell_is_empty(tmp_path, figures_shown):
    assert mode_figure([res("wasm3", 1.0)], tmp_path / "m.png") == {}
    assert (tmp_path / "m.png").is_file()
    assert modes.METRICS["ram"][1](res("x", 1.0, ram_static_bytes=5)) == 5
