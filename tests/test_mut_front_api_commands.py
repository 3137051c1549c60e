"""wasmcu.api_commands in the test process: what calibrate, board_check, wamr_build and
wasm3_build hand to the code that does the work (measuring, flashing and compiling are replaced by
recorders here; their own tests run them), their defaults, and the listings' rows."""

from pathlib import Path

import pytest

from wasmcu import api_commands as ac
from wasmcu import calibrate as cal
from wasmcu.errors import ConfigError, WasmcuError


# --- names and numbers ---------------------------------------------------------------------------

def test_names_reads_a_comma_separated_string_or_a_list():
    assert ac._names(None, "x") is None
    assert ac._names("a, b,,c ,", "x") == ["a", "b", "c"]
    assert ac._names("", "x") == []
    assert ac._names([" a", "b ", "  "], "x") == ["a", "b"]
    assert ac._names(("a",), "x") == ["a"]
    with pytest.raises(WasmcuError) as exc:
        ac._names(3, "kernels")
    assert str(exc.value) == "kernels: expected a comma-separated string or a list of names, got 3"
    with pytest.raises(WasmcuError) as exc:
        ac._names(["a", 2], "suite")
    assert str(exc.value) == "suite: expected names (strings), got ['a', 2]"


def test_positive_int_takes_whole_numbers_from_one():
    assert ac._positive_int(None, "jobs") is None
    assert ac._positive_int(1, "jobs") == 1 and ac._positive_int(8, "jobs") == 8
    for bad in (0, -2, True, False, 1.0, "3"):
        with pytest.raises(ConfigError) as exc:
            ac._positive_int(bad, "number of jobs")
        assert str(exc.value).startswith(f"invalid number of jobs {bad!r}")
        assert exc.value.expected == "a whole number of at least 1"


# --- calibrate -----------------------------------------------------------------------------------

class Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, *args, **kw):
        self.calls.append((args, kw))
        return self.result(*args, **kw)

    def result(self, *args, **kw):
        return None

    @property
    def one(self):
        (call,) = self.calls
        return call


@pytest.fixture
def fitting(monkeypatch):
    """cal.calibrate and cal.write_layer replaced: (the calibrate calls, the write_layer calls)."""
    fit, write = Recorder(), Recorder()
    fit.result = lambda board, emulated, chosen, **kw: ("calibration", board.name, emulated.name)
    write.result = lambda result, path: Path(path)
    monkeypatch.setattr(cal, "calibrate", fit)
    monkeypatch.setattr(cal, "write_layer", write)
    return fit, write


def test_calibrate_runs_every_microkernel_and_the_suite_by_default(fitting):
    fit, write = fitting
    run = ac.calibrate("pico-board")
    (board, emulated, chosen), kw = fit.one
    assert board.name == "pico-board" and emulated.name == "pico"
    micro = cal.microkernels()
    from wasmcu import workloads

    suite = cal.suite_kernels(workloads.discover())
    assert [(w.name, n) for w, n in chosen] == [(k, micro[k].sizes[0]) for k in micro] + \
        [(w.name, n) for w, n in suite]
    assert kw["free"] is False and kw["measurements"] is None and kw["measured_on"] is None
    assert kw["ctx"] is not None
    kw["progress"]("cal_alu")  # no progress callback given: nothing to call, no error
    assert run.calibration == ("calibration", "pico-board", "pico")
    ((result, path), _) = write.one
    assert result == run.calibration and path == cal.default_layer_path("pico") and run.layer == path


def test_calibrate_passes_the_kernels_the_suite_free_and_the_layer_asked_for(fitting, tmp_path):
    fit, write = fitting
    said = []
    run = ac.calibrate("pico-board", "pico", "cal_mul, cal_alu", "crc32:1024", free=True, out=str(tmp_path / "l.toml"),
                       progress=said.append)
    (board, emulated, chosen), kw = fit.one
    assert [(w.name, n) for w, n in chosen] == [("cal_mul", 12000), ("cal_alu", 8000), ("crc32", 1024)]
    assert kw["free"] is True
    kw["progress"]("cal_mul")
    assert said == ["cal_mul: QEMU on pico, then pico-board"]
    assert write.one[0][1] == tmp_path / "l.toml" and run.layer == tmp_path / "l.toml"


def test_calibrate_with_none_of_one_kind_and_without_a_layer(fitting):
    fit, write = fitting
    run = ac.calibrate("pico-board", kernels="none", suite=["crc32:1024", "fir:512"], write_layer=False)
    (_, _, chosen), _ = fit.one
    assert [(w.name, n) for w, n in chosen] == [("crc32", 1024), ("fir", 512)]
    assert run.layer is None and write.calls == []
    fit.calls.clear()
    ac.calibrate("pico-board", kernels=["cal_alu", "cal_div"], suite="none", write_layer=False)
    (_, _, chosen), _ = fit.one
    assert [w.name for w, _ in chosen] == ["cal_alu", "cal_div"]
    with pytest.raises(WasmcuError) as exc:
        ac.calibrate("pico-board", kernels="none", suite="none")
    assert str(exc.value) == "calibrate needs at least two kernels (see --kernels and --suite)"
    with pytest.raises(WasmcuError) as exc:
        ac.calibrate("pico-board", kernels="cal_alu,nosuch")
    assert str(exc.value) == f"unknown calibration kernel 'nosuch'; known: {', '.join(cal.microkernels())}"


def test_calibrate_fits_the_emulated_profile_named_or_found_in_a_device_folder(fitting, tmp_path):
    fit, _ = fitting
    d = tmp_path / "profiles"
    d.mkdir()
    (d / "picolike.toml").write_text('extends = "pico"\nname = "picolike"\ndescription = "mine"\n')
    (d / "myboard.toml").write_text('extends = "pico-board"\nname = "myboard"\ndescription = "my board"\n')
    ac.calibrate("pico-board", "picolike", "cal_alu,cal_mul", "none", device_dirs=[str(d)], write_layer=False)
    (board, emulated, _), _ = fit.one
    assert (board.name, emulated.name) == ("pico-board", "picolike")
    fit.calls.clear()
    with pytest.raises(WasmcuError, match="^unknown device 'myboard'; known: "):
        ac.calibrate("myboard", "pico", "cal_alu,cal_mul", "none", write_layer=False)
    ac.calibrate("myboard", "pico", "cal_alu,cal_mul", "none", device_dirs=[d], write_layer=False)
    (board, emulated, _), _ = fit.one
    assert (board.name, emulated.name) == ("myboard", "pico")
    with pytest.raises(WasmcuError, match="'esp32c6' has core"):
        ac.calibrate("pico-board", "esp32c6", "cal_alu,cal_mul", "none", write_layer=False)


def test_calibrate_from_json_fits_the_files_measurements_again(fitting, tmp_path, monkeypatch):
    fit, _ = fitting
    data = {"board": "pico-board", "emulated": "pico", "provenance": {"date": "2026-01-02T03:04:05+00:00"},
            "samples": [{"kernel": "cal_alu", "events": {"alu": 1}, "measured_cycles": 10.0},
                        {"kernel": "cal_mul", "events": {"mul": 1}, "measured_cycles": 20.0}]}
    monkeypatch.setattr(cal, "load_json", lambda path: data if path == tmp_path / "c.json" else None)
    run = ac.calibrate(from_json=str(tmp_path / "c.json"), write_layer=False)
    (board, emulated, chosen), kw = fit.one
    assert (board.name, emulated.name) == ("pico-board", "pico") and chosen == []
    assert [m.kernel for m in kw["measurements"]] == ["cal_alu", "cal_mul"]
    assert [m.measured for m in kw["measurements"]] == [10.0, 20.0]
    assert kw["measured_on"] == "2026-01-02T03:04:05+00:00"
    assert run.layer is None
    # the device and emulated profile given win over the file's
    fit.calls.clear()
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "b2.toml").write_text('extends = "pico-board"\nname = "b2"\ndescription = "b"\n')
    ac.calibrate("b2", from_json=tmp_path / "c.json", device_dirs=[tmp_path / "p"], write_layer=False)
    (board, emulated, _), kw = fit.one
    assert (board.name, emulated.name) == ("b2", "pico") and kw["measured_on"] == "2026-01-02T03:04:05+00:00"
    # a file without provenance: no date
    fit.calls.clear()
    data.pop("provenance")
    ac.calibrate(from_json=tmp_path / "c.json", write_layer=False)
    assert fit.one[1]["measured_on"] is None


def test_calibrate_names_the_argument_that_is_not_names(fitting):
    with pytest.raises(WasmcuError) as exc:
        ac.calibrate("pico-board", kernels=3)
    assert str(exc.value) == "kernels: expected a comma-separated string or a list of names, got 3"
    with pytest.raises(WasmcuError) as exc:
        ac.calibrate("pico-board", kernels="cal_alu,cal_mul", suite=[1])
    assert str(exc.value) == "suite: expected names (strings), got [1]"
    assert fitting[0].calls == []


def test_calibrate_without_a_device_or_with_an_unknown_one_says_so(fitting):
    with pytest.raises(WasmcuError) as exc:
        ac.calibrate()
    assert str(exc.value) == "wasmcu calibrate needs --device BOARD: a real board's profile, e.g. pico-board"
    with pytest.raises(WasmcuError) as exc:
        ac.calibrate("nosuch")
    from wasmcu.devices import discover

    assert str(exc.value) == f"unknown device 'nosuch'; known: {', '.join(discover())}"
    assert fitting[0].calls == []


# --- board check ---------------------------------------------------------------------------------

def test_board_check_runs_the_steps_on_the_board_with_its_busy_time_and_log(monkeypatch, tmp_path):
    from wasmcu import board_check as bc

    seen = Recorder()
    seen.result = lambda device, **kw: ["step"]
    monkeypatch.setattr(bc, "check", seen)
    log = object()
    device, steps = ac.board_check("pico-board", busy_s=3, log=log)
    assert device.name == "pico-board" and steps == ["step"]
    (dev,), kw = seen.one
    assert dev is device and kw == {"busy_s": 3.0, "log": log} and isinstance(kw["busy_s"], float)
    seen.calls.clear()
    ac.board_check("pico-board")
    assert seen.one[1]["busy_s"] == 10.0 and seen.one[1]["log"] is None
    (tmp_path / "mine.toml").write_text('extends = "pico-board"\nname = "mine"\ndescription = "b"\n')
    seen.calls.clear()
    device, _ = ac.board_check("mine", device_dirs=[str(tmp_path)], busy_s=0.5)
    assert device.name == "mine" and seen.one[1]["busy_s"] == 0.5


@pytest.mark.parametrize("busy", [0, -1, 0.0, True, float("inf"), float("nan"), "10", None])
def test_board_check_refuses_a_busy_time_that_is_not_a_positive_number(monkeypatch, busy):
    from wasmcu import board_check as bc

    monkeypatch.setattr(bc, "check", lambda *a, **k: pytest.fail("ran"))
    with pytest.raises(ConfigError) as exc:
        ac.board_check("pico-board", busy_s=busy)
    assert str(exc.value).startswith(f"invalid busy time {busy!r}")
    assert exc.value.expected == "a positive number of seconds, e.g. 10"


def test_board_check_names_the_known_boards_only(monkeypatch):
    from wasmcu import board_check as bc

    monkeypatch.setattr(bc, "check", lambda *a, **k: pytest.fail("ran"))
    with pytest.raises(WasmcuError) as exc:
        ac.board_check("nosuch")
    from wasmcu.devices import discover

    boards = [n for n, d in discover().items() if d.backend == "board"]
    assert "pico-board" in boards and "pico" not in boards and "host" not in boards
    assert str(exc.value) == f"unknown device 'nosuch'; known boards: {', '.join(boards)}"
    with pytest.raises(WasmcuError) as exc:
        ac.board_check("esp32c6")
    assert str(exc.value) == f"device 'esp32c6' is not a real board (its backend is qemu); known boards: {', '.join(boards)}"


# --- the WAMR and wasm3 builds -------------------------------------------------------------------

@pytest.fixture
def wamr(monkeypatch):
    from wasmcu.runtimes.wamr import build as wb

    seen = Recorder()
    seen.result = lambda tree, target, **kw: "outcome"
    monkeypatch.setattr(wb, "build", seen)
    monkeypatch.setattr(wb, "tree_version", lambda tree: f"2.4.9+{Path(tree).name}")
    return seen


def test_wamr_build_builds_into_the_data_directory_by_default(wamr, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    said = []
    outcome, target = ac.wamr_build("tree", progress=said.append)  # a relative path: shown resolved
    assert outcome == "outcome" and target == tmp_path / "data" / "wasmcu" / "wamr-2.4.9+tree"
    (tree, out), kw = wamr.one
    assert tree == Path("tree") and out == target
    assert kw["only"] is None and kw["jobs"] is None and kw["any_version"] is False
    assert kw["write_config"] is True and kw["make_default"] is None
    assert said == [f"WAMR 2.4.9+tree at {(tmp_path / 'tree').resolve()}: building into {target}"]
    kw["progress"]("a line")
    assert said[-1] == "a line"  # the build's lines go to the same callback


def test_wamr_build_without_xdg_data_home_uses_the_home_directory(wamr, monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    _, target = ac.wamr_build(str(tmp_path / "tree"))
    assert target == tmp_path / "home" / ".local" / "share" / "wasmcu" / "wamr-2.4.9+tree"
    wamr.one[1]["progress"]("ignored")  # no callback given: lines are dropped


def test_wamr_build_passes_its_options(wamr, tmp_path):
    _, target = ac.wamr_build(tmp_path / "tree", str(tmp_path / "out"), only="host-classic, armv6m-fast", jobs=3,
                              any_version=True, write_config=False, make_default=True)
    assert target == tmp_path / "out"
    (tree, out), kw = wamr.one
    assert out == tmp_path / "out"
    assert kw == {"only": ["host-classic", "armv6m-fast"], "jobs": 3, "any_version": True, "write_config": False,
                  "make_default": True, "progress": kw["progress"]}
    wamr.calls.clear()
    ac.wamr_build(tmp_path / "tree", only=["armv7em-aot"], make_default=False)
    assert wamr.one[1]["only"] == ["armv7em-aot"] and wamr.one[1]["make_default"] is False
    wamr.calls.clear()
    ac.wamr_build(tmp_path / "tree", only="")
    assert wamr.one[1]["only"] is None  # nothing named: all
    with pytest.raises(ConfigError, match="invalid number of jobs 0"):
        ac.wamr_build(tmp_path / "tree", jobs=0)


def test_wasm3_build_passes_the_tree_the_output_and_the_progress(monkeypatch, tmp_path):
    from wasmcu.runtimes.wasm3 import build as w3

    seen = Recorder()
    seen.result = lambda *a, **kw: "outcome"
    monkeypatch.setattr(w3, "build", seen)
    def said(line):
        return line

    assert ac.wasm3_build(str(tmp_path / "w3"), str(tmp_path / "out"), write_config=False,
                          progress=said) == "outcome"
    (tree, out), kw = seen.one
    assert tree == tmp_path / "w3" and isinstance(tree, Path) and out == tmp_path / "out" and isinstance(out, Path)
    assert kw["write_config"] is False and kw["progress"] is said
    seen.calls.clear()
    ac.wasm3_build(tmp_path / "w3")
    (tree, out), kw = seen.one
    assert out is None and kw["write_config"] is True
    assert callable(kw["progress"]) and kw["progress"]("a line") is None


# --- listings ------------------------------------------------------------------------------------

def test_the_runtime_listing_says_why_a_runtime_is_not_available(monkeypatch):
    from wasmcu.runtimes import RUNTIMES

    monkeypatch.setattr(RUNTIMES["wasmtime"], "unavailable_reason", lambda: "wasmtime is not installed")
    monkeypatch.setattr(RUNTIMES["wasm2c"], "where", ("firmware",))
    monkeypatch.setattr(RUNTIMES["wasm2c"], "unavailable_reason", lambda: pytest.fail("asked"))
    monkeypatch.setattr(RUNTIMES["native"], "unavailable_reason", lambda: None)
    rows = {r["runtime"]: r for r in ac.listing("runtimes")}
    assert set(rows) == set(RUNTIMES)
    assert rows["wasmtime"]["available"] is False
    assert rows["wasmtime"]["unavailable_reason"] == "wasmtime is not installed"
    assert rows["wasm2c"]["available"] is False and rows["wasm2c"]["unavailable_reason"] == "runs in firmware only"
    assert rows["wasm2c"]["where"] == ["firmware"]
    assert rows["native"]["available"] is True and rows["native"]["unavailable_reason"] is None
    assert rows["native"]["where"] == ["host", "firmware"] and rows["native"]["mode"] == "native"
    assert rows["wasmtime"]["default_on"] == [b for b in ("host", "qemu", "board")
                                              if "wasmtime" in RUNTIMES.defaults(b)]
    assert rows["native"]["summary"] == RUNTIMES["native"].summary
    from wasmcu.runtimes.identity import describe_version

    assert [r["version"] for r in rows.values()] == [describe_version(rt) for rt in RUNTIMES.values()]
    assert list(rows) == list(RUNTIMES)  # in the registry's order


def test_the_device_and_workload_listings(tmp_path):
    devices = {d["device"]: d for d in ac.listing("devices")}
    assert devices["pico"]["backend"] == "qemu" and devices["pico"]["arch"] == "armv6m"
    assert devices["pico"]["clock_hz"] == 125_000_000 and devices["pico"]["flash_bytes"] == 2_097_152
    assert devices["pico"]["ram_bytes"] == 270_336 and devices["pico"]["core"] == "cortex-m0plus"
    assert devices["pico"]["description"].startswith("Raspberry Pi Pico")
    workloads = {w["workload"]: w for w in ac.listing("workloads")}
    assert workloads["crc16"]["languages"] and 100 in workloads["crc16"]["sizes"]
    with pytest.raises(ConfigError) as exc:
        ac.listing("boards")
    assert str(exc.value).startswith("cannot list 'boards'")


def test_calibrate_from_json_fits_the_files_emulated_profile(fitting, tmp_path, monkeypatch):
    data = {"board": "pico-board", "emulated": "esp32c6", "samples": [{"kernel": "cal_alu", "measured_cycles": 1.0}]}
    monkeypatch.setattr(cal, "load_json", lambda path: data)
    with pytest.raises(WasmcuError, match="^'esp32c6' has core 'esp32c6-hp' but 'pico-board' has 'cortex-m0plus'"):
        ac.calibrate(from_json=tmp_path / "c.json", write_layer=False)
