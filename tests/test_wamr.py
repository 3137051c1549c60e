"""WAMR cells: run when the user has a WAMR configured, skipped with the reason when not."""

import pytest

from wasmcu import devices, workloads
from wasmcu.backends import RunContext
from wasmcu.backends.qemu import QemuBackend
from wasmcu.bench import execute_cell
from wasmcu.model import Cell
from wasmcu.runtimes import RUNTIMES, wamr

from conftest import bench_json

pytestmark = pytest.mark.wamr
CTX = RunContext(repeat=3, warmup=1, timeout_s=120)
BOARD_ARCH = {"pico": "armv6m", "esp32c6": "rv32imac", "nrf5340": "armv8m"}


@pytest.fixture(scope="module")
def env():
    return workloads.discover(), devices.discover()


def _need(reason):
    if reason:
        pytest.skip(f"WAMR not configured: {reason}")


@pytest.mark.parametrize("runtime", ["wamr-classic", "wamr-fast", "wamr-aot"])
@pytest.mark.parametrize("lang", ["c", "rust"])
def test_host_cell(env, runtime, lang):
    _need(RUNTIMES[runtime].unavailable_reason())
    wls, devs = env
    r = execute_cell(Cell("bubblesort", 40, lang, runtime, "host"), wls["bubblesort"], devs["host"], CTX)
    assert r.status == "ok", r.error
    assert r.checksum == r.expected and r.time_us > 0 and r.load_us > 0
    assert r.provenance["runtime_versions"]["wamr"].startswith(runtime.split("-")[1] if runtime != "wamr-aot" else "")


@pytest.mark.parametrize("kind", ["classic", "fast"])
def test_host_build_is_identified_by_its_symbols(kind):
    try:
        build = wamr.host_build(kind)
    except Exception as exc:
        pytest.skip(f"WAMR not configured: {exc}")
    assert wamr.identify(build.library)[0] == kind


@pytest.mark.parametrize("device", ["pico", "esp32c6", "nrf5340"])
@pytest.mark.parametrize("runtime", ["wamr-classic", "wamr-fast"])
def test_board_cell(env, device, runtime):
    wls, devs = env
    _need(QemuBackend().unsupported_reason(runtime, devs[device]))
    r = execute_cell(Cell("crc16", 12, "c", runtime, device), wls["crc16"], devs[device], CTX)
    assert r.status == "ok", r.error
    assert r.checksum == r.expected and r.cycles_kind == "estimated cycles" and r.cycles > r.instructions > 0
    assert r.runtime_flash_bytes > 20_000 and r.extra["pool_hwm_bytes"] > 0
    assert r.extra["heap_hwm_bytes"] >= 65536  # the linear memory page


def test_wrong_interpreter_is_refused(monkeypatch):
    try:
        classic = wamr.host_build("classic")
    except Exception as exc:
        pytest.skip(f"WAMR not configured: {exc}")
    monkeypatch.setenv("WASMCU_WAMR_FAST", str(classic.directory))
    reason = RUNTIMES["wamr-fast"].unavailable_reason()
    assert "classic interpreter build, not the fast interpreter" in reason


def test_without_wamr_every_cell_is_unsupported_with_instructions(tmp_path, db):
    empty = tmp_path / "nothing"
    empty.mkdir()
    env = {"WASMCU_CONFIG": str(tmp_path / "none.toml"), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    # a WAMR configured in the environment of the test run does not count here (empty means unset)
    env.update({f"WASMCU_WAMR_{k}": "" for k in ("CLASSIC", "FAST", "AOT")}, WASMCU_WAMRC="")
    env.update({f"WASMCU_WAMR_FIRMWARE_{a}_{k}": "" for a in ("ARMV6M", "ARMV8M", "RV32IMAC") for k in ("CLASSIC", "FAST")})
    proc, cells = bench_json("--runtime", "wamr-classic,wamr-fast,wamr-aot", "--device", "host,pico,esp32c6,nrf5340",
                             "--workload", "crc16:4", "--lang", "c", "--db", str(db), env=env)
    assert proc.returncode == 0, proc.stderr
    assert len(cells) == 3 + 2 * 3 + 3  # wamr-aot has no firmware build
    for c in cells:
        assert c["status"] == "unsupported"
        if c["device"] == "host":
            assert "WASMCU_WAMR_" in c["error"] and "Using WAMR" in c["error"]
        elif c["runtime"] != "wamr-aot":
            assert f"WASMCU_WAMR_FIRMWARE_{BOARD_ARCH[c['device']].upper()}_" in c["error"]
