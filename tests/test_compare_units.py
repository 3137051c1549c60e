"""`wasmcu compare`, in this process: reading the two runs (run ids or `bench --json` files),
the verdict per cell (ratio, interval, exact counts, regression against the threshold), and
the table and warnings it prints."""

import json
import sqlite3
from argparse import Namespace

import numpy as np
import pytest

from wasmcu.errors import WasmcuError
from wasmcu.model import Cell, Result
from wasmcu.report.compare import _bootstrap_ratio, compare, compare_main, load
from wasmcu.store import Store

STEADY = [10.0, 10.1, 9.9, 10.0, 10.2]


def _host(t, samples=(), rt="native", **kw):
    fields = dict(status="ok", time_us=t, time_kind="measured", samples_us=list(samples))
    fields.update(kw)
    return Result(cell=Cell("crc16", 100, "c", rt, "host"), backend="host", **fields)


def _pico(rt="wasm3", **kw):
    fields = dict(status="ok", time_us=100.0, time_kind="estimated", cycles=12_500, instructions=9_000)
    fields.update(kw)
    return Result(cell=Cell("crc16", 100, "c", rt, "pico"), backend="qemu", **fields)


# --- reading the runs ----------------------------------------------------------------------------

def test_a_bench_json_file_is_read_back_as_the_results_it_holds(tmp_path, db):
    host = _host(10.0, STEADY, time_us_ci=[9.9, 10.1], checksum=7, expected=7,
                 provenance={"cycle_model": None, "runtime": "wasm3 0.5"})
    pico = _pico(cycles_kind="estimated cycles").replace(cell=Cell("crc16", 100, "c", "wasm3", "pico", "sdk"))
    failed = _pico(rt="native", status="error", error="trap", time_us=None, time_kind=None, cycles=None,
                   instructions=None)
    path = tmp_path / "baseline.json"
    cells = [r.to_json() for r in (host, pico, failed)]
    del cells[2]["build"]  # written by an older wasmcu: the default build
    cells[2]["samples_us"] = None  # an absent figure is the field's default
    path.write_text(json.dumps(cells))
    with Store(db) as store:
        got = load(str(path), store)
    keys = ("cell", "backend", "status", "time_us", "time_us_ci", "time_kind", "cycles", "cycles_kind", "instructions",
            "error", "samples_us", "provenance")
    assert [tuple(getattr(r, k) for k in keys) for r in got] == [tuple(getattr(r, k) for k in keys)
                                                                 for r in (host, pico, failed)]
    assert got[1].cell.build == "sdk" and got[2].cell.build == "o2" and got[2].samples_us == []


@pytest.mark.parametrize("content, message", [
    ("not json", r"cannot read {path} as a `wasmcu bench --json` file: Expecting value: line 1 column 1 \(char 0\)"),
    (b"SQLite format 3\x00\xf4\xff", r"cannot read {path} as a `wasmcu bench --json` file: 'utf-8' codec can't decode"),
    ('{"cells": []}', r"{path}: expected a JSON array of cells, as `wasmcu bench --json` writes"),
    ('[{"workload": "crc16", "n": 4, "lang": "c", "runtime": "native", "device": "host"}]',
     r"{path}: a cell lacks the field 'backend'"),
    ('[{"n": 4, "lang": "c", "runtime": "native", "device": "host", "backend": "host"}]',
     r"{path}: a cell lacks the field 'workload'"),
])
def test_a_file_that_is_not_bench_json_is_refused_saying_why(tmp_path, db, content, message):
    path = tmp_path / "a.json"
    if isinstance(content, bytes):  # e.g. the results database given by mistake
        path.write_bytes(content)
    else:
        path.write_text(content)
    with Store(db) as store:
        with pytest.raises(WasmcuError, match="^" + message.format(path=path)) as info:
            load(str(path), store)
    assert info.value.__cause__ is None or isinstance(info.value.__cause__, (ValueError, OSError))


def test_a_run_id_reads_that_run_and_a_missing_one_lists_the_runs(tmp_path, db):
    with Store(db) as store:
        with pytest.raises(WasmcuError) as info:
            load("1", store)
        assert str(info.value) == f"there is no run 1 in {db} (runs: none)"
        first = store.begin_run({}, [], {})
        store.add_result(first, _host(10.0, STEADY))
        second = store.begin_run({}, [], {})
        store.add_result(second, _host(12.0, STEADY))
        store.add_result(second, _pico())
        assert [r.time_us for r in load(str(second), store)] == [12.0, 100.0]
        assert [r.time_us for r in load(str(first), store)] == [10.0]
        for ref in ("run-3", str(tmp_path)):  # neither a number nor a file (a directory is no file)
            with pytest.raises(WasmcuError) as info:
                load(ref, store)
            assert str(info.value) == f"'{ref}' is neither a run id in {db} nor a file"


# --- the bootstrap interval of a ratio of medians ---------------------------------------------------

def test_the_interval_is_the_95_percent_bootstrap_interval_of_the_ratio_of_medians():
    a = [10.0, 12.0, 9.0, 15.0, 11.0, 13.0, 8.0]
    b = [20.0, 25.0, 18.0, 31.0, 22.0]
    rng = np.random.default_rng(0)  # reproducible: the same samples always give the same verdict
    ma = np.median(rng.choice(np.asarray(a), size=(2000, len(a))), axis=1)
    mb = np.median(rng.choice(np.asarray(b), size=(2000, len(b))), axis=1)
    assert _bootstrap_ratio(a, b) == tuple(np.quantile(mb / ma, [0.025, 0.975]))
    lo, hi = _bootstrap_ratio(a, b)
    assert type(lo) is float and type(hi) is float and lo < 20 / 11 < hi


def test_the_interval_carries_the_noise_of_each_run():
    steady, noisy = [10.0] * 6, [6.0, 14.0, 8.0, 12.0, 10.0, 7.0, 13.0]
    for a, b in ((steady, noisy), (noisy, steady)):
        lo, hi = _bootstrap_ratio(a, b)
        assert lo < 0.9 and hi > 1.1
    assert _bootstrap_ratio(steady, [20.0] * 4) == (2.0, 2.0)


# --- the verdict per cell ---------------------------------------------------------------------------

def test_cells_are_matched_by_cell_and_come_out_in_cell_order(tmp_path):
    a = [_pico(rt="wasm3"), _pico(rt="native"), _host(10.0, STEADY)]
    only_b = _pico(rt="aot").replace(cell=Cell("aaa", 1, "c", "wasm3", "pico"))  # sorts first, not in A
    b = [_pico(rt="wasm3", cycles=12_600), only_b, _host(10.0, STEADY), _pico(rt="native", status="error",
                                                                             error="trap")]
    diffs = compare(a, b, threshold_pct=5)
    assert [(d.cell.key, d.status_a, d.status_b) for d in diffs] == [
        ("crc16:100/c/native/host", "ok", "ok"), ("crc16:100/c/native/pico", "ok", "error"),
        ("crc16:100/c/wasm3/pico", "ok", "ok")]
    assert [d.cycles_delta for d in diffs] == [None, None, 100]


def test_the_threshold_is_a_percentage_and_reaching_it_is_not_a_regression():
    a = _pico()
    for t, threshold, regression in ((150.0, 50, False), (151.0, 50, True), (104.0, 5, False), (106.0, 5, True),
                                     (301.0, 200, True), (300.0, 200, False)):
        [d] = compare([a], [a.replace(time_us=t, cycles=int(t * 125))], threshold_pct=threshold)
        assert (d.ratio, d.regression) == (t / 100, regression), (t, threshold)
    # a measured host cell exactly at the threshold, however significant, is not a regression either
    [d] = compare([_host(10.0, STEADY)], [_host(15.0, [x * 1.5 for x in STEADY])], threshold_pct=50)
    assert d.significant and not d.regression and d.ratio == 1.5
    [d] = compare([_host(10.0, STEADY)], [_host(15.1, [x * 1.51 for x in STEADY])], threshold_pct=50)
    assert d.significant and d.regression


def test_three_samples_each_are_enough_for_a_bootstrap_else_the_stored_intervals_are_used():
    a = _host(10.0, [10.0] * 3, time_us_ci=[9.0, 11.0])
    b = _host(20.0, [20.0] * 3, time_us_ci=[19.0, 21.0])
    [d] = compare([a], [b], threshold_pct=5)
    assert d.interval == (2.0, 2.0) and d.significant and d.regression
    for fewer_a, fewer_b in ((2, 3), (3, 2)):
        [d] = compare([a.replace(samples_us=[10.0] * fewer_a)], [b.replace(samples_us=[20.0] * fewer_b)], 5)
        assert d.interval == (19.0 / 11.0, 21.0 / 9.0) and d.significant
    # one stored interval missing: no interval at all, and no verdict of significance
    [d] = compare([a.replace(samples_us=[])], [b.replace(samples_us=[], time_us_ci=None)], threshold_pct=5)
    assert (d.ratio, d.interval, d.significant, d.regression, d.exact) == (2.0, None, False, False, False)
    [d] = compare([a.replace(samples_us=[], time_us_ci=None)], [b.replace(samples_us=[])], threshold_pct=5)
    assert (d.interval, d.significant, d.regression) == (None, False, False)


@pytest.mark.parametrize("ci_b, significant", [
    ([10.0, 12.0], False),   # the interval starts at 1: 1 is not excluded
    ([8.0, 9.0], False),     # the interval ends at 1
    ([10.1, 12.0], True),
    ([8.0, 8.9], True),
])
def test_a_difference_is_significant_only_when_the_interval_excludes_1(ci_b, significant):
    a = _host(9.5, time_us_ci=[9.0, 10.0])
    [d] = compare([a], [_host(sum(ci_b) / 2, time_us_ci=ci_b)], threshold_pct=1)
    assert d.interval == (ci_b[0] / 10.0, ci_b[1] / 9.0) and d.significant is significant


def test_a_cell_measured_in_one_run_and_modelled_in_the_other_is_compared_exactly():
    measured = _host(100.0, STEADY, time_us_ci=[99.0, 101.0], cycles=None).replace(cell=_pico().cell)
    [d] = compare([measured], [_pico()], threshold_pct=5)
    assert (d.exact, d.interval, d.ratio, d.cycles_delta, d.significant) == (True, None, 1.0, None, False)
    [d] = compare([_pico()], [measured.replace(time_us=110.0)], threshold_pct=5)
    assert (d.exact, d.interval, d.regression) == (True, None, True)


def test_counts_missing_in_either_run_give_no_delta():
    full = _pico()
    for a, b in ((full, full.replace(cycles=None)), (full.replace(cycles=None), full)):
        [d] = compare([a], [b], threshold_pct=5)
        assert (d.cycles_delta, d.instructions_delta, d.significant) == (None, 0, False)
    for a, b in ((full, full.replace(instructions=None, cycles=12_400)),
                 (full.replace(instructions=None), full.replace(cycles=12_400))):
        [d] = compare([a], [b], threshold_pct=5)
        assert (d.cycles_delta, d.instructions_delta, d.significant) == (-100, None, True)
    # more instructions in the same cycles is a change too
    [d] = compare([full], [full.replace(instructions=9_001)], threshold_pct=5)
    assert (d.cycles_delta, d.instructions_delta, d.significant, d.exact) == (0, 1, True, True)


def test_cells_without_a_time_or_failing_in_both_runs_have_no_verdict():
    untimed = _pico(time_us=None)
    for a, b in ((untimed, _pico()), (_pico(), untimed), (_pico(status="error"), _pico(status="mismatch"))):
        [d] = compare([a], [b], threshold_pct=5)
        assert (d.ratio, d.exact, d.significant, d.regression, d.note) == (None, False, False, False, "")
    [d] = compare([_pico(status="unsupported")], [_pico()], threshold_pct=5)  # now ok: no regression
    assert (d.ratio, d.regression, d.note) == (None, False, "")


def test_a_different_cost_table_is_pointed_out():
    table = lambda name: {"cycle_model": name}  # noqa: E731
    note = "cost tables differ: re-cost one run with the other's table (wasmcu recost) to compare"
    [d] = compare([_pico(provenance=table("rp2040-v1"))], [_pico(provenance=table("rp2040-v2"))], 5)
    assert d.note == note and not d.regression
    for pa, pb in ((table("v1"), table("v1")), (table("v1"), {}), ({}, table("v1")), ({"cycle_model": None}, table("v1"))):
        [d] = compare([_pico(provenance=pa)], [_pico(provenance=pb)], 5)
        assert d.note == "", (pa, pb)
    # a lost cell says so, whatever its tables
    [d] = compare([_pico(provenance=table("v1"))], [_pico(provenance=table("v2"), status="error", error="trap")], 5)
    assert d.regression and d.note == "was ok, now error: trap"


# --- the command ---------------------------------------------------------------------------------------

def _table(out: str) -> tuple[list[str], dict[str, list[str]]]:
    """The header and the rows (by cell) of the table `compare` prints; wrapped lines joined."""
    header, rows, last = [], {}, None
    for line in out.splitlines():
        if line.startswith("┃"):
            header = [c.strip() for c in line.strip("┃ ").split("┃")]
        elif line.startswith("│"):
            cols = [c.strip() for c in line.strip().strip("│").split("│")]
            if cols[0]:
                last = rows[cols[0]] = cols
            else:  # a wrapped line of the row above
                rows[last[0]] = [" ".join(x for x in (old, new) if x) for old, new in zip(last, cols)]
                last = rows[last[0]]
    return header, rows


def _store_runs(db, a, b, prov_a=None, prov_b=None):
    with Store(db) as s:
        ids = []
        for results, prov in ((a, prov_a), (b, prov_b)):
            ids.append(s.begin_run({}, [], prov or {"machine": {"cpu": "x"}}))
            for r in results:
                s.add_result(ids[-1], r)
    return [str(i) for i in ids]


def _args(db, a, b, threshold=5.0, strict=False):
    return Namespace(db=db, a=a, b=b, threshold=threshold, strict=strict)


def test_the_table_shows_each_cell_with_ratio_interval_and_verdict(db, capsys):
    a = [_host(10.0, STEADY), _pico(), _pico(rt="native"), _pico(rt="aot", cycles=None)]
    b = [_host(15.0, [x * 1.5 for x in STEADY]), _pico(cycles=12_300, instructions=9_050),
         _pico(rt="native", status="mismatch", error="checksum 0x8 differs"), _pico(rt="aot", cycles=None)]
    ra, rb = _store_runs(db, a, b)
    assert compare_main(_args(db, ra, rb, threshold=2.5)) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].strip() == f"wasmcu compare {ra} {rb}"
    header, rows = _table(out)
    assert header == ["cell", "A", "B", "B/A", "95% interval", "difference"]
    [d] = compare([a[0]], [b[0]], 2.5)
    assert rows["crc16:100/c/native/host"] == [
        "crc16:100/c/native/host", "ok", "ok", "1.500", f"{d.interval[0]:.3f}–{d.interval[1]:.3f}",
        "REGRESSION significant"]
    assert rows["crc16:100/c/wasm3/pico"] == [
        "crc16:100/c/wasm3/pico", "ok", "ok", "1.000", "", "exact: -200 cycles, +50 instructions"]
    assert rows["crc16:100/c/native/pico"] == [
        "crc16:100/c/native/pico", "ok", "mismatch", "", "", "REGRESSION not significant was ok, now mismatch: "
                                                             "checksum 0x8 differs"]
    assert rows["crc16:100/c/aot/pico"] == ["crc16:100/c/aot/pico", "ok", "ok", "1.000", "", "exact"]
    assert out.splitlines()[-1] == "4 cells compared, 2 changed significantly, 2 regressed beyond 2.5%"
    assert not out.startswith("warning")


def test_notes_are_shown_and_the_table_fits_200_columns(db, capsys):
    why = "0x" + "f" * 400  # a long word: cut at the width
    a = [_pico(provenance={"cycle_model": "v1"}), _pico(rt="native", status="error", error="x"), _pico(rt="aot")]
    b = [_pico(provenance={"cycle_model": "v2"}), _pico(rt="native", status="error", error="y"),
         _pico(rt="aot", status="error", error=why)]
    ra, rb = _store_runs(db, a, b)
    assert compare_main(_args(db, ra, rb)) == 1
    out = capsys.readouterr().out
    _, rows = _table(out)
    # a note that is no regression is in brackets after the verdict
    assert rows["crc16:100/c/wasm3/pico"][5] == ("exact: +0 cycles, +0 instructions (cost tables differ: re-cost one run "
                                                 "with the other's table (wasmcu recost) to compare)")
    assert rows["crc16:100/c/native/pico"][1:] == ["error", "error", "", "", "not significant"]
    lost = rows["crc16:100/c/aot/pico"][5]
    assert lost.startswith("REGRESSION not significant was ok, now error: 0xfff") and lost.endswith("f…")
    assert max(len(line) for line in out.splitlines()) == 200  # not a terminal: as wide as a log line may be


@pytest.mark.parametrize("cells, host_times", [
    ([_pico()], False),                                                    # modelled counts only
    ([_host(10.0, STEADY)], True),
    ([_host(10.0, STEADY, status="error")], True),                          # a host cell, even without a time
    ([_host(10.0, STEADY).replace(cell=Cell("crc16", 100, "c", "native", "pico-board"))], True),  # measured
])
def test_runs_made_under_other_conditions_are_compared_with_a_warning(db, capsys, cells, host_times):
    ra, rb = _store_runs(db, cells, cells, {"machine": {"cpu": "x"}, "python": "3.11"},
                         {"machine": {"cpu": "y"}, "python": "3.12"})
    assert compare_main(_args(db, ra, rb)) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == ("warning: the runs were not made under the same conditions: machine.cpu: 'x' vs 'y'; "
                     "python: '3.11' vs '3.12'" + ("; measured host times are not comparable" if host_times else ""))
    with pytest.raises(WasmcuError) as info:
        compare_main(_args(db, ra, rb, strict=True))
    assert str(info.value) == ("the runs were not made under the same conditions: machine.cpu: 'x' vs 'y'; "
                               "python: '3.11' vs '3.12' (--strict refuses such a comparison)")


def test_runs_without_provenance_or_from_a_file_compare_without_a_warning(db, tmp_path, capsys):
    ra, rb = _store_runs(db, [_pico()], [_pico()], {"machine": {"cpu": "x"}}, {"machine": {"cpu": "y"}})
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps([_pico().to_json()]))
    assert compare_main(_args(db, str(path), rb, strict=True)) == 0  # a file has no run provenance
    assert compare_main(_args(db, ra, str(path), strict=True)) == 0
    with sqlite3.connect(db) as con:  # a run stored without provenance
        con.execute("UPDATE runs SET provenance = NULL WHERE id = ?", (int(ra),))
    assert compare_main(_args(db, ra, rb, strict=True)) == 0
    assert compare_main(_args(db, rb, ra, strict=True)) == 0
    assert "warning" not in capsys.readouterr().out


def test_runs_with_no_cell_in_common_are_refused(db):
    ra, rb = _store_runs(db, [_pico()], [_pico(rt="native")])
    with pytest.raises(WasmcuError) as info:
        compare_main(_args(db, ra, rb))
    assert str(info.value) == "the two runs have no cell in common"


def test_on_a_terminal_the_table_is_as_wide_as_the_terminal(db, monkeypatch):
    import io
    import re
    import sys

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    monkeypatch.setenv("COLUMNS", "120")
    ra, rb = _store_runs(db, [_pico(rt="aot")], [_pico(rt="aot", status="error", error="0x" + "f" * 400)])
    assert compare_main(_args(db, ra, rb)) == 1
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in terminal.getvalue().splitlines()]  # no colours
    assert max(len(line) for line in lines) == 120
    assert any("REGRESSION" in line for line in lines)
