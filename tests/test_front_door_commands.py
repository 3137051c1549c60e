"""One front door for the other commands: calibrate, board check, wamr build, wasm3 build and list
refuse the same bad input through the CLI and through the API, with one message."""

import pytest

from wasmcu import api, cli
from wasmcu.errors import WasmcuError

from conftest import ROOT

# (CLI arguments, the API call with the same input, a piece of the one message both give)
BAD = [
    (["calibrate"], lambda tmp: api.calibrate(), "wasmcu calibrate needs --device BOARD"),
    (["calibrate", "--device", "nosuch"], lambda tmp: api.calibrate("nosuch"), "unknown device 'nosuch'"),
    (["calibrate", "--device", "pico-board", "--kernels", "nosuch"],
     lambda tmp: api.calibrate("pico-board", kernels="nosuch"), "unknown calibration kernel 'nosuch'"),
    (["calibrate", "--device", "pico-board", "--kernels", "cal_alu", "--suite", "none"],
     lambda tmp: api.calibrate("pico-board", kernels=["cal_alu"], suite="none"), "at least two kernels"),
    (["board", "check", "--device", "nosuch"], lambda tmp: api.board_check("nosuch"), "unknown device 'nosuch'"),
    (["board", "check", "--device", "pico"], lambda tmp: api.board_check("pico"), "is not a real board"),
    (["board", "check", "--device", "pico-board", "--busy-s", "-1"],
     lambda tmp: api.board_check("pico-board", busy_s=-1.0), "invalid busy time -1.0"),
    (["board", "check", "--device", "pico-board", "--busy-s", "nan"],
     lambda tmp: api.board_check("pico-board", busy_s=float("nan")), "invalid busy time nan"),
    (["wamr", "build", "{tmp}/none"], lambda tmp: api.wamr_build(tmp / "none"), "no such directory"),
    (["wamr", "build", "{tmp}", "--jobs", "0"], lambda tmp: api.wamr_build(tmp, jobs=0), "invalid number of jobs 0"),
    (["wasm3", "build", "{tmp}/none"], lambda tmp: api.wasm3_build(tmp / "none"), "no such directory"),
    (["wasm3", "build", "{tmp}"], lambda tmp: api.wasm3_build(tmp), "not a wasm3 source tree"),
    (["list", "nosuch"], lambda tmp: api.listing("nosuch"), "cannot list 'nosuch'"),
]


@pytest.mark.parametrize("argv, call, message", BAD, ids=[" ".join(b[0]) for b in BAD])
def test_the_cli_and_the_api_refuse_the_same_input_alike(tmp_path, capsys, argv, call, message):
    with pytest.raises(WasmcuError) as api_error:
        call(tmp_path)
    assert message in str(api_error.value)
    code = cli.main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    captured = capsys.readouterr()
    assert code == 2 and f"wasmcu: error: {api_error.value}" in captured.err
    assert captured.out == ""  # refused before anything ran or was printed
    assert list(tmp_path.iterdir()) == []  # and before anything was written


def test_the_listings_are_data_that_the_cli_prints(capsys):
    devices = {d["device"]: d for d in api.listing("devices")}
    assert devices["pico"]["backend"] == "qemu" and devices["pico"]["clock_hz"] == 125_000_000
    runtimes = {r["runtime"]: r for r in api.listing("runtimes")}
    assert runtimes["native"]["available"] and "host" in runtimes["native"]["default_on"]
    workloads = {w["workload"]: w for w in api.listing("workloads")}
    assert workloads["crc16"]["languages"][:2] == ["c", "rust"]
    assert cli.main(["list", "devices"]) == 0
    assert "pico" in capsys.readouterr().out


def test_each_listing_row_carries_its_fields(tmp_path):
    """The rows `wasmcu list --json` prints, field by field, with a workload and a device folder of one's own."""
    (tmp_path / "w" / "mine").mkdir(parents=True)
    (tmp_path / "w" / "mine" / "workload.toml").write_text('description = "my kernel"\nsizes = [3]\n'
                                                          '[sources]\nc = "k.c"\n')
    (tmp_path / "w" / "mine" / "k.c").write_text("int run(int n) { return n; }\n")
    workloads = {w["workload"]: w for w in api.listing("workloads", workload_dirs=[str(tmp_path / "w")])}
    assert workloads["mine"] == {"workload": "mine", "sizes": [3], "languages": ["c"], "description": "my kernel",
                                 "directory": str(tmp_path / "w" / "mine")}
    assert "mine" not in {w["workload"] for w in api.listing("workloads")}
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "slowpico.toml").write_text('extends = "pico"\nname = "slowpico"\ndescription = "a pico at 1 MHz"\n'
                                                  '[clock]\ndefault_hz = 1_000_000\n')
    devices = {d["device"]: d for d in api.listing("devices", device_dirs=[tmp_path / "d"])}
    assert devices["slowpico"] == {"device": "slowpico", "backend": "qemu", "core": "cortex-m0plus", "arch": "armv6m",
                                   "clock_hz": 1_000_000, "flash_bytes": devices["pico"]["flash_bytes"],
                                   "ram_bytes": devices["pico"]["ram_bytes"], "description": "a pico at 1 MHz"}
    runtimes = {r["runtime"]: r for r in api.listing("runtimes")}
    assert set(runtimes["wasm3"]) == {"runtime", "mode", "where", "default_on", "available", "unavailable_reason",
                                      "version", "summary"}
    assert runtimes["wasm3"]["default_on"] == ["host", "qemu", "board"] and runtimes["wasm3"]["mode"] == "interpreter"
    assert all(r["available"] == (r["unavailable_reason"] is None) for r in runtimes.values())
    with pytest.raises(WasmcuError) as err:
        api.listing("nosuch")
    assert err.value.expected == "devices or runtimes or workloads"


def test_the_cli_commands_call_the_api_only():
    """cmd_calibrate, cmd_list, cmd_board, cmd_wamr and cmd_wasm3 translate arguments and print:
    the library modules they used to call are reached through wasmcu.api."""
    text = (ROOT / "src" / "wasmcu" / "cli.py").read_text()
    for name, nxt in (("cmd_calibrate", "def cmd_list"), ("cmd_list", "def cmd_doctor"),
                      ("cmd_board", "def cmd_wamr"), ("cmd_wamr", "def cmd_wasm3"), ("cmd_wasm3", "def _brief")):
        body = text[text.index(f"def {name}"):text.index(nxt)]
        assert "api." in body, name
        for direct in ("calibrate as cal", "devices as devices_mod", "workloads import", "wamr import build",
                       "wasm3 import build", "from .runtimes", "from .plan", "board_check.check("):
            assert direct not in body, (name, direct)


@pytest.mark.parametrize("jobs", [0, -1, True, 1.5, "2"])
def test_a_number_of_jobs_is_a_whole_number_of_at_least_one(tmp_path, jobs):
    with pytest.raises(WasmcuError) as err:
        api.wamr_build(tmp_path, jobs=jobs)
    assert str(err.value) == f"invalid number of jobs {jobs!r} (expected a whole number of at least 1)"
    with pytest.raises(WasmcuError) as err:   # one job is accepted: the next refusal is the tree's
        api.wamr_build(tmp_path, jobs=1)
    assert "not a WAMR source tree" in str(err.value)


def test_a_busy_time_is_a_positive_number_of_seconds_and_checked_before_the_device():
    for busy in (0, -0.5, float("inf"), True, "10"):
        with pytest.raises(WasmcuError) as err:
            api.board_check("nosuch", busy_s=busy)
        assert str(err.value) == f"invalid busy time {busy!r} (expected a positive number of seconds, e.g. 10)"
    for busy in (0.5, 1):   # accepted: the next refusal is the device's
        with pytest.raises(WasmcuError) as err:
            api.board_check("pico", busy_s=busy)
        assert str(err.value) == ("device 'pico' is not a real board (its backend is qemu); known boards: "
                                  "esp32c6-board, nrf5340-board, pico-board")
    with pytest.raises(WasmcuError, match="unknown device 'nosuch'; known boards: esp32c6-board, nrf5340-board, "
                                          "pico-board$"):
        api.board_check("nosuch")
