"""Report and compare, on results stored in a temporary database."""

import copy
import csv
import re

import pytest

from wasmcu.model import Cell, Draft, Result
from wasmcu.report.modes import mode_figure
from wasmcu.report import figures, write_report
from wasmcu.store import Store

from conftest import wasmcu


def draft(r: Result) -> Draft:
    import dataclasses

    return Draft(**{f.name: copy.deepcopy(getattr(r, f.name)) for f in dataclasses.fields(r)})


def host(rt, lang, t, n=100, wl="bubblesort"):
    r = Draft(Cell(wl, n, lang, rt, "host"), "host", status="ok", checksum=1, expected=1, time_kind="measured")
    r.samples_us = [t * f for f in (0.98, 1.0, 1.01, 0.99, 1.02, 1.0, 0.995, 1.005)]
    r.time_us, r.time_us_ci = t, [t * 0.99, t * 1.01]
    r.host_rss_bytes = 30_000_000
    return r.freeze()


def board(rt, device, cycles, n=100, wl="bubblesort", lang="c"):
    r = Draft(Cell(wl, n, lang, rt, device), "qemu", status="ok", checksum=1, expected=1, time_kind="estimated")
    r.cycles, r.instructions, r.cycles_kind = cycles, cycles // 2, "estimated cycles"
    r.time_us = cycles / 125
    r.flash_bytes, r.ram_static_bytes, r.ram_peak_bytes = 10_000 + (80_000 if rt != "native" else 0), 2000, 90_000
    r.energy_uj, r.energy_kind = r.time_us * 0.12, "model"
    return r.freeze()


def _store(db):
    results = [host("native", "c", 2.0), host("wasm3", "c", 40.0), host("native", "rust", 2.1),
               host("wasm3", "crc16" and "c", 19.0, wl="crc16"), host("native", "c", 2.5, wl="crc16"),
               board("native", "pico", 60_000), board("wasm3", "pico", 3_000_000),
               board("native", "esp32c6", 50_000), board("wasm3", "esp32c6", 1_000_000)]
    bad = Result(Cell("bubblesort", 100, "c", "wasm3", "nrf5340"), "qemu", status="does-not-fit",
                 error="does not fit nrf5340: needs 600 KB of RAM, has 512 KB")
    with Store(db) as s:
        run = s.begin_run({}, [], {"git_revision": "abc123", "machine": {"cpu": "test"}})
        for r in results + [bad]:
            s.add_result(run, r)
        s.finish_run(run)
    return db, results, bad, run


@pytest.fixture
def stored(db):
    return _store(db)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The report of `stored`'s results, written once for the tests that only read it."""
    d = tmp_path_factory.mktemp("report")
    db, results, bad, run = _store(d / "wasmcu.sqlite")
    with Store(db) as s:
        files = write_report(s, d / "rep")
    return d / "rep", files, results


def test_report_writes_every_file_and_figure_has_every_ok_cell(written, tmp_path):
    rep, files, results = written
    names = {p.name for p in files}
    assert names == {"report.html", "report.md", "results.csv", "tradeoff.html", "time.png", "footprint.png", "energy.png",
                     "overhead.png", "modes.png", "score.png"}
    from matplotlib.image import imread

    for p in files:
        if p.suffix == ".png":  # a readable picture with something drawn on it, not a blank canvas
            pixels = imread(p)
            assert pixels.shape[0] > 200 and pixels.shape[1] > 200 and pixels.std() > 0.01, p.name
    markdown = (rep / "report.md").read_text()
    assert markdown.startswith("# wasmcu report\n") and "## Execution modes" in markdown
    assert "does not fit nrf5340: needs 600 KB of RAM, has 512 KB" in markdown  # the failed cell, with why
    wl = ("bubblesort", 100, "c")
    shown = figures.time_figure(results, tmp_path / "t.png", wl)
    expected = {(r.cell.device, r.cell.runtime) for r in results if (r.cell.workload, r.cell.n, r.cell.lang) == wl}
    assert set(shown) == expected
    assert set(figures.energy_figure(results, tmp_path / "e.png", wl)) == {k for k in expected if k[0] != "host"}
    assert set(figures.footprint_figure(results, tmp_path / "f.png", wl)) == {k for k in expected if k[0] != "host"}
    heat = figures.overhead_figure(results, tmp_path / "o.png")
    assert heat[("pico", ("bubblesort:100/c", "wasm3"))] == pytest.approx(50.0)
    assert heat[("host", ("bubblesort:100/c", "wasm3"))] == pytest.approx(20.0)
    modes = mode_figure(results, tmp_path / "m.png")
    assert modes[("pico", "interpreter", "time")] == pytest.approx(50.0)
    assert modes[("pico", "native", "time")] == pytest.approx(1.0)


def test_html_is_self_contained_and_lists_failures(written):
    page = (written[0] / "report.html").read_text()
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing loaded from elsewhere
    assert page.count("data:image/png;base64,") == 6
    assert "Execution modes" in page and "<td>interpreter</td>" in page
    assert "does not fit nrf5340: needs 600 KB of RAM, has 512 KB" in page
    assert "estimated" in page and "modelled" in page and "abc123" in page


def test_csv_has_one_row_per_cell(written):
    rep, _, results = written
    rows = list(csv.DictReader(open(rep / "results.csv")))
    assert len(rows) == len(results) + 1
    pico = next(r for r in rows if r["device"] == "pico" and r["runtime"] == "wasm3")
    assert pico["cycles"] == "3000000" and pico["energy_kind"] == "model" and pico["time_kind"] == "estimated"


@pytest.mark.slow  # the command in a process of its own: a few seconds of imports and figures
def test_report_command_prints_paths(stored, tmp_path):
    db = stored[0]
    proc = wasmcu("report", "--db", str(db), "--out", str(tmp_path / "r"))
    assert proc.returncode == 0 and "(20.00×)" in proc.stdout  # wasm3 on the host: 40 µs against 2 µs
    printed = [line for line in proc.stdout.splitlines() if line.startswith(str(tmp_path / "r"))]
    assert sorted(printed) == sorted(str(p) for p in (tmp_path / "r").iterdir())  # every file it wrote
    assert str(tmp_path / "r" / "report.html") in printed


def _second_run(db, mutate):
    with Store(db) as s:
        results = s.results()
        run = s.begin_run({}, [], {})
        for r in results:
            r2 = draft(r)
            mutate(r2)
            s.add_result(run, r2.freeze())
        s.finish_run(run)
    return run


def test_compare_identical_runs_exits_0(stored):
    db, _, _, run = stored
    again = _second_run(db, lambda r: None)
    proc = wasmcu("compare", str(run), str(again), "--db", str(db))
    assert proc.returncode == 0, proc.stdout
    assert "0 changed significantly, 0 regressed" in proc.stdout


def test_compare_slower_host_cell_exits_1(stored):
    db, _, _, run = stored

    def slower(r):
        if r.cell.device == "host" and r.cell.runtime == "wasm3" and r.cell.workload == "bubblesort":
            r.samples_us = [x * 1.5 for x in r.samples_us]
            r.time_us *= 1.5

    proc = wasmcu("compare", str(run), str(_second_run(db, slower)), "--db", str(db))
    assert proc.returncode == 1 and "REGRESSION" in proc.stdout and "1 regressed" in proc.stdout


def test_compare_emulated_counts_are_exact(stored):
    db, _, _, run = stored

    def more_cycles(r):
        if r.cell.device == "pico" and r.cell.runtime == "native":
            r.cycles += 1200  # 2 %: under the threshold, still reported exactly
            r.time_us = r.cycles / 125

    proc = wasmcu("compare", str(run), str(_second_run(db, more_cycles)), "--db", str(db), "--threshold", "5")
    assert proc.returncode == 0 and "+1,200 cycles" in proc.stdout and "1 changed significantly" in proc.stdout
    proc2 = wasmcu("compare", str(run), str(_second_run(db, more_cycles)), "--db", str(db), "--threshold", "1")
    assert proc2.returncode == 1


def test_compare_against_bench_json_baseline(stored, tmp_path):
    import json

    db, results, _, run = stored
    baseline = tmp_path / "base.json"
    baseline.write_text(json.dumps([r.to_json() for r in results]))
    proc = wasmcu("compare", str(baseline), str(run), "--db", str(db))
    assert proc.returncode == 0, proc.stdout
    bad = wasmcu("compare", "99", str(run), "--db", str(db))
    assert bad.returncode == 2 and "there is no run 99" in bad.stderr


def test_compare_warns_or_refuses_when_runs_differ_in_machine_or_tools(stored):
    db, _, _, run = stored
    with Store(db) as s:
        other = s.begin_run({}, [], {"machine": {"cpu": "another cpu"}, "tools": {"clang": "clang 18"}})
        for r in s.results(run):
            s.add_result(other, r)
        s.finish_run(other)
    proc = wasmcu("compare", str(run), str(other), "--db", str(db))
    assert proc.returncode == 0
    assert "warning: the runs were not made under the same conditions: machine.cpu: 'test' vs 'another cpu'" \
        in proc.stdout and "not comparable" in proc.stdout
    strict = wasmcu("compare", str(run), str(other), "--db", str(db), "--strict")
    assert strict.returncode == 2 and "--strict refuses" in strict.stderr


def test_compare_says_when_cost_tables_differ(stored):
    db, _, _, run = stored
    first = _second_run(db, lambda r: r.provenance.update(cycle_model={"alu": 1}))
    second = _second_run(db, lambda r: r.provenance.update(cycle_model={"alu": 2}))
    proc = wasmcu("compare", str(first), str(second), "--db", str(db))
    assert "cost tables differ" in proc.stdout


def test_a_result_is_immutable_and_carries_its_schema_version():
    import dataclasses

    r = host("native", "c", 2.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.time_us = 1.0
    changed = r.replace(status="mismatch")
    assert (r.status, changed.status) == ("ok", "mismatch")
    assert r.to_json()["schema"] == Result.SCHEMA
