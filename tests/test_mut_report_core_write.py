"""The whole report of one stored run (write_report), on a few synthetic results: every file it
writes, and each section of report.md and report.html with what its own function gives."""

import csv
import logging
from pathlib import Path

import numpy as np
import pytest

from wasmcu.measure import powertrace
from wasmcu.measure.cycles import CostModel
from wasmcu.model import Cell, Result
from wasmcu.report import write_report
from wasmcu.report.agreement import agreement
from wasmcu.report.fitted import Fitted, fitted_html, fitted_markdown, fitted_rows
from wasmcu.report.html import CSS
from wasmcu.report import benefits, embench_score, wasi
from wasmcu.report.modes import mode_table_markdown
from wasmcu.report.score import score_table_markdown
from wasmcu.report.tables import results_markdown, time_table_markdown
from wasmcu.report.versions import versions_markdown
from wasmcu.store import Store

from test_mut_report_core_fitted import EVENTS, table


def results(ref):
    embench = {"lsf": 1, "warmup_heat": 1, "baseline_ms": 4.0, "verify": "passed"}
    events = {e: 0 for e in EVENTS}
    events.update(insns=1000, alu=600, load=200, store=100)
    qemu = {"events": {"run": events}, "clock_hz": 100_000_000}
    return [
        Result(Cell("crc", 1, "c", "native", "host"), "host", status="ok", checksum=5, time_us=2000.0,
               time_kind="measured", extra={"embench": embench}),
        Result(Cell("crc", 1, "c", "wasm3", "host"), "host", status="ok", checksum=5, time_us=40000.0,
               time_kind="measured", extra={"embench": embench}),
        Result(Cell("fib", 5, "c", "wasm3", "pico"), "qemu", status="unverified", checksum=9, cycles=2000,
               time_us=20.0, time_kind="estimated", extra=qemu),
        Result(Cell("fib", 5, "c", "native", "pico"), "qemu", status="unverified", checksum=8, cycles=500,
               time_us=5.0, time_kind="estimated", extra=qemu),
        Result(Cell("crc", 1, "c", "wasm3", "pico-board"), "board", status="ok", checksum=5, time_us=100.0,
               time_kind="measured", extra={"power_trace": ref}),
        Result(Cell("sha", 2, "c", "wasm3", "host"), "host", status="unverified", checksum=3, time_us=9.0,
               time_kind="measured"),
        Result(Cell("sha", 2, "c", "wasmtime", "host"), "host", status="unverified", checksum=3, time_us=3.0,
               time_kind="measured"),
    ]


@pytest.fixture
def stored(tmp_path):
    db = tmp_path / "results.sqlite"
    ref = powertrace.store_trace(powertrace.Trace(current_ua=np.full(200, 1000.0)), db, "crc-board")
    rs = results(ref)
    with Store(db) as s:
        run = s.begin_run({}, [], {"git_revision": "abc123"})
        for r in rs:
            s.add_result(run, r)
        s.finish_run(run)
    return db, run


FITTED = {"pico": Fitted("pico-fitted", "pico", CostModel.from_table(table(3.0), None),
                         {"emulated": "pico", "board": "pico-board"})}


def test_write_report_writes_every_file_and_each_section(stored, tmp_path, caplog):
    db, run = stored
    out = tmp_path / "not" / "yet" / "rep"
    with Store(db) as s, caplog.at_level(logging.WARNING, logger="wasmcu"):
        files = write_report(s, out, fitted=FITTED)
        rs = s.results(run)
    assert [Path(f).relative_to(out).as_posix() for f in files] == [
        "report.html", "report.md", "results.csv", "tradeoff.html", "time.png", "footprint.png", "energy.png",
        "overhead.png", "modes.png", "score.png", "embench-score.png", "embench-score.csv", "traces/crc-board.png"]
    assert all(Path(f).is_file() and Path(f).stat().st_size > 0 for f in files)
    assert not caplog.records

    md = (out / "report.md").read_text()
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings[:4] == ["## Execution modes", "## Score per runtime", "## Embench-IoT score",
                            "## Estimates: the table's and the fitted costs"]
    assert headings[-2:] == ["## Unverified cells: do they agree?", "## All cells"]
    assert md.startswith("# wasmcu report\n\n### host: execution time")
    rows = fitted_rows(rs, FITTED)
    assert len(rows) == 2
    assert f"\n## Estimates: the table's and the fitted costs\n\n{fitted_markdown(rows, FITTED)}" in md
    agree = agreement(rs)
    assert len(agree) == 2
    assert f"\n## Unverified cells: do they agree?\n\n- {agree[0]}\n- {agree[1]}\n\n## All cells" in md
    assert md.endswith("\n## All cells\n\n" + results_markdown(rs))

    with open(out / "embench-score.csv", newline="") as f:
        assert [(r["device"], r["runtime"]) for r in csv.DictReader(f)] == [("host", "native"), ("host", "wasm3")]
    with open(out / "results.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == 7

    page = (out / "report.html").read_text()
    assert fitted_html(rows, FITTED) in page
    assert "<img src='embench-score.png' alt='Embench-IoT score'>" in page
    assert f"Run {run}: 7 cells" in page
    tradeoff = (out / "tradeoff.html").read_text()
    assert tradeoff.startswith("<!doctype html>") and f"<style>{CSS}</style>" in tradeoff


def test_write_report_without_fitted_costs_or_unverified_cells(stored, tmp_path):
    db, run = stored
    with Store(db) as s:
        later = s.begin_run({}, [], {})                 # a later run: the report is still of the one asked for
        s.add_result(later, Result(Cell("crc", 1, "c", "native", "host"), "host", status="error", error="x"))
        s.finish_run(later)
        files = write_report(s, tmp_path / "rep", run)
    assert f"<p>Run {run}: 7 cells:" in (tmp_path / "rep" / "report.html").read_text()
    md = (tmp_path / "rep" / "report.md").read_text()
    with Store(db) as s:
        rs = s.results(run)
    assert md == ("# wasmcu report\n\n" + time_table_markdown(rs) + "\n## Execution modes\n\n" + mode_table_markdown(rs)
                  + "\n## Score per runtime\n\n" + score_table_markdown(rs)
                  + f"\n## Embench-IoT score\n\n{embench_score.score_markdown(rs)}"
                  + benefits.markdown_sections(rs) + wasi.markdown_section(rs) + versions_markdown(rs)
                  + "\n## Unverified cells: do they agree?\n\n" + "".join(f"- {a}\n" for a in agreement(rs))
                  + "\n## All cells\n\n" + results_markdown(rs))
    assert "## Estimates" not in md and "fitted" not in (tmp_path / "rep" / "report.html").read_text()
    assert len(files) == 13


def test_write_report_says_when_the_figures_show_another_workload(stored, tmp_path, caplog):
    db, _ = stored
    (tmp_path / "rep").mkdir()                      # a folder that is there already
    with Store(db) as s, caplog.at_level(logging.WARNING, logger="wasmcu"):
        assert len(write_report(s, tmp_path / "rep", workload="nope", lang="rust")) == 13
    [rec] = caplog.records
    assert rec.getMessage().startswith("no ok cell of nope:* (rust) in this run; the figures show crc:1 (c)")


def test_write_report_of_an_empty_store_refuses(tmp_path):
    from wasmcu.errors import WasmcuError

    with Store(tmp_path / "empty.sqlite") as s, pytest.raises(WasmcuError, match="no results in .*wasmcu bench"):
        write_report(s, tmp_path / "rep")
    assert not (tmp_path / "rep").exists()
