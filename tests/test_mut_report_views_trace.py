"""report.trace: the figure of a current trace, read back from the matplotlib figure it made."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from wasmcu.measure import powertrace
from wasmcu.measure.powertrace import Analysis, Trace, Window
from wasmcu.model import OK, Cell, Result
from wasmcu.report import trace as tr
from wasmcu.report.trace import MAX_POINTS, _envelope, trace_figure, trace_figures




def _win(start, end, uj):
    return Window(start=start, end=end, energy_uj=uj, gross_uj=uj, time_us=(end - start) * 10.0, mean_ua=1.0, lost=0)


def _analysis(method="threshold", windows=None, idle=1000.0, threshold=5000.0, channel=None):
    return Analysis(method=method, basis="gross", scope="board", voltage_v=3.3,
                    windows=windows if windows is not None else [_win(100, 200, 12.345)], idle_ua=idle,
                    threshold_ua=threshold, channel=channel)


def _trace(n=1000, lost=0, logic=None):
    return Trace(np.full(n, 2000.0), logic=logic, rate_hz=100_000.0, voltage_v=3.3, scope="board", lost=lost)


def _legend(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


# -- the envelope ------------------------------------------------------------------------------------

def test_a_short_trace_is_drawn_as_it_is():
    x = np.arange(MAX_POINTS, dtype=float)
    t = x * 0.5
    tt, lo, hi = _envelope(x, t)
    assert hi is None and tt is t and lo is x


def test_a_long_trace_is_a_min_max_envelope_per_column():
    x = np.arange(MAX_POINTS + 1, dtype=float)[::-1].copy()
    x[1] = np.nan
    t = np.arange(MAX_POINTS + 1) * 0.01
    tt, lo, hi = _envelope(x, t)
    assert len(tt) == len(lo) == len(hi) == MAX_POINTS // 2
    np.testing.assert_array_equal(tt, t[:MAX_POINTS:2])
    assert lo[0] == hi[0] == MAX_POINTS               # the lost sample left out
    assert lo[1] == MAX_POINTS - 3 and hi[1] == MAX_POINTS - 2
    assert lo[-1] == 1 and hi[-1] == 2                # the last, incomplete column dropped
    tt3, lo3, hi3 = _envelope(np.arange(3 * MAX_POINTS + 1, dtype=float), np.arange(3 * MAX_POINTS + 1, dtype=float))
    assert len(lo3) == (3 * MAX_POINTS + 1) // 4 and lo3[1] == 4 and hi3[1] == 7


# -- the figure --------------------------------------------------------------------------------------

def test_a_trace_without_analysis(made, tmp_path):
    out = tmp_path / "t.png"
    shown = trace_figure(_trace(lost=5), None, out)
    assert shown == {"windows": [], "idle_ma": None, "threshold_ma": None}
    assert out.stat().st_size > 1000
    (fig,) = made
    assert fig.number not in plt.get_fignums()
    (ax,) = fig.axes
    assert ax.get_title() == "scope board, 3.3 V (measured); 5 samples lost"
    (line,) = ax.lines
    assert line.get_label() == "current" and to_rgba(line.get_color()) == to_rgba("tab:blue")
    np.testing.assert_allclose(line.get_ydata(), 2.0)
    np.testing.assert_allclose(line.get_xdata()[:3], [0, 0.01, 0.02])
    assert ax.get_xlabel() == "time (ms)" and ax.get_ylabel() == "current (mA)"
    assert tuple(fig.get_size_inches()) == (10, 4)
    assert _legend(ax) == ["current"]
    assert ax.get_legend().get_texts()[0].get_fontsize() == 7 and not ax.get_legend().get_frame_on()
    assert all(g.get_alpha() == 0.3 for g in ax.yaxis.get_gridlines())


def test_the_title_leads_with_the_callers_title(made, tmp_path):
    trace_figure(_trace(), None, tmp_path / "t.png", title="crc16:100")
    assert made[0].axes[0].get_title() == "crc16:100\nscope board, 3.3 V (measured)"


def test_a_long_trace_is_filled_between_min_and_max(made, tmp_path):
    x = np.full(3 * MAX_POINTS, 1000.0)
    x[::2] = 3000.0
    trace_figure(Trace(x, rate_hz=1000.0), None, tmp_path / "t.png")
    ax = made[0].axes[0]
    assert not ax.lines
    (fill,) = ax.collections
    assert fill.get_label() == "current (min–max)"
    assert to_rgba(fill.get_facecolor()[0])[:3] == to_rgba("tab:blue")[:3]
    ys = fill.get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(1.0) and ys.max() == pytest.approx(3.0)


def test_threshold_windows_idle_and_threshold(made, tmp_path):
    a = _analysis()
    shown = trace_figure(_trace(), a, tmp_path / "t.png", title="T")
    assert shown == {"windows": [(1.0, 2.0, 12.345)], "idle_ma": 1.0, "threshold_ma": 5.0}
    (fig,) = made
    (ax,) = fig.axes
    assert ax.get_title() == "T\nthreshold method: 12.3 µJ per run (1 run), gross, scope board, 3.3 V (measured)"
    (ann,) = [t for t in ax.texts]
    assert ann.get_text() == "12.3 µJ" and ann.xy == (1.5, 1.0)
    assert _legend(ax) == ["current", "window", "idle", "threshold"]
    idle, thr = ax.lines[1:]
    assert list(idle.get_ydata()) == [1.0, 1.0] and idle.get_linestyle() == "--"
    assert list(thr.get_ydata()) == [5.0, 5.0] and thr.get_linestyle() == ":"
    assert ax.get_xlabel() == "time (ms)"


def test_several_windows_give_a_spread_and_up_to_twelve_are_labelled(made, tmp_path):
    wins = [_win(10 * i, 10 * i + 5, 10.0 + i) for i in range(12)]
    trace_figure(_trace(), _analysis(windows=wins, idle=None, threshold=None), tmp_path / "a.png")
    ax = made[0].axes[0]
    sd = float(np.std([10.0 + i for i in range(12)], ddof=1))
    assert ax.get_title() == (f"threshold method: 15.5 ± {sd:,.1f} µJ per run (12 runs), gross, scope board, 3.3 V "
                              "(measured)")
    assert len(ax.texts) == 12
    assert _legend(ax) == ["current", "window"]
    wins13 = wins + [_win(200, 205, 1.0)]
    shown = trace_figure(_trace(), _analysis(windows=wins13, idle=None, threshold=None), tmp_path / "b.png")
    assert len(shown["windows"]) == 13 and len(made[1].axes[0].texts) == 0


def test_two_windows_are_two_runs(made, tmp_path):
    trace_figure(_trace(), _analysis(windows=[_win(0, 5, 1.0), _win(10, 15, 3.0)]), tmp_path / "a.png")
    assert "2.0 ± 1.4 µJ per run (2 runs)," in made[0].axes[0].get_title()


def test_a_single_window_has_no_spread(made, tmp_path):
    trace_figure(_trace(), _analysis(idle=None, threshold=None), tmp_path / "a.png")
    title = made[0].axes[0].get_title()
    assert title == "threshold method: 12.3 µJ per run (1 run), gross, scope board, 3.3 V (measured)"


def test_marker_method_draws_the_marker_input_below(made, tmp_path):
    logic = np.zeros(1000, dtype=np.uint8)
    logic[100:200] = 0b100
    a = _analysis(method="marker", threshold=None, channel=2)
    shown = trace_figure(_trace(logic=logic), a, tmp_path / "m.png")
    assert shown["threshold_ma"] is None and shown["idle_ma"] == 1.0
    (fig,) = made
    ax, mx = fig.axes
    assert tuple(fig.get_size_inches()) == (10, 4.8)
    assert list(ax.get_gridspec().get_height_ratios()) == [4, 1]
    (step,) = mx.lines
    y = step.get_ydata()
    assert y[0] == 0 and y[150] == 1 and y[250] == 0 and y.max() == 1
    assert mx.get_ylabel() == "D2" and list(mx.get_yticks()) == [0, 1]
    assert mx.get_xlabel() == "time (ms)" and ax.get_xlabel() == ""
    assert _legend(ax) == ["current", "window", "idle"]


def test_marker_channel_defaults_to_zero(made, tmp_path):
    logic = np.zeros(3 * MAX_POINTS, dtype=np.uint8)
    logic[1000:1003] = 1
    a = _analysis(method="marker", threshold=None, channel=None)
    trace_figure(Trace(np.full(3 * MAX_POINTS, 10.0), logic=logic), a, tmp_path / "m.png")
    mx = made[0].axes[1]
    assert mx.get_ylabel() == "D0"
    (step,) = mx.lines
    assert step.get_ydata().max() == 1            # the envelope's maximum keeps a short pulse


# -- the report's trace figures ----------------------------------------------------------------------

def _result(extra):
    return Result(Cell("crc16", 100, "c", "wasm3", "pico-board"), backend="board", status=OK, extra=extra)


def test_trace_figures_draws_each_stored_trace(made, tmp_path):
    db = tmp_path / "results.db"
    logic = np.zeros(1000, dtype=np.uint8)
    logic[100:200] = 1
    trace = _trace(logic=logic)
    analysis = powertrace.analyse(trace, "marker")
    with_analysis = powertrace.store_trace(trace, db, "run one", analysis)
    without = powertrace.store_trace(_trace(), db, "run two")
    out = tmp_path / "report"
    rs = [_result({"power_trace": with_analysis}), _result({}), _result({"power_trace": "traces/missing.npz"}),
          _result({"power_trace": without})]
    written = trace_figures(rs, db, out)
    assert written == [out / "traces" / "run_one.png", out / "traces" / "run_two.png"]
    assert all(p.stat().st_size > 1000 for p in written)
    first, second = made
    assert first.axes[0].get_title().startswith("crc16:100 (c), wasm3 on pico-board\nmarker method: ")
    assert len(first.axes) == 2
    assert second.axes[0].get_title() == "crc16:100 (c), wasm3 on pico-board\nscope board, 3.3 V (measured)"
    assert trace_figures([_result({})], db, tmp_path / "none") == []
    assert tr.trace_figures([], db, out) == []


def test_how_the_trace_figure_looks(made, tmp_path):
    from matplotlib.image import imread

    logic = np.zeros(1000, dtype=np.uint8)
    logic[100:200] = 1
    a = _analysis(method="marker", channel=0)
    out = tmp_path / "m.png"
    trace_figure(_trace(logic=logic), a, out, title="T")
    (fig,) = made
    ax, mx = fig.axes
    assert imread(out).shape[:2] == (624, 1300)                       # 10 x 4.8 in at 130 dpi
    current, idle, thr = ax.lines
    assert current.get_linewidth() == 0.7
    assert to_rgba(idle.get_color()) == to_rgba("gray") and idle.get_linewidth() == 0.8
    assert to_rgba(thr.get_color()) == to_rgba("tab:red") and thr.get_linewidth() == 0.8
    (span,) = ax.patches
    assert span.get_facecolor() == to_rgba("tab:orange", 0.25)
    (ann,) = ax.texts
    assert ann.get_fontsize() == 7 and (ann.get_ha(), ann.get_va()) == ("center", "bottom")
    assert ann.xycoords == ("data", "axes fraction")
    assert ax.title.get_fontsize() == 9 and ax.get_ylabel() == "current (mA)"
    assert ax.titleOffsetTrans.get_matrix()[1, 2] == pytest.approx(14 / 72 * fig.dpi)   # pad 14 pt
    assert ax.get_legend()._loc == 1                                  # upper right
    (step,) = mx.lines
    assert step.get_drawstyle() == "steps-post" and to_rgba(step.get_color()) == to_rgba("black")
    assert step.get_linewidth() == 0.8
