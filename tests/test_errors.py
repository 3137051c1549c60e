"""Errors a user can act on: a damaged store, an unexpected failure in any command, the report's headline."""

import sqlite3

import pytest

from wasmcu import cli
from wasmcu.model import Cell, Result
from wasmcu.report.html import headline, render
from wasmcu.store import Store, StoreError

from conftest import wasmcu

NOT_A_STORE = "is not a readable wasmcu store"


def _ok(runtime, status="ok", error=None):
    return Result(Cell("crc16", 10, "c", runtime, "host"), "host", status=status, error=error, checksum=1,
                  expected=1, time_us=1.0, time_kind="measured")


def _filled_store(path, cells=60):
    with Store(path) as s:
        run = s.begin_run({"suite": "paper"}, ["wasmcu", "bench"], {"git_revision": "abc"})
        for i in range(cells):
            s.add_result(run, _ok(f"rt{i}").replace(error="x" * 200, samples_us=[1.0] * 100))
        s.finish_run(run)
    return path


@pytest.fixture(params=["garbage", "truncated", "overwritten"])
def damaged(request, tmp_path):
    path = tmp_path / "damaged.sqlite"
    if request.param == "garbage":
        path.write_bytes(b"this is a CSV file, not a store\n" * 200)
        return path
    _filled_store(path)
    assert not path.with_name(path.name + "-wal").exists()  # everything is in the file itself
    data = bytearray(path.read_bytes())
    if request.param == "truncated":
        del data[len(data) // 3:]
    else:  # pages in the middle overwritten: the file opens, and a query fails
        data[len(data) // 2:len(data) // 2 + 3 * 4096] = b"\x55" * (3 * 4096)
    path.write_bytes(bytes(data))
    return path


def test_damaged_store_is_named_by_the_library(damaged):
    with pytest.raises(StoreError) as info:
        with Store(damaged) as s:
            s.results()
    message = str(info.value)
    assert str(damaged) in message and NOT_A_STORE in message
    assert "--db PATH" in message and "move this file away" in message
    assert isinstance(info.value.__cause__, sqlite3.DatabaseError)


@pytest.mark.parametrize("argv", [
    ["bench", "--device", "host", "--runtime", "native", "--workload", "crc16:10", "--repeat", "1"],
    ["bench", "--resume", "--device", "host", "--runtime", "native", "--workload", "crc16:10"],
    ["report", "--out", "{tmp}/rep"],
    ["compare", "1", "2"],
    ["recost", "--model", "{tmp}/model.toml"],
], ids=lambda a: "-".join(a[:2]))
def test_every_command_that_opens_a_store_names_a_damaged_one(argv, tmp_path):
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"this is a CSV file, not a store\n" * 200)
    if argv[0] == "recost":
        import tomli_w

        from wasmcu.devices import discover

        (tmp_path / "model.toml").write_text(tomli_w.dumps({"cycle_model": discover()["pico"].cycle_model.as_dict()}))
    proc = wasmcu(*[a.format(tmp=tmp_path) for a in argv], "--db", str(damaged), timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert f"wasmcu: error: {damaged} {NOT_A_STORE} (SQLite: " in proc.stderr
    assert "Traceback" not in proc.stderr and "unexpected" not in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize("argv", [["bench", "--device", "host", "--runtime", "native", "--workload", "crc16:10"],
                                  ["report", "--out", "{tmp}/rep"]], ids=lambda a: a[0])
def test_a_truncated_store_is_named_too(argv, tmp_path):
    damaged = _filled_store(tmp_path / "truncated.sqlite", cells=10)
    damaged.write_bytes(damaged.read_bytes()[:damaged.stat().st_size // 3])
    proc = wasmcu(*[a.format(tmp=tmp_path) for a in argv], "--db", str(damaged), timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert f"wasmcu: error: {damaged} {NOT_A_STORE} (SQLite: database disk image is malformed)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_directory_or_an_unwritable_place_is_not_a_store(tmp_path):
    with pytest.raises(StoreError, match="is a directory, not a store: name a file with --db PATH"):
        Store(tmp_path)
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(StoreError, match="cannot create the folder of the store .*/file/sub/x.sqlite: Not a directory"):
        Store(blocked / "sub" / "x.sqlite")


def test_reading_a_store_that_is_not_there_says_so_and_creates_nothing(tmp_path, capsys):
    from wasmcu import api

    missing = tmp_path / "typo.sqlite"
    for argv in (["report", "--out", str(tmp_path / "rep")], ["recost", "--model", str(tmp_path / "m.toml")]):
        if argv[0] == "recost":
            import tomli_w

            from wasmcu.devices import discover

            (tmp_path / "m.toml").write_text(tomli_w.dumps({"cycle_model": discover()["pico"].cycle_model.as_dict()}))
        assert cli.main([*argv, "--db", str(missing)]) == 2
        assert capsys.readouterr().err == (f"wasmcu: error: there is no store at {missing}: run `wasmcu bench` first, "
                                           f"or name the store with --db PATH (or $WASMCU_DB)\n")
    for call in (api.load, api.results, api.runs):
        with pytest.raises(StoreError, match="there is no store at .*typo.sqlite: run `wasmcu bench` first"):
            call(missing)
    assert not missing.exists() and not (tmp_path / "rep").exists()


def test_a_healthy_store_still_opens_after_the_checks(tmp_path):
    path = _filled_store(tmp_path / "ok.sqlite", cells=3)
    with Store(path) as s:
        assert len(s.results()) == 3 and s.latest_run_id() == 1


COMMANDS = {
    "bench": ["bench", "--device", "host"],
    "report": ["report"],
    "compare": ["compare", "1", "2"],
    "recost": ["recost", "--model", "m.toml"],
    "validate": ["validate"],
    "list": ["list", "devices"],
    "doctor": ["doctor"],
    "wamr": ["wamr", "build", "somewhere"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_turns_an_unexpected_exception_into_one_line(command, monkeypatch, capsys):
    def broken(args):
        raise RuntimeError("a bug\n  spread over two lines")

    monkeypatch.setattr(cli, f"cmd_{command}", broken)
    assert cli.main(COMMANDS[command]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"wasmcu: error: unexpected RuntimeError in `wasmcu {command}`: a bug spread over two lines (run")
    assert "run it again with --debug to see the traceback" in err and "Traceback" not in err

    for argv in (["--debug", *COMMANDS[command]], [*COMMANDS[command], "--debug"]):
        assert cli.main(argv) == 3
        err = capsys.readouterr().err
        assert "Traceback (most recent call last)" in err and 'raise RuntimeError("a bug' in err
        assert err.rstrip().splitlines()[-1].startswith(f"wasmcu: error: unexpected RuntimeError in `wasmcu {command}`")
        assert "run it again with --debug" not in err


def test_debug_shows_the_traceback_of_an_expected_error_too(tmp_path, capsys):
    assert cli.main(["report", "--db", str(tmp_path / "empty.sqlite"), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("wasmcu: error: there is no store at")
    assert cli.main(["report", "--debug", "--db", str(tmp_path / "empty.sqlite"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "wasmcu: error: there is no store at" in err


def test_report_headline_does_not_count_unsupported_cells_as_failures(tmp_path):
    unsupported = _ok("wamr-fast", "unsupported", "no WAMR: run `wasmcu wamr build PATH`")
    assert headline([_ok("native"), _ok("wasm3"), unsupported]) == "3 cells: 2 ok, 1 unsupported, 0 failed"
    failed = [_ok("native"), unsupported, _ok("wasm3", "does-not-fit", "needs 600 KB"),
              _ok("wasmtime", "error", "trap"), _ok("v8-liftoff", "error", "trap")]
    assert headline(failed) == "5 cells: 1 ok, 1 unsupported, 3 failed (2 error, 1 does-not-fit)"

    page = render([_ok("native"), _ok("wasm3"), unsupported], {"id": 1, "provenance": "{}"}, {},
                  ("crc16", 10, "c"))
    assert "Run 1: 3 cells: 2 ok, 1 unsupported, 0 failed." in page and "not ok" not in page
    assert "<td>unsupported</td><td>no WAMR: run `wasmcu wamr build PATH`</td>" in page


@pytest.mark.slow
def test_a_negative_host_time_is_left_out_of_the_ratios_not_a_crash():
    from wasmcu.report.modes import by_mode
    from wasmcu.report.score import score_table_markdown, scores

    warning = "the kernel's time is below what the binding lets wasmcu resolve (12.00 µs per call through it)"
    cells = [_ok("native"), _ok("wasm3").replace(time_us=40.0),
             _ok("wasmtime").replace(time_us=-3.5, extra={"warning": warning})]
    modes = by_mode(cells)
    assert modes[("host", "interpreter", "time")].geomean == pytest.approx(40.0)
    assert ("host", "jit", "time") not in modes
    assert scores(cells)[("host", "wasm3", "time")].geomean == pytest.approx(40.0)
    assert ("host", "wasmtime", "time") not in scores(cells)
    table = score_table_markdown(cells)
    assert "| wasm3 | 40.00×" in table and "| wasmtime |" not in table
