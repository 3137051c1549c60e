"""The score per runtime and device (runtime ÷ native), on a few synthetic result rows: the
scores with the cost table's range, their Markdown and HTML tables and their figure."""

import math

import pytest
from figure_checks import assert_group_bars, assert_legend_outside_right, assert_ratio_axes

from wasmcu.model import Cell, Result
from wasmcu.report.score import (Score, _runtime_order, _time_bounds, geomean_gsd, score_figure, score_table_html,
                                 score_table_markdown, scores)


def res(rt, t, wl="crc", device="host", n=10, build="o2", rng=None, **kw):
    kw.setdefault("status", "ok")
    kw.setdefault("time_kind", "measured" if device == "host" else "estimated")
    extra = kw.pop("extra", {})
    if rng is not None:
        extra["time_us_range"] = rng
    return Result(Cell(wl, n, "c", rt, device, build), "host" if device == "host" else "qemu", time_us=t,
                  extra=extra, **kw)




def sample():
    return [res("native", 2.0, flash_bytes=1000, ram_peak_bytes=2000),
            res("wasm3", 40.0, flash_bytes=5000, ram_static_bytes=4000),
            res("native", 1.0, wl="fib"), res("wasm3", 30.0, wl="fib"),
            res("wasmtime", 4.0),
            res("wasm3", 99.0, build="sdk"),                     # no native of its build
            res("wasm3", 5.0, wl="sha"),                         # no native at all
            res("wasm3", 9.0, wl="fib", n=11, status="mismatch"), res("native", 1.0, wl="fib", n=11),
            res("native", 80.0, device="pico", rng=[70.0, 100.0], flash_bytes=2000),
            res("wasm3", 800.0, device="pico", rng=[600.0, 1200.0], flash_bytes=100_000),
            res("native", 10.0, device="pico", wl="fib", rng=[8.0, 12.0]),
            res("wasm3", 200.0, device="pico", wl="fib", rng=[180.0, 300.0])]


# --- numbers ------------------------------------------------------------------------------------

def test_geomean_gsd_and_its_refusals():
    g, s = geomean_gsd([2.0, 8.0])
    assert g == pytest.approx(4.0) and s == pytest.approx(math.exp(math.sqrt(2) * math.log(2)))
    assert geomean_gsd([7.0]) == (pytest.approx(7.0), 1.0)
    for bad in ([], [1.0, 0.0], [2.0, -1.0]):
        with pytest.raises(ValueError, match="non-positive or no values"):
            geomean_gsd(bad)


def test_score_text_and_spread():
    assert Score(52.314, 1.3111, 24, False).text() == "52.31× (×/÷1.31, 24)"
    assert Score(52.314, 1.3111, 24, True).text() == "52.31× (×/÷1.31, 24) est."
    assert Score(1052.314, 1.3111, 24, True, (1050.104, 1055.02)).text() == \
        "1,052.31× (×/÷1.31, 24) est. [1,050.10–1,055.02]"
    assert Score(52.0, 1.0, 1, False, (50.0, 55.0)).text() == "52.00× (×/÷1.00, 1)"
    assert Score(10.0, 2.0, 3, False).spread == (5.0, 20.0)


def test_time_bounds_only_of_an_estimate_with_two_nonzero_ends():
    assert _time_bounds(res("x", 1.0, device="pico", rng=[1, 3])) == (1.0, 3.0)
    assert isinstance(_time_bounds(res("x", 1.0, device="pico", rng=[1, 3]))[0], float)
    assert _time_bounds(res("x", 1.0, rng=[1.0, 3.0])) is None                   # measured
    assert _time_bounds(res("x", 1.0, device="pico")) is None
    assert _time_bounds(res("x", 1.0, device="pico", rng=[1.0, 2.0, 3.0])) is None
    assert _time_bounds(res("x", 1.0, device="pico", rng=[0.0, 3.0])) is None
    assert _time_bounds(res("x", 1.0, device="pico", rng=[1.0, 0.0])) is None


def test_runtime_order_is_the_registry_s_then_unknown_names():
    assert _runtime_order(["zz", "wasm3", "native", "aa", "wasm3", "wasmtime"]) == \
        ["native", "wasm3", "wasmtime", "aa", "zz"]


# --- scores -------------------------------------------------------------------------------------

def test_scores_per_device_runtime_and_metric_native_excluded():
    out = scores(sample())
    assert set(out) == {("host", "wasm3", "time"), ("host", "wasm3", "flash"), ("host", "wasm3", "ram"),
                        ("host", "wasmtime", "time"), ("pico", "wasm3", "time"), ("pico", "wasm3", "flash")}
    g, s = geomean_gsd([20.0, 30.0])
    assert out[("host", "wasm3", "time")] == Score(pytest.approx(g), pytest.approx(s), 2, False, None)
    assert out[("host", "wasm3", "flash")] == Score(pytest.approx(5.0), 1.0, 1, False, None)
    assert out[("host", "wasm3", "ram")].geomean == pytest.approx(2.0)
    t = out[("pico", "wasm3", "time")]
    g = geomean_gsd([10.0, 20.0])[0]
    lo, hi = geomean_gsd([600 / 70, 180 / 8])[0], geomean_gsd([1200 / 100, 300 / 12])[0]
    assert (t.geomean, t.cells, t.estimated) == (pytest.approx(g), 2, True)
    assert t.model_range == (pytest.approx(min(lo, hi, g)), pytest.approx(max(lo, hi, g)))
    assert out[("pico", "wasm3", "flash")] == Score(pytest.approx(50.0), 1.0, 1, False, None)


def test_a_score_is_estimated_when_the_native_time_was_and_keeps_its_own_value_in_the_range():
    results = [res("native", 10.0, device="pico", time_kind="measured"),
               res("wasm3", 100.0, device="pico", time_kind="measured"),
               res("native", 10.0, wl="b", device="pico", time_kind="estimated"),
               res("wasm3", 100.0, wl="b", device="pico", time_kind="measured")]
    s = scores(results)[("pico", "wasm3", "time")]
    assert s.estimated is True and s.model_range is None            # no range for every ratio
    results = [res("native", 10.0, device="pico", rng=[9.0, 11.0]), res("wasm3", 100.0, device="pico", rng=[99.0, 120.0])]
    s = scores(results)[("pico", "wasm3", "time")]
    assert s.model_range == (pytest.approx(10.0), pytest.approx(11.0))   # the score itself is the bottom
    results = [res("native", 10.0, device="pico", rng=[9.0, 11.0]), res("wasm3", 100.0, device="pico", rng=[80.0, 100.0])]
    s = scores(results)[("pico", "wasm3", "time")]
    assert s.model_range == (pytest.approx(80 / 9), pytest.approx(10.0))   # and the top


def test_scores_skip_zero_negative_and_missing_values_but_keep_small_ones():
    results = [res("native", 0.25, wl="a"), res("wasm3", 0.5, wl="a"),
               res("native", 1.0, wl="b"), res("wasm3", -3.0, wl="b"),
               res("native", -1.0, wl="c"), res("wasm3", 3.0, wl="c"),
               res("native", 1.0, wl="d"), res("wasm3", 0.0, wl="d"),
               res("native", None, wl="e"), res("wasm3", 3.0, wl="e")]
    s = scores(results)[("host", "wasm3", "time")]
    assert (s.cells, s.geomean) == (1, pytest.approx(2.0))
    assert scores([res("native", 1.0, status="error"), res("wasm3", 2.0)]) == {}


# --- tables -------------------------------------------------------------------------------------

def test_score_table_markdown():
    g, s = geomean_gsd([20.0, 30.0])
    pico = scores(sample())[("pico", "wasm3", "time")]
    assert score_table_markdown(sample()) == "\n".join([
        "Geometric mean of runtime ÷ native over every cell with both ok (×/÷ geometric SD, cells). "
        "`est.`: times estimated by the board's cycle model, with the score the cost table's low and high "
        "ends give in brackets; host times are measured.\n",
        "### host: score per runtime (× native)\n",
        "| runtime | time | flash | peak RAM |",
        "|---|---:|---:|---:|",
        f"| wasm3 | {g:,.2f}× (×/÷{s:.2f}, 2) | 5.00× (×/÷1.00, 1) | 2.00× (×/÷1.00, 1) |",
        "| wasmtime | 2.00× (×/÷1.00, 1) | – | – |",
        "",
        "### pico: score per runtime (× native)\n",
        "| runtime | time | flash | peak RAM |",
        "|---|---:|---:|---:|",
        f"| wasm3 | {pico.text()} | 50.00× (×/÷1.00, 1) | – |",
        "",
    ])
    assert "est. [" in pico.text()
    assert score_table_markdown([res("wasm3", 1.0)]) == "No runtime has an ok native cell to compare with.\n"


def test_score_table_html():
    pico = scores(sample())[("pico", "wasm3", "time")]
    g, s = geomean_gsd([20.0, 30.0])
    assert score_table_html(sample()) == "\n".join([
        "<h2>Score per runtime and device: geometric mean of runtime ÷ native (×/÷ geometric SD, cells)</h2>",
        "<p>Each cell of a runtime against native code of the same workload, size, language and build on the "
        "same device. <i>est.</i>: emulated-board times, estimated by the cycle model; in brackets the score at "
        "the low and high ends of the cost table's ranges. Host times are measured.</p>",
        "<table><tr><th>device</th><th>runtime</th><th>time</th><th>flash</th><th>peak RAM</th></tr>",
        f"<tr><td>host</td><td>wasm3</td><td class='num'>{g:,.2f}× (×/÷{s:.2f}, 2)</td>"
        "<td class='num'>5.00× (×/÷1.00, 1)</td><td class='num'>2.00× (×/÷1.00, 1)</td></tr>",
        "<tr><td>host</td><td>wasmtime</td><td class='num'>2.00× (×/÷1.00, 1)</td><td></td><td></td></tr>",
        f"<tr><td>pico</td><td>wasm3</td><td class='num est'>{pico.text()}</td>"
        "<td class='num'>50.00× (×/÷1.00, 1)</td><td></td></tr>",
        "</table>"])


def test_score_table_html_escapes_names():
    text = score_table_html([res("native", 1.0, device="a<b"), res("x&y", 2.0, device="a<b")])
    assert "<tr><td>a&lt;b</td><td>x&amp;y</td>" in text


# --- the figure ---------------------------------------------------------------------------------

def test_score_figure_bars_whiskers_axes_and_legend(tmp_path, figures_shown):
    import matplotlib.image
    from matplotlib.colors import to_rgba

    from wasmcu.report.plot import DPI, HATCH, runtime_colors

    out = tmp_path / "score.png"
    table = scores(sample())
    assert score_figure(sample(), out) == {k: v.geomean for k, v in table.items()}
    assert matplotlib.image.imread(out).shape[:2] == (round(4.2 * DPI), 14 * DPI)
    [fig] = figures_shown
    assert fig._suptitle.get_text() == ("Score per runtime and device: geometric mean of ratio to native over all "
                                        "cells (whiskers: one geometric SD)")
    assert fig._suptitle.get_fontsize() == 10
    colors = runtime_colors(["wasm3", "wasmtime"])
    present = {"host": ["wasm3", "wasmtime"], "pico": ["wasm3"]}
    assert [ax.get_title() for ax in fig.axes] == ["time ÷ native", "flash ÷ native", "peak RAM ÷ native"]
    titles = ["time ÷ native", "flash ÷ native", "peak RAM ÷ native"]
    for ax, metric, title in zip(fig.axes, ("time", "flash", "ram"), titles):
        assert_ratio_axes(ax, ["host", "pico"], title)
        expected = []
        for i, dev in enumerate(("host", "pico")):
            width = 0.8 / len(present[dev])
            for j, rt in enumerate(present[dev]):
                s = table.get((dev, rt, metric))
                if s is not None:
                    expected.append((i - 0.4 + width * (j + 0.5), width, s.geomean, s.spread, colors[rt], s.estimated))
        assert_group_bars(ax, expected)
    legend = assert_legend_outside_right(fig)
    assert [t.get_text() for t in legend.get_texts()] == ["wasm3", "wasmtime", "time estimated (cycle model)"]
    hatched = legend.get_patches()[-1]
    assert hatched.get_facecolor() == to_rgba("white") and hatched.get_edgecolor() == to_rgba("black")
    assert hatched.get_hatch() == HATCH
    assert [p.get_facecolor() for p in legend.get_patches()[:-1]] == [to_rgba(colors["wasm3"]),
                                                                      to_rgba(colors["wasmtime"])]
