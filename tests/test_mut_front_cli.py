"""wasmcu.cli in the test process: each command passes its options on to the API as they were
given, and prints what the API returns (tables, lines, JSON) with the exit code it stands for.

The API calls that build, flash or measure are replaced by recorders here (their own tests run
them); `report`, `results`, `compare` and `list` read a tiny store or the real profiles."""

import io
import json
import logging
import signal
import sys
import threading
from dataclasses import asdict
from pathlib import Path

import pytest

from wasmcu import api, cli
from wasmcu._version import __version__
from wasmcu.errors import WasmcuError
from wasmcu.model import Cell, Result
from wasmcu.runstate import Terminated, raise_terminated
from wasmcu.store import Store


@pytest.fixture(autouse=True)
def wide(monkeypatch):
    """Rich consoles as wide as any line here, so that nothing wraps."""
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.delenv("FORCE_COLOR", raising=False)


class Recorder:
    def __init__(self, result=None):
        self.calls, self.result = [], result

    def __call__(self, *args, **kw):
        self.calls.append((args, kw))
        return self.result(*args, **kw) if callable(self.result) else self.result

    @property
    def one(self):
        (call,) = self.calls
        return call


def _r(runtime="native", status="ok", device="host", **kw):
    return Result(Cell("crc16", 10, "c", runtime, device), "host" if device == "host" else "qemu", status=status, **kw)


# --- the parser and small helpers ----------------------------------------------------------------

def test_the_parser_is_wasmcus_and_prints_its_version(capsys):
    parser = cli.build_parser()
    assert parser.prog == "wasmcu"
    assert parser.format_usage().startswith("usage: wasmcu ")
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"wasmcu {__version__}\n"
    args = parser.parse_args(["-v", "--debug", "doctor"])
    assert args.verbose is True and args.debug is True and args.command == "doctor"
    args = parser.parse_args(["report", "--debug"])
    assert args.debug is True and args.verbose is False and args.out == Path("report")
    assert not hasattr(parser.parse_args(["report"]), "debug") or parser.parse_args(["report"]).debug is False


def test_progress_and_messages_go_to_stderr():
    assert cli._console().stderr is True


def test_escape_shows_square_brackets_as_they_are():
    from rich.console import Console

    console = Console(width=200, record=True, file=open("/dev/null", "w"))
    console.print(cli.escape("the [board] table of [red]x[/]"))
    assert console.export_text().strip() == "the [board] table of [red]x[/]"


def test_brief_keeps_the_first_line_shortened_at_a_word():
    assert cli._brief("first line\nsecond line") == "first line"
    assert cli._brief("") == "" and cli._brief(None) == ""
    text = " ".join(["word"] * 100)
    short = cli._brief(text)
    assert len(short) <= 200 and short.endswith(" …") and short.startswith("word word")
    assert cli._brief(text, width=20) == "word word word …"
    assert cli._brief("x" * 50, width=60) == "x" * 50


# --- bench ---------------------------------------------------------------------------------------

@pytest.fixture
def bench(monkeypatch, tmp_path):
    """api.bench replaced: it reports its results through on_result and returns a BenchRun."""
    results = [_r("native", time_us=2.5, time_kind="measured", error="a note an ok cell keeps"),
               _r("wasm3", time_us=12.25, time_kind="estimated", extra={"reused_from": 3}),
               _r("wamr-fast", "unsupported", error="no WAMR: run `wasmcu wamr build PATH`")]
    state = {"results": results, "raise": None}

    def fake(*args, **kw):
        if state["raise"]:
            raise state["raise"]
        for i, r in enumerate(state["results"]):
            kw["on_result"](r, i + 1, len(state["results"]))
        return api.BenchRun(7, tmp_path / "s.sqlite", list(state["results"]))

    rec = Recorder(fake)
    monkeypatch.setattr(api, "bench", rec)
    rec.state = state
    return rec


def test_bench_passes_every_option_to_the_api(bench, monkeypatch, tmp_path):
    monkeypatch.setattr(api, "results", lambda db, run: [])  # --resume: the cells stored before
    argv = ["bench", "--suite", "embedded", "--device", "host,pico", "--runtime", "native", "--workload", "crc16:10",
            "--lang", "c,rust", "--build", "o2,sdk", "--firmware-cc", "clang", "--repeat", "4", "--warmup", "1",
            "--timeout", "9.5", "--db", str(tmp_path / "s.sqlite"), "--jobs", "2", "--resume", "3",
            "--cluster", "tls://h:1", "--mixed-versions", "--tls-ca", "ca.pem", "--tls-cert", "c.pem",
            "--tls-key", "k.pem", "--place", "p1,p2", "--coordinator", "h:2", "--workload-dir", "wd",
            "--device-dir", "dd", "--config", "exp.toml", "--link", "ble", "--embench", "eb",
            "--host-baseline", "o3", "--ram", "small", "--fresh"]
    assert cli.main(argv) == 0
    args, kw = bench.one
    assert args == ("embedded", "host,pico", "native", "crc16:10", "c,rust", "o2,sdk")
    on_result = kw.pop("on_result")
    assert callable(on_result)
    assert kw == {"firmware_cc": "clang", "repeat": 4, "warmup": 1, "timeout": 9.5, "db": tmp_path / "s.sqlite",
                  "jobs": 2, "resume": "3", "cluster": "tls://h:1", "mixed_versions": True, "tls_ca": "ca.pem",
                  "tls_cert": "c.pem", "tls_key": "k.pem", "place": "p1,p2", "coordinator": "h:2",
                  "workload_dirs": [Path("wd")], "device_dirs": [Path("dd")], "config": Path("exp.toml"),
                  "link": "ble", "embench": "eb", "host_baseline": "o3", "ram": "small", "fresh": True,
                  "argv": sys.argv}


def test_bench_defaults_are_the_apis(bench, monkeypatch, tmp_path):
    monkeypatch.setattr(api, "results", lambda *a: pytest.fail("read the store without --resume"))
    assert cli.main(["bench", "--device", "host"]) == 0
    args, kw = bench.one
    assert args == (None, "host", None, None, None, None)
    assert kw["fresh"] is False and kw["mixed_versions"] is False and kw["resume"] is None
    assert kw["workload_dirs"] == [] and kw["device_dirs"] == [] and kw["repeat"] is None and kw["db"] is None
    bench.calls.clear()
    monkeypatch.setattr(api, "results", lambda db, run: [])
    assert cli.main(["bench", "--resume"]) == 0
    assert bench.one[1]["resume"] == "latest"


def test_bench_prints_each_cell_then_the_runs_summary(bench, capsys, tmp_path):
    assert cli.main(["bench", "--device", "host"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        "ok crc16:10/c/native/host 2.5 µs (measured)",
        "ok crc16:10/c/wasm3/host 12.2 µs (estimated), counts reused",
        "unsupported crc16:10/c/wamr-fast/host no WAMR: run `wasmcu wamr build PATH`",
        f"run 7: 3 of 3 cells ok or unsupported; stored in {tmp_path / 's.sqlite'}"]


def test_bench_on_a_terminal_shows_a_progress_bar_of_the_cells(bench, monkeypatch):
    import io

    from rich.console import Console

    screen = io.StringIO()
    monkeypatch.setattr(cli, "_console", lambda: Console(file=screen, force_terminal=True, width=200))
    assert cli.main(["bench"]) == 0
    shown = screen.getvalue()
    assert "3/3" in shown and "crc16:10/c/wamr-fast/host" in shown


def test_bench_names_the_failed_cells_and_exits_1(bench, capsys, tmp_path):
    long_error = "the kernel crashed\n" + "at some address " * 30
    bench.state["results"] = [_r("native", time_us=1.0, time_kind="measured"),
                              _r("wasm3", "mismatch", error="checksum 8, expected 7"),
                              _r("wamr-fast", "error", error=long_error),
                              _r("v8-liftoff", "error"),
                              _r("wasmtime", "does-not-fit", error="the [board] table's [b]flash[/b] is full")]
    assert cli.main(["bench"]) == 1
    lines = [line.rstrip() for line in capsys.readouterr().err.splitlines()]
    assert "mismatch crc16:10/c/wasm3/host checksum 8, expected 7" in lines
    assert "error crc16:10/c/wamr-fast/host the kernel crashed" in lines  # the first line only
    assert f"run 7: 1 of 5 cells ok or unsupported; stored in {tmp_path / 's.sqlite'}" in lines
    assert "mismatch crc16:10/c/wasm3/host: checksum 8, expected 7" in lines
    # a cell without a message: its key alone
    assert lines.count("error crc16:10/c/v8-liftoff/host") == 1 and "error crc16:10/c/v8-liftoff/host:" in lines
    # the messages as they are (brackets are not markup)
    assert "does-not-fit crc16:10/c/wasmtime/host the [board] table's [b]flash[/b] is full" in lines
    assert "does-not-fit crc16:10/c/wasmtime/host: the [board] table's [b]flash[/b] is full" in lines
    assert any(line.startswith("error crc16:10/c/wamr-fast/host: the kernel crashed") for line in lines)


def test_bench_json_prints_the_cells_on_stdout(bench, capsys):
    assert cli.main(["bench", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('[\n {\n  "') and out.endswith("\n]\n")  # one JSON array, indented by 1
    assert json.loads(out) == [r.to_json() for r in bench.state["results"]]


def test_bench_says_which_cells_no_reference_checks(bench, capsys):
    bench.state["results"] = [_r("native", "unverified", checksum=5), _r("wasm3", "unverified", checksum=5),
                              _r("wamr-fast", "unverified", checksum=6),
                              _r("native", "unverified", checksum=1, device="[b]dev[/b]")]
    assert cli.main(["bench"]) == 1
    err = capsys.readouterr().err
    assert ("unverified crc16:10/c: 2 of 4 cells that ran agree on checksum 0x00000005 (native/host, wasm3/host); "
            "differ: native/[b]dev[/b], wamr-fast/host") in err


def test_bench_with_resume_shows_the_cells_stored_before_too(bench, monkeypatch, capsys, tmp_path):
    before = [_r("wasm3", time_us=3.0, time_kind="measured"), _r("native", time_us=9.0, time_kind="measured"),
              _r("v8-liftoff", "error", error="old failure")]
    reads = Recorder(lambda db, run: before)
    monkeypatch.setattr(api, "results", reads)
    bench.state["results"] = [_r("native", time_us=1.0, time_kind="measured")]
    assert cli.main(["bench", "--resume", "--json"]) == 1
    assert reads.one == ((tmp_path / "s.sqlite", 7), {})
    cells = json.loads(capsys.readouterr().out)
    assert [(c["runtime"], c["status"]) for c in cells] == [("wasm3", "ok"), ("v8-liftoff", "error"),
                                                           ("native", "ok")]


@pytest.mark.parametrize("exc, code, word", [(KeyboardInterrupt(), 130, "interrupted"),
                                             (Terminated(), 143, "terminated")])
def test_a_stopped_bench_says_where_its_cells_are(bench, capsys, tmp_path, exc, code, word):
    bench.state["raise"] = exc
    assert cli.main(["bench", "--db", str(tmp_path / "x.sqlite")]) == code
    err = capsys.readouterr().err
    assert err.startswith(f"{word}: every finished cell is stored in {tmp_path / 'x.sqlite'}; run `wasmcu bench "
                          "--resume` with the same options to finish")


def test_a_stopped_bench_without_db_names_the_default_store(bench, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(api, "default_db", lambda: tmp_path / "default.sqlite")
    bench.state["raise"] = KeyboardInterrupt()
    assert cli.main(["bench"]) == 130
    assert f"stored in {tmp_path / 'default.sqlite'};" in capsys.readouterr().err


# --- report, compare, recost on a tiny store -----------------------------------------------------

@pytest.fixture
def store(tmp_path):
    db = tmp_path / "s.sqlite"
    with Store(db) as s:
        for runtime, t in (("native", [2.0, 2.1]), ("wasm3", [20.0, 21.0])):
            run = s.begin_run({})
            s.add_result(run, _r("native", time_us=t[0], time_kind="measured", checksum=1, expected=1,
                                 samples_us=t))
            s.add_result(run, _r(runtime if runtime != "native" else "wasmtime", time_us=t[1] * 3,
                                 time_kind="measured", checksum=1, expected=1, samples_us=[t[1] * 3] * 2))
            s.finish_run(run, "complete")
    return db


def test_report_passes_its_options_and_prints_the_table_and_the_files(monkeypatch, capsys, store, tmp_path):
    from wasmcu.report.tables import time_table_markdown

    rec = Recorder([tmp_path / "r" / "report.html", tmp_path / "r" / "time.png"])
    monkeypatch.setattr(api, "report", rec)
    argv = ["report", "--db", str(store), "--out", str(tmp_path / "r"), "--run", "1", "--workload", "crc16:10",
            "--lang", "c", "--fitted", "pico-fitted", "--device-dir", "dd"]
    assert cli.main(argv) == 0
    assert rec.one == ((tmp_path / "r",), {"db": store, "run": 1, "workload": "crc16:10", "lang": "c",
                                           "fitted": "pico-fitted", "device_dirs": [Path("dd")]})
    out = capsys.readouterr().out
    run1 = api.results(store, 1)
    assert out == time_table_markdown(run1) + "\n" + f"{tmp_path / 'r' / 'report.html'}\n{tmp_path / 'r' / 'time.png'}\n"
    assert time_table_markdown(run1) != time_table_markdown(api.results(store, 2))
    rec.calls.clear()
    assert cli.main(["report", "--db", str(store)]) == 0
    assert rec.one == ((Path("report"),), {"db": store, "run": None, "workload": None, "lang": None, "fitted": None,
                                           "device_dirs": []})
    assert capsys.readouterr().out.startswith(time_table_markdown(api.results(store, 2)))


def test_compare_compares_two_stored_runs(store, capsys):
    assert cli.main(["compare", "1", "2", "--db", str(store), "--threshold", "5"]) == 0
    out = capsys.readouterr().out
    assert "wasmcu compare 1 2" in out and "crc16:10/c/native/host" in out


def test_recost_passes_its_options_and_prints_each_cell(monkeypatch, capsys, tmp_path):
    from wasmcu.measure.cycles import Recosted

    rows = [Recosted("crc16:10/c/native/pico", 1000, 1234567, 1200000, 1300000, 9876.5, (9600.0, 10400.25)),
            Recosted("crc16:10/c/wasm3/pico", None, 50, 40, 60, 0.4, (0.32, 0.48))]
    rec = Recorder(rows)
    monkeypatch.setattr(api, "recost", rec)
    assert cli.main(["recost", "--model", "m.toml", "--db", str(tmp_path / "s.sqlite"), "--run", "2",
                     "--device", "pico"]) == 0
    assert rec.one == ((Path("m.toml"),), {"db": tmp_path / "s.sqlite", "run": 2, "device": "pico"})
    assert capsys.readouterr().out.splitlines() == [
        "crc16:10/c/native/pico: 1,234,567 cycles [1,200,000 .. 1,300,000] (stored: 1,000); "
        "9,876.5 µs [9,600.0 .. 10,400.2]",
        "crc16:10/c/wasm3/pico: 50 cycles [40 .. 60] (stored: -); 0.4 µs [0.3 .. 0.5]"]
    assert cli.main(["recost", "--model", "m.toml", "--json"]) == 0
    out = capsys.readouterr().out
    assert out == json.dumps([asdict(r) for r in rows], indent=1) + "\n"
    assert rec.calls[-1] == ((Path("m.toml"),), {"db": None, "run": None, "device": None})


# --- validate ------------------------------------------------------------------------------------

def _checks():
    from wasmcu.validate import Check

    good = Check("crc16:100/c/native/pico", True, 1100, 1000, 1200, 1050, 1000, 30, None, 1020)
    broken = Check("crc16:100/c/wasm3/pico", False, None, None, None, None, None, error="build failed: no wasm3")
    odd = Check("crc16:100/rust/native/pico", False, 2000, 1900, 2100, 1980, None, None, "rp2040js run reported 'x'",
                1990)
    return [good, broken, odd]


def test_validate_passes_its_options_and_prints_a_table(monkeypatch, capsys):
    rec = Recorder((_checks(), None))
    monkeypatch.setattr(api, "validate", rec)
    assert cli.main(["validate", "--device", "picolike", "--workload", "crc16:100", "--runtime", "native",
                     "--lang", "c", "--device-dir", "dd"]) == 1  # a check failed
    assert rec.one == (("picolike", "native", "crc16:100", "c"), {"fitted": None, "device_dirs": [Path("dd")]})
    lines = capsys.readouterr().out.splitlines()
    head = lines[0].split()
    assert head[:3] == ["cell", "estimate", "[range]"] and head[-3:] == ["rp2040js", "diff", "explained"]
    assert "fitted" not in lines[0]
    good = lines[1].split()
    assert good == ["crc16:100/c/native/pico", "1,100", "[1,000–1,200]", "1,050", "1,000", "+5.0%", "+2.00%"]
    assert lines[2].split(None, 1) == ["crc16:100/c/wasm3/pico", "build failed: no wasm3"]
    odd = lines[3].split()
    assert odd[:7] == ["crc16:100/rust/native/pico", "2,000", "[1,900–2,100]", "1,980", "-", "-", "-"]
    assert lines[3].endswith("  rp2040js run reported 'x'")
    from wasmcu.validate import WHY

    assert lines[4] == WHY and len(lines) == 5
    rec.calls.clear()
    assert cli.main(["validate"]) == 1
    assert rec.one == (("pico", "native,wasm3", None, "c,rust"), {"fitted": None, "device_dirs": []})


def test_validate_exits_0_when_every_checksum_agrees(monkeypatch, capsys):
    monkeypatch.setattr(api, "validate", Recorder(([_checks()[0]], None)))
    assert cli.main(["validate"]) == 0


def test_validate_with_a_fitted_profile_shows_its_estimate_and_says_whose_it_is(monkeypatch, capsys):
    from wasmcu.devices import discover

    table = discover()["pico"].cycle_model
    rec = Recorder((_checks()[:1] + _checks()[2:], table))
    monkeypatch.setattr(api, "validate", rec)
    assert cli.main(["validate", "--fitted", "pico-fitted"]) == 1
    assert rec.one[1]["fitted"] == "pico-fitted"
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[-2:] == ["fitted", "diff"]
    assert lines[1].split()[-2:] == ["1,020", "+2.00%"]
    assert lines[2].split()[4:10] == ["-", "-", "-", "1,990", "-", "rp2040js"]
    assert lines[-1] == ("'fitted': the same event counts costed with pico-fitted's table (fitted by wasmcu calibrate "
                         f"to a board's measured cycles: {table.source})")


def test_validate_json_has_the_checks_and_their_differences(monkeypatch, capsys):
    monkeypatch.setattr(api, "validate", Recorder((_checks(), None)))
    assert cli.main(["validate", "--json"]) == 1
    out = capsys.readouterr().out
    assert out.startswith('[\n {\n  "cell": "crc16:100/c/native/pico",\n')
    good, broken, odd = json.loads(out)
    assert good["cell"] == "crc16:100/c/native/pico" and good["estimate"] == 1100 and good["rp2040js"] == 1000
    assert good["difference"] == pytest.approx(0.05) and good["explained_difference"] == pytest.approx(0.02)
    assert good["fitted_difference"] == pytest.approx(0.02) and good["lr_pc_transfers"] == 30
    assert broken["checksum_ok"] is False and broken["error"] == "build failed: no wasm3"
    assert broken["difference"] is None and broken["fitted_difference"] is None
    assert odd["fitted"] == 1990 and odd["fitted_difference"] is None and odd["explained_difference"] is None


# --- calibrate -----------------------------------------------------------------------------------

def _calibration(error=False, status="fitted"):
    from wasmcu.calibrate import Calibration, Measurement
    from wasmcu.calibrate.fit import Fit, FittedCost

    costs = {"alu": FittedCost("alu", 1.0, 0.5, 2.0, 1.25, 0.0123, "fitted"),
             "mul": FittedCost("mul", 1.0, 1.0, 1.0, 1.0, None, "fixed"),
             "div": FittedCost("div", 8.0, 4.0, 16.0, 9.5, 0.5, status, note="a note on div")}
    fit = Fit(costs, FittedCost("overhead", 0.0, 0.0, 100.0, 12.5, 1.5), {"cal_alu": 0.5, "cal_div": -0.25},
              {"cal_alu": 2.0, "cal_div": -4.0}, {"cal_alu": 1.5}, free=False)
    ms = [Measurement("cal_alu", {"alu": 100}, 1234.0), Measurement("cal_div", {"div": 10}, 98765.4)]
    if error:
        ms.append(Measurement("cal_mul", error="no cycles: the board did not answer [port]"))
    return Calibration("pico-board", "pico", fit, ms, {"timer": "SysTick"})


@pytest.fixture
def calibrating(monkeypatch):
    from wasmcu.api_commands import CalibrateRun

    state = {"calibration": _calibration(), "layer": Path("layers") / "pico-fitted.toml"}

    def fake(*args, **kw):
        kw["progress"]("cal_alu [x]")
        return CalibrateRun(state["calibration"], state["layer"])

    rec = Recorder(fake)
    rec.state = state
    monkeypatch.setattr(api, "calibrate", rec)
    return rec


def test_calibrate_passes_its_options(calibrating, tmp_path):
    assert cli.main(["calibrate", "--device", "pico-board", "--emulated", "pico", "--kernels", "cal_alu,cal_div",
                     "--suite", "none", "--free", "--out", "l.toml", "--no-layer", "--from", "c.json",
                     "--device-dir", "dd"]) == 0
    args, kw = calibrating.one
    assert args == ("pico-board", "pico", "cal_alu,cal_div", "none")
    kw.pop("progress")
    assert kw == {"free": True, "out": Path("l.toml"), "write_layer": False, "from_json": Path("c.json"),
                  "device_dirs": [Path("dd")]}
    calibrating.calls.clear()
    assert cli.main(["calibrate", "--device", "pico-board"]) == 0
    args, kw = calibrating.one
    assert args == ("pico-board", None, None, None)
    assert kw["free"] is False and kw["out"] is None and kw["write_layer"] is True and kw["from_json"] is None


def test_calibrate_prints_the_fit_the_kernels_and_the_layer(calibrating, capsys):
    assert cli.main(["calibrate", "--device", "pico-board"]) == 0
    out, err = capsys.readouterr()
    assert "cal_alu [x]" in err
    lines = out.splitlines()
    assert lines[0] == "cost table of pico fitted to pico-board (stated ranges)"
    assert lines[1].split() == ["cost", "table", "fitted", "±", "stderr", "bounds", "status"]
    assert lines[2].split() == ["alu", "1", "1.25", "0.0123", "[0.5,", "2]", "fitted"]
    assert lines[3].split() == ["mul", "1", "1", "-", "[1,", "1]", "fixed"]
    assert lines[4].split() == ["div", "8", "9.5", "0.5", "[4,", "16]", "fitted"]
    assert lines[5].split() == ["(timer", "overhead)", "12.5", "1.5", "cycles", "per", "call,", "not", "a", "cost"]
    assert lines[7].split() == ["kernel", "measured", "table", "err", "residual", "leave-one-out"]
    assert lines[8].split() == ["cal_alu", "1,234", "+2.00%", "+0.50%", "+1.50%"]
    assert lines[9].split() == ["cal_div", "98,765", "-4.00%", "-0.25%", "-"]
    assert lines[10] == ("rms: table 3.16 %, fitted 0.40 %, leave-one-out 1.50 % (cycles measured by SysTick)")
    assert lines[11] == f"board layer written: {Path('layers') / 'pico-fitted.toml'} (use --device pico-fitted)"
    assert len(lines) == 12


@pytest.mark.parametrize("status, low_high, shown", [("outside-range", None, True), ("not-separable", None, True),
                                                     ("not-excited", None, True), ("not-excited", (8.0, 8.0), False),
                                                     ("at-bound", None, False)])
def test_calibrate_notes_the_costs_the_fit_could_not_place(calibrating, capsys, status, low_high, shown):
    cal = _calibration(status=status)
    if low_high:
        cal.fit.costs["div"].low, cal.fit.costs["div"].high = low_high
    calibrating.state["calibration"] = cal
    assert cli.main(["calibrate", "--device", "pico-board"]) == 0
    out = capsys.readouterr().out
    assert ("note: div: a note on div" in out.splitlines()) is shown


def test_calibrate_with_out_and_free_bounds_says_so(calibrating, capsys):
    calibrating.state["calibration"].fit.free = True
    calibrating.state["layer"] = Path("elsewhere.toml")
    assert cli.main(["calibrate", "--device", "pico-board", "--out", "elsewhere.toml"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "cost table of pico fitted to pico-board (free bounds)"
    assert lines[-1] == "board layer written: elsewhere.toml (use --device pico-fitted, with --device-dir for that folder)"


def test_calibrate_without_a_layer_names_none(calibrating, capsys):
    calibrating.state["layer"] = None
    assert cli.main(["calibrate", "--device", "pico-board", "--no-layer"]) == 0
    assert "board layer written" not in capsys.readouterr().out


def test_calibrate_with_a_failed_kernel_shows_it_and_exits_1(calibrating, capsys):
    calibrating.state["calibration"] = _calibration(error=True)
    assert cli.main(["calibrate", "--device", "pico-board"]) == 1
    out, err = capsys.readouterr()
    assert "cal_mul                  no cycles: the board did not answer [port]" in out.splitlines()
    assert err.splitlines()[-1] == ("wasmcu: 1 kernel(s) did not run on both sides and were left out of the fit "
                                    "(see above)")


def test_calibrate_json_is_the_calibration_and_its_layer(calibrating, capsys):
    assert cli.main(["calibrate", "--device", "pico-board", "--json"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith('{\n "board": "pico-board",\n')
    data = json.loads(out)
    assert data == json.loads(json.dumps(dict(_calibration().as_json(), layer=str(Path("layers") / "pico-fitted.toml"))))
    assert "cal_alu" not in err  # no progress lines with --json
    calibrating.state["layer"] = None
    calibrating.state["calibration"] = _calibration(error=True)
    assert cli.main(["calibrate", "--device", "pico-board", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["layer"] is None


# --- list, doctor, board -------------------------------------------------------------------------

def _rows(table: str) -> dict:
    """A rich table's rows (the header too), by their first cell, each a list of its cells."""
    rows = {}
    for line in table.splitlines():
        if line[:1] in ("│", "┃"):
            cells = [c.strip() for c in line.replace("┃", "│").split("│")[1:-1]]
            if cells[0]:
                rows[cells[0]] = cells
    return rows


def test_list_devices_prints_a_row_per_device(capsys, tmp_path):
    (tmp_path / "tiny.toml").write_text('extends = "pico"\nname = "tinypico"\ndescription = "a small one"\n'
                                        "[memory]\nflash_bytes = 4096\nram_bytes = 2048\n")
    assert cli.main(["list", "devices", "--device-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = _rows(out)
    assert rows["device"] == ["device", "backend", "core", "arch", "clock", "flash", "RAM", "description"]
    assert rows["pico"][:7] == ["pico", "qemu", "cortex-m0plus", "armv6m", "125 MHz", "2048 KiB", "264 KiB"]
    assert rows["tinypico"][5:] == ["4 KiB", "2 KiB", "a small one"]
    host = rows["host"]
    assert host[1] == "host" and host[4:7] == ["-", "-", "-"] and host[2] == "-"


def test_list_runtimes_says_where_and_why_not(capsys, monkeypatch):
    from wasmcu.runtimes import RUNTIMES

    monkeypatch.setattr(RUNTIMES["wasmtime"], "unavailable_reason", lambda: "wasmtime is missing")
    monkeypatch.setattr(RUNTIMES["native"], "unavailable_reason", lambda: None)
    assert cli.main(["list", "runtimes"]) == 0
    out = capsys.readouterr().out
    rows = _rows(out)
    assert rows["runtime"] == ["runtime", "mode", "runs on", "default on", "available on host", "version (from)",
                               "description"]
    assert rows["wasmtime"][1:5] == ["jit", "host", "host", "no: wasmtime is missing"]
    assert rows["native"][1:5] == ["native", "host, firmware", "host, qemu, board", "yes"]
    assert rows["wasm3-gas"][3] == "-"  # the default nowhere


def test_list_workloads_prints_sizes_and_languages(capsys, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "workload.toml").write_text('name = "mine"\ndescription = "my kernel"\nsizes = [3, 5]\n'
                                                     '[sources]\nc = "k.c"\n')
    (tmp_path / "mine" / "k.c").write_text("int run(int n) { return n; }\n")
    assert cli.main(["list", "workloads", "--workload-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    rows = _rows(out)
    assert rows["workload"] == ["workload", "sizes", "languages", "description", "directory"]
    assert rows["mine"] == ["mine", "3,5", "c", "my kernel", str(tmp_path / "mine")]


def test_list_refuses_what_it_cannot_list(capsys):
    assert cli.main(["list", "boards"]) == 2
    assert "cannot list 'boards'" in capsys.readouterr().err


def test_doctor_exits_with_the_doctors_code(monkeypatch):
    from wasmcu import doctor

    monkeypatch.setattr(doctor, "doctor", lambda: 1)
    assert cli.main(["doctor"]) == 1
    monkeypatch.setattr(doctor, "doctor", lambda: 0)
    assert cli.main(["doctor"]) == 0


@pytest.fixture
def board(monkeypatch):
    from wasmcu import board_check as bc
    from wasmcu.devices import discover

    device = discover()["pico-board"]
    state = {"steps": [bc.Step("port", bc.OK, "/dev/ttyACM0 (the only one)"),
                       bc.Step("first flash", bc.FAIL, "no banner", fix="wire GPIO0 to RX"),
                       bc.Step("watchdog", bc.SKIP, "rp2040js has none")]}

    def fake(name, **kw):
        for step in state["steps"]:
            kw["log"](step)
        return device, state["steps"]

    rec = Recorder(fake)
    rec.state, rec.device = state, device
    monkeypatch.setattr(api, "board_check", rec)
    return rec


def test_board_check_prints_each_step_with_what_to_do(board, capsys):
    assert cli.main(["board", "check", "--device", "pico-board", "--busy-s", "2.5", "--device-dir", "dd"]) == 1
    assert board.one[0] == ("pico-board",)
    assert board.one[1]["busy_s"] == 2.5 and board.one[1]["device_dirs"] == [Path("dd")]
    assert capsys.readouterr().out == ("board check: pico-board\n"
                                       "  ok    port: /dev/ttyACM0 (the only one)\n"
                                       "  FAIL  first flash: no banner\n"
                                       "        what to do: wire GPIO0 to RX\n"
                                       "  skip  watchdog: rp2040js has none\n"
                                       "board check: 1 ok, 1 failed, 1 skipped\n")


def test_board_check_exits_0_without_a_failed_step(board, capsys):
    from wasmcu import board_check as bc

    board.state["steps"] = [bc.Step("port", bc.OK, "found"), bc.Step("watchdog", bc.SKIP, "none")]
    assert cli.main(["board", "check", "--device", "pico-board"]) == 0
    assert board.one[1]["busy_s"] == 10.0 and board.one[1]["device_dirs"] == []
    assert capsys.readouterr().out.splitlines()[0] == "board check: pico-board"


def test_board_check_json_prints_only_the_json(board, capsys):
    from wasmcu import board_check as bc

    assert cli.main(["board", "check", "--device", "pico-board", "--json"]) == 1
    out = capsys.readouterr().out
    assert json.loads(out) == bc.to_json(board.device, board.state["steps"])
    assert out.startswith('{\n  "device": "pico-board"')


# --- the WAMR and wasm3 builds -------------------------------------------------------------------

def test_wamr_build_passes_its_options_and_says_what_it_built(monkeypatch, capsys):
    from wasmcu.runtimes.wamr.build import Outcome

    outcome = Outcome({"host-classic": Path("/b/host-classic")}, {"armv7em-aot": "no [arm] compiler"},
                      Path("/c/config.toml"), "2.4.5")

    def fake(path, out, **kw):
        kw["progress"]("configuring [host-classic]")
        return outcome, Path("/b")

    rec = Recorder(fake)
    monkeypatch.setattr(api, "wamr_build", rec)
    assert cli.main(["wamr", "build", "tree", "--out", "o", "--only", "host-classic", "--jobs", "3",
                     "--any-version", "--no-config", "--default"]) == 0
    (path, out), kw = rec.one
    assert (path, out) == (Path("tree"), Path("o"))
    kw.pop("progress")
    assert kw == {"only": "host-classic", "jobs": 3, "any_version": True, "write_config": False, "make_default": True}
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "configuring [host-classic]"
    assert lines[1] == "built host-classic: /b/host-classic"
    assert lines[2] == "skipped armv7em-aot: no [arm] compiler"
    assert lines[3].startswith("wrote the build paths to /c/config.toml: wamr-classic@2.4.5, wamr-fast@2.4.5, "
                               "wamr-aot@2.4.5 (the plain names stay the default build unless --default)")
    rec.calls.clear()
    outcome.config_file = None
    assert cli.main(["wamr", "build", "tree"]) == 0
    (path, out), kw = rec.one
    assert out is None and kw["write_config"] is True and kw["make_default"] is None
    assert kw["only"] is None and kw["jobs"] is None and kw["any_version"] is False
    assert "wrote the build paths" not in capsys.readouterr().err


def test_wasm3_build_passes_its_options_and_says_what_it_registered(monkeypatch, capsys):
    from wasmcu.runtimes.wasm3.build import Outcome

    outcome = Outcome("0.5.1", Path("/w"), {"host": "/w/host/libm3.a", "armv6m": "[lib]"}, Path("/c/config.toml"))

    def fake(path, out, **kw):
        kw["progress"]("copying [sources]")
        return outcome

    rec = Recorder(fake)
    monkeypatch.setattr(api, "wasm3_build", rec)
    assert cli.main(["wasm3", "build", "w3.tar.gz", "--out", "o", "--no-config"]) == 0
    (path, out), kw = rec.one
    assert (path, out, kw["write_config"]) == (Path("w3.tar.gz"), Path("o"), False)
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["copying [sources]", "built host: /w/host/libm3.a", "built armv6m: [lib]",
                     "registered wasm3@0.5.1 in /c/config.toml: name it with --runtime wasm3@0.5.1"]
    rec.calls.clear()
    outcome.config_file = None
    assert cli.main(["wasm3", "build", "w3"]) == 0
    (path, out), kw = rec.one
    assert out is None and kw["write_config"] is True
    assert "registered" not in capsys.readouterr().err


# --- main ----------------------------------------------------------------------------------------

@pytest.fixture
def sigterm_default():
    """SIGTERM's handler set to the default for the test, and put back after it."""
    old = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield signal.SIG_DFL
    signal.signal(signal.SIGTERM, old)


def test_main_stops_on_sigterm_as_on_ctrl_c_while_a_command_runs(monkeypatch, sigterm_default):
    seen = []
    monkeypatch.setattr(cli, "cmd_doctor", lambda args: seen.append(signal.getsignal(signal.SIGTERM)) or 0)
    assert cli.main(["doctor"]) == 0
    assert seen == [raise_terminated]
    assert signal.getsignal(signal.SIGTERM) is sigterm_default  # put back when the command ends


@pytest.mark.parametrize("exc, code, err", [
    (WasmcuError("no such [board]"), 2, "wasmcu: error: no such [board]\n"),
    (KeyboardInterrupt(), 130, "wasmcu: interrupted\n"),
    (Terminated(), 143, "wasmcu: terminated\n"),
    (ValueError(""), 3, "wasmcu: error: unexpected ValueError in `wasmcu doctor`: (no message) (run it again with "
                        "--debug to see the traceback); please report it with the command line\n"),
])
def test_main_turns_each_way_a_command_ends_into_an_exit_code(monkeypatch, capsys, sigterm_default, exc, code,
                                                              err):
    def fail(args):
        raise exc

    monkeypatch.setattr(cli, "cmd_doctor", fail)
    assert cli.main(["doctor"]) == code
    assert capsys.readouterr().err == err
    assert signal.getsignal(signal.SIGTERM) is sigterm_default


def test_main_dispatches_each_command_to_its_handler(monkeypatch):
    argvs = {"bench": ["bench"], "report": ["report"], "compare": ["compare", "1", "2"],
             "recost": ["recost", "--model", "m"], "validate": ["validate"], "calibrate": ["calibrate"],
             "list": ["list", "devices"], "doctor": ["doctor"], "wamr": ["wamr", "build", "p"],
             "wasm3": ["wasm3", "build", "p"], "board": ["board", "check", "--device", "b"]}
    for i, name in enumerate(argvs):
        monkeypatch.setattr(cli, f"cmd_{name}", lambda args, i=i, name=name: (args.command == name) * 10 + i)
    for i, (name, argv) in enumerate(argvs.items()):
        assert cli.main(argv) == 10 + i, name


# --- the parser's structure, logging, threads, flushing and colours ------------------------------

@pytest.mark.parametrize("argv", [[], ["board"], ["wamr"], ["wasm3"]])
def test_a_command_and_a_subcommand_are_required(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.build_parser().parse_args(argv)
    assert exc.value.code == 2 and "required" in capsys.readouterr().err


def test_debug_before_the_command_is_not_undone_by_the_command():
    parser = cli.build_parser()
    for command in (["report"], ["bench"], ["board", "check", "--device", "b"], ["wamr", "build", "p"],
                    ["wasm3", "build", "p"], ["list", "devices"], ["doctor"], ["calibrate"], ["validate"]):
        assert parser.parse_args(["--debug", *command]).debug is True, command
        assert parser.parse_args([*command]).debug is False, command
        assert parser.parse_args([*command, "--debug"]).debug is True, command


def test_list_names_what_it_lists_in_its_usage(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["list", "--help"])
    assert "{devices,runtimes,workloads}" in capsys.readouterr().out


@pytest.mark.parametrize("flags, level", [([], logging.INFO), (["-v"], logging.DEBUG), (["--verbose"], logging.DEBUG)])
def test_main_logs_at_info_or_with_verbose_at_debug_on_stderr(monkeypatch, flags, level):
    seen = Recorder()
    monkeypatch.setattr(logging, "basicConfig", seen)
    monkeypatch.setattr(cli, "cmd_doctor", lambda args: 0)
    assert cli.main([*flags, "doctor"]) == 0
    assert seen.one == ((), {"level": level, "format": "%(message)s", "stream": sys.stderr})


def test_main_runs_in_another_thread_without_touching_signals(monkeypatch, sigterm_default):
    monkeypatch.setattr(cli, "cmd_doctor", lambda args: 5)
    codes = []
    thread = threading.Thread(target=lambda: codes.append(cli.main(["doctor"])))
    thread.start()
    thread.join(10)
    assert codes == [5] and signal.getsignal(signal.SIGTERM) is sigterm_default


class Flushes(io.StringIO):
    """A stdout that notes how much had been written at each flush."""

    def __init__(self):
        super().__init__()
        self.flushed = []

    def flush(self):
        self.flushed.append(len(self.getvalue()))


def test_board_check_shows_each_step_as_soon_as_it_ends(board, monkeypatch):
    out = Flushes()
    monkeypatch.setattr(sys, "stdout", out)
    cli.main(["board", "check", "--device", "pico-board"])
    text = out.getvalue()
    for line in ("board check: pico-board\n", "  ok    port: /dev/ttyACM0 (the only one)\n",
                 "  FAIL  first flash: no banner\n", "        what to do: wire GPIO0 to RX\n",
                 "  skip  watchdog: rp2040js has none\n"):
        assert text.index(line) + len(line) in out.flushed, line


@pytest.fixture
def terminal(monkeypatch):
    """The progress console is a colour terminal: what it shows, escape codes and all."""
    from rich.console import Console

    screen = io.StringIO()
    monkeypatch.setattr(cli, "_console", lambda: Console(file=screen, force_terminal=True, width=200,
                                                         color_system="standard"))
    return screen


def test_the_builds_lines_are_not_highlighted_on_a_terminal(monkeypatch, terminal):
    from wasmcu.runtimes.wamr.build import Outcome as WamrOutcome
    from wasmcu.runtimes.wasm3.build import Outcome as Wasm3Outcome

    def wamr(path, out, **kw):
        kw["progress"]("building 3 of 12 into /b/x")
        return WamrOutcome({"host-classic": Path("/b/1")}, {"arm": "needs gcc 13, found 12.2 at /usr/bin/gcc"}, Path("/c/2.toml"), "2.4.5"), out

    def wasm3(path, out, **kw):
        kw["progress"]("copying 42 files to /w/3")
        return Wasm3Outcome("0.5.1", Path("/w"), {"host": "/w/4"}, Path("/c/5.toml"))

    monkeypatch.setattr(api, "wamr_build", wamr)
    monkeypatch.setattr(api, "wasm3_build", wasm3)
    assert cli.main(["wamr", "build", "tree"]) == 0
    assert cli.main(["wasm3", "build", "tree"]) == 0
    shown = terminal.getvalue()
    for plain in ("building 3 of 12 into /b/x", "host-classic: /b/1", "arm: needs gcc 13, found 12.2 at /usr/bin/gcc",
                  "wrote the build paths to /c/2.toml: wamr-classic@2.4.5, wamr-fast@2.4.5",
                  "copying 42 files to /w/3", "host: /w/4", "registered wasm3@0.5.1 in /c/5.toml: name it with "
                  "--runtime wasm3@0.5.1"):
        assert plain in shown, plain


def test_the_bench_lines_are_not_highlighted_on_a_terminal(bench, terminal):
    bench.state["results"].append(_r("wasm2c", "error", error="exit 139 at 0x1000"))
    assert cli.main(["bench"]) == 1
    shown = terminal.getvalue()
    green, yellow, red, plain = "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[0m"
    assert f"{green}ok{plain} crc16:10/c/native/host" in shown  # ok in green
    assert f"{yellow}unsupported{plain} crc16:10/c/wamr-fast/host" in shown
    assert f"{red}error{plain} crc16:10/c/wasm2c/host exit" in shown
    for plain in ("crc16:10/c/native/host 2.5 µs (measured)", "crc16:10/c/wasm3/host 12.2 µs (estimated), counts reused",
                  "crc16:10/c/wasm2c/host exit 139 at 0x1000", "crc16:10/c/wasm2c/host: exit 139 at 0x1000"):
        assert plain in shown, plain


def test_list_runtimes_keeps_names_and_modes_whole_on_a_narrow_terminal(capsys, monkeypatch):
    from wasmcu.runtimes import RUNTIMES

    monkeypatch.setenv("COLUMNS", "100")
    assert cli.main(["list", "runtimes"]) == 0
    cells = [c.strip() for line in capsys.readouterr().out.splitlines() for c in line.replace("┃", "│").split("│")]
    for name, rt in RUNTIMES.items():
        assert name in cells, name
        assert rt.mode in cells, rt.mode


def test_the_bench_options_name_their_values_in_the_usage(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["bench", "--help"])
    usage = " ".join(capsys.readouterr().out.split())
    for option in ("--embench PATH", "--resume [RUN]", "--place NAME[,NAME...]", "--coordinator HOST:PORT",
                   "--cluster ADDRESS", "--tls-ca PEM", "--tls-cert PEM", "--tls-key PEM"):
        assert option in usage, option


def test_list_runtimes_shows_each_version(capsys):
    from wasmcu.runtimes import RUNTIMES
    from wasmcu.runtimes.identity import describe_version

    assert cli.main(["list", "runtimes"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert rows["native"][5] == describe_version(RUNTIMES["native"])
    assert rows["wasm3"][5] == describe_version(RUNTIMES["wasm3"])
