"""report.embench_score: the scores, their table, CSV and figure on a few synthetic Embench cells."""

import csv
import math

import pytest
from figure_checks import assert_legend_outside_right
from matplotlib.container import BarContainer

from wasmcu.model import ERROR, OK, Cell, Result
from wasmcu.report import embench_score as es
from wasmcu.report.plot import HATCH


def _r(workload, runtime, device, time_us, flash=None, base=4.0, kind="estimated", status=OK, build=None):
    prov = {"build": {"host_baseline": build}} if build else {}
    return Result(Cell(workload, 1, "c", runtime, device), backend="t", status=status, time_us=time_us,
                  time_kind=kind, flash_bytes=flash, provenance=prov,
                  extra={"embench": {"lsf": None, "warmup_heat": 1, "baseline_ms": base}})


def _run():
    return [_r("a", "native", "pico", 1000.0, flash=10_000, base=4.0),
            _r("b", "native", "pico", 500.0, flash=20_000, base=2.0),
            _r("a", "wasm3", "pico", 8000.0, flash=40_000, base=4.0),
            _r("b", "wasm3", "pico", 1000.0, flash=40_000, base=2.0),
            _r("c", "wasm3", "pico", 1000.0, status=ERROR),
            _r("a", "native", "host", 100.0, kind="measured", build="o3"),
            _r("a", "wasm3", "host", 1000.0, kind="measured"),
            Result(Cell("crc16", 1, "c", "wasm3", "host"), backend="t", status=OK, time_us=5.0)]


def test_stat_text():
    assert es.Stat(1234.5678, 1.5, 3).text() == "1,234.57 (×/÷1.50, 3)"
    assert es.Stat(2.0, 1.0, 1).text("×") == "2.00× (×/÷1.00, 1)"


def test_scores():
    table = es.scores(_run())
    assert [(s.device, s.runtime, s.benchmarks, s.estimated) for s in table] == [
        ("pico", "native", 2, True), ("pico", "wasm3", 2, True), ("host", "native", 1, False),
        ("host", "wasm3", 1, False)]
    wasm = table[1]
    assert wasm.speed.geomean == pytest.approx(1.0) and wasm.speed.gsd == pytest.approx(2.0) and wasm.speed.count == 2
    assert wasm.slowdown.geomean == pytest.approx(4.0) and wasm.slowdown.gsd == pytest.approx(2.0)
    assert wasm.size.geomean == pytest.approx(math.sqrt(8)) and wasm.size.gsd == pytest.approx(math.sqrt(2))
    host = table[3]
    assert host.speed.geomean == pytest.approx(4.0) and host.slowdown.geomean == pytest.approx(10.0)
    assert host.size is None and host.slowdown.count == 1
    assert table[2].slowdown.geomean == pytest.approx(1.0) and table[2].speed.geomean == pytest.approx(40.0)
    assert es.scores([]) == [] and es.scores(_run()[-1:]) == []


def test_one_estimated_time_makes_the_score_estimated():
    rs = [_r("a", "wasm3", "pico", 100.0, kind="estimated"), _r("b", "wasm3", "pico", 100.0, kind="measured")]
    assert es.scores(rs)[0].estimated
    assert not es.scores([r.replace(time_kind="measured") for r in rs])[0].estimated


def test_host_baseline():
    assert es.host_baseline(_run()) == "o3"
    assert es.host_baseline([_r("a", "native", "host", 1.0), _r("b", "native", "host", 1.0, build="o3-native")]) \
        == "o2, o3-native"
    assert es.host_baseline([_r("a", "native", "pico", 1.0, build="o3")]) is None


def test_score_markdown():
    md = es.score_markdown(_run())
    lines = md.split("\n")
    assert lines[0] == ("Embench's speed score (geometric mean of the reference time ÷ this time × gsf, ×/÷ Embench's "
                        "geometric SD, benchmarks), the slowdown against native code on the same device and the flash "
                        "image against native (× native). `est.`: board times estimated by the cycle model; host times "
                        "measured. Host native baseline: o3.")
    pico_only = [r for r in _run() if r.cell.device == "pico"]
    assert es.score_markdown(pico_only).split("\n")[0].endswith("host times measured. ")
    assert lines[2:4] == ["| device | runtime | benchmarks | speed score | slowdown (× native) | size (× native) |",
                          "|---|---|---:|---:|---:|---:|"]
    assert lines[5] == "| pico | wasm3 | 2 | 1.00 (×/÷2.00, 2) est. | 4.00× (×/÷2.00, 2) | 2.83× (×/÷1.41, 2) |"
    assert lines[7] == "| host | wasm3 | 1 | 4.00 (×/÷1.00, 1) | 10.00× (×/÷1.00, 1) | – |"
    assert len(lines) == 9 and lines[-1] == ""
    assert es.score_markdown(_run()[-1:]) == ""


def test_score_html():
    page = es.score_html(_run())
    assert page.startswith("<h2>Embench-IoT score per device and runtime</h2>")
    assert "by the cycle model; host times measured. Host native baseline: o3.</p>" in page
    pico_only = [r for r in _run() if r.cell.device == "pico"]
    assert "by the cycle model; host times measured.</p>" in es.score_html(pico_only)
    assert ("<tr><td>pico</td><td>wasm3</td><td class='num'>2</td><td class='num'>1.00 (×/÷2.00, 2) est.</td>"
            "<td class='num'>4.00× (×/÷2.00, 2)</td><td class='num'>2.83× (×/÷1.41, 2)</td></tr>") in page
    assert page.endswith("</table>") and page.count("<tr>") == 5
    assert es.score_html(_run()[-1:]) == ""


def test_write_score_csv(tmp_path):
    out = tmp_path / "s.csv"
    assert es.write_score_csv(_run(), out)
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == es.CSV_FIELDS
    assert [(r["device"], r["runtime"], r["benchmarks"], r["time_kind"], r["host_baseline"]) for r in rows] == [
        ("pico", "native", "2", "estimated", ""), ("pico", "wasm3", "2", "estimated", ""),
        ("host", "native", "1", "measured", "o3"), ("host", "wasm3", "1", "measured", "o3")]
    assert float(rows[1]["slowdown"]) == pytest.approx(4.0) and rows[1]["slowdown_n"] == "2"
    assert rows[3]["size"] == rows[3]["size_gsd"] == rows[3]["size_n"] == ""
    assert not es.write_score_csv(_run()[-1:], tmp_path / "none.csv") and not (tmp_path / "none.csv").exists()




def test_score_figure(made, tmp_path):
    out = tmp_path / "e.png"
    assert es.score_figure(_run(), out)
    assert out.stat().st_size > 1000
    (fig,) = made
    speed, slow = fig.axes[:2]
    bars = [p for c in speed.containers if isinstance(c, BarContainer) for p in c.patches]
    assert [round(p.get_height(), 6) for p in bars] == [4.0, 1.0, 40.0, 4.0]
    assert [p.get_hatch() for p in bars] == [HATCH, HATCH, None, None]
    assert [round(p.get_width(), 6) for p in bars] == [round(0.4 * 0.92, 6)] * 4
    assert speed.get_xticklabels()[0].get_fontsize() == 8
    assert speed.yaxis._major_tick_kw["gridOn"] and speed.yaxis._minor_tick_kw["gridOn"]
    assert speed.yaxis.get_major_ticks()[0].gridline.get_alpha() == 0.3
    note = fig.legends[0].legend_handles[-1]
    assert note.get_edgecolor() == (0, 0, 0, 1) and note.get_facecolor() == (1, 1, 1, 1)
    assert speed.get_yscale() == "log" and speed.get_title() == "Embench speed score (higher is faster)"
    assert slow.get_title() == "slowdown: time ÷ native (lower is better)"
    assert fig._suptitle.get_text() == ("Embench-IoT per device and runtime (whiskers: one geometric SD); "
                                        "host native baseline o3")
    assert fig._suptitle.get_fontsize() == 10
    assert_legend_outside_right(fig)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["native", "wasm3", "time estimated (cycle model)"]
    assert not es.score_figure(_run()[-1:], tmp_path / "none.png") and not (tmp_path / "none.png").exists()
