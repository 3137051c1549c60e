"""WAMR cells: run when the user has a WAMR configured, skipped with the reason when not."""

import re
from pathlib import Path

import pytest

from wasmcu import devices, workloads
from wasmcu.backends import RunContext
from wasmcu.backends.qemu import QemuBackend
from wasmcu.bench import execute_cell
from wasmcu.errors import RuntimeUnavailable
from wasmcu.model import Cell
from wasmcu.runtimes import RUNTIMES
from wasmcu.runtimes.wamr import builds as wamr

from conftest import bench_json

pytestmark = [pytest.mark.slow, pytest.mark.wamr]
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
    except RuntimeUnavailable as exc:  # only a missing build skips: any other exception is a failure
        pytest.skip(f"WAMR not configured: {exc}")
    assert wamr.identify(build.library)[0] == kind


@pytest.mark.parametrize("device", ["pico", "esp32c6", "nrf5340"])
@pytest.mark.parametrize("runtime", ["wamr-classic", "wamr-fast", "wamr-aot"])
def test_board_cell(env, device, runtime):
    wls, devs = env
    _need(QemuBackend().unsupported_reason(runtime, devs[device]))
    r = execute_cell(Cell("crc16", 12, "c", runtime, device), wls["crc16"], devs[device], CTX)
    assert r.status == "ok", r.error
    assert r.checksum == r.expected and r.cycles_kind == "estimated cycles" and r.cycles > r.instructions > 0
    assert r.runtime_flash_bytes > 20_000 and r.extra["pool_hwm_bytes"] > 0
    assert r.extra["heap_hwm_bytes"] >= 65536  # the linear memory page
    assert r.provenance["mode"] == ("aot" if runtime == "wamr-aot" else "interpreter")


def test_wrong_interpreter_is_refused(monkeypatch):
    try:
        classic = wamr.host_build("classic")
    except RuntimeUnavailable as exc:  # only a missing build skips: any other exception is a failure
        pytest.skip(f"WAMR not configured: {exc}")
    monkeypatch.setenv("WASMCU_WAMR_FAST", str(classic.directory))
    reason = RUNTIMES["wamr-fast"].unavailable_reason()
    # WAMR's own default configuration adds AOT support to the classic build: say what it is either way
    assert re.search(r"is a classic interpreter(, AOT)? build, not the fast interpreter", reason), reason
    assert "WASMCU_WAMR_FAST=" in reason


def test_errors_name_the_config_file_when_the_path_came_from_it(tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[wamr]\nfast = "{tmp_path}"\n[wamr.firmware]\n"armv6m-fast" = "{tmp_path / "nope"}"\n')
    monkeypatch.setenv("WASMCU_CONFIG", str(cfg))
    monkeypatch.delenv("WASMCU_WAMR_FAST", raising=False)
    monkeypatch.delenv("WASMCU_WAMR_FIRMWARE_ARMV6M_FAST", raising=False)
    with pytest.raises(wamr.RuntimeUnavailable) as exc:
        wamr.host_build("fast")
    assert "holds no libiwasm.a" in str(exc.value)
    lib = tmp_path / "libiwasm.a"
    lib.write_bytes(b"!<arch>\n")  # an empty archive: no interpreter in it
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "wasm_export.h").write_text("")
    with pytest.raises(wamr.RuntimeUnavailable) as exc:
        wamr.host_build("fast")
    assert f'[wamr] fast = "{tmp_path}" in {cfg}' in str(exc.value) and "WASMCU_WAMR_FAST" not in str(exc.value)


def test_board_platform_layer_declares_what_wamr_calls():
    import shutil
    import subprocess

    from wasmcu.runtimes.wamr.build import PLATFORM_DIR

    cc = shutil.which("arm-none-eabi-gcc")
    if cc is None:
        pytest.skip("needs arm-none-eabi-gcc")
    src = '#include "platform_internal.h"\nint page(void) { return os_getpagesize(); }\n'
    proc = subprocess.run([cc, "-mcpu=cortex-m0plus", "-mthumb", "--specs=picolibc.specs", "-fsyntax-only",
                           "-Werror=implicit-function-declaration", f"-I{PLATFORM_DIR}", "-x", "c", "-"],
                          input=src, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_without_wamr_every_cell_is_unsupported_with_instructions(tmp_path, db):
    empty = tmp_path / "nothing"
    empty.mkdir()
    env = {"WASMCU_CONFIG": str(tmp_path / "none.toml"), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    # a WAMR configured in the environment of the test run does not count here (empty means unset)
    env.update({f"WASMCU_WAMR_{k}": "" for k in ("CLASSIC", "FAST", "AOT")}, WASMCU_WAMRC="")
    env.update({f"WASMCU_WAMR_FIRMWARE_{a}_{k}": "" for a in ("ARMV6M", "ARMV8M", "RV32IMAC")
                for k in ("CLASSIC", "FAST", "AOT")})
    proc, cells = bench_json("--runtime", "wamr-classic,wamr-fast,wamr-aot", "--device", "host,pico,esp32c6,nrf5340",
                             "--workload", "crc16:4", "--lang", "c", "--db", str(db), env=env)
    assert proc.returncode == 0, proc.stderr
    assert len(cells) == 3 * 4
    for c in cells:
        assert c["status"] == "unsupported"
        assert "wasmcu wamr build" in c["error"] and "Using WAMR" in c["error"]
        if c["device"] == "host":
            assert "WASMCU_WAMR_" in c["error"]
        else:
            kind = c["runtime"].split("-")[1].upper()
            assert f"WASMCU_WAMR_FIRMWARE_{BOARD_ARCH[c['device']].upper()}_{kind}" in c["error"]


@pytest.mark.parametrize("what", ["missing", "not-wamr", "old"])
def test_wamr_build_says_what_it_expected(tmp_path, what):
    from conftest import wasmcu

    tree = tmp_path / "tree"
    if what != "missing":
        (tree / "core" / "iwasm" / "include").mkdir(parents=True)
    if what == "old":
        (tree / "core" / "iwasm" / "include" / "wasm_export.h").write_text("")
        (tree / "core" / "version.h").write_text(
            "#define WAMR_VERSION_MAJOR 1\n#define WAMR_VERSION_MINOR 3\n#define WAMR_VERSION_PATCH 2\n")
    proc = wasmcu("wamr", "build", str(tree), "--out", str(tmp_path / "out"), "--no-config")
    assert proc.returncode == 2
    message = {"missing": "no such directory",
               "not-wamr": "not a WAMR source tree: core/version.h or core/iwasm/include/wasm_export.h is missing",
               "old": "WAMR 1.3.2 is not the release series"}[what]
    assert message in proc.stderr and "tree" in proc.stderr, proc.stderr
    if what == "old":
        assert "--any-version" in proc.stderr
    else:
        assert "expected a WAMR source tree (a clone or release archive" in proc.stderr, proc.stderr
    assert not (tmp_path / "out").exists()


def test_wamr_build_on_a_real_tree(tmp_path):
    """With WASMCU_WAMR_SOURCE (a WAMR 2.4 tree): one board configuration built and written to the config."""
    import os

    from conftest import wasmcu

    source = os.environ.get("WASMCU_WAMR_SOURCE")
    if not source:
        pytest.skip("set WASMCU_WAMR_SOURCE to a WAMR 2.4 source tree to run this")
    cfg = tmp_path / "config.toml"
    cfg.write_text('[paths]\nembench = "kept"\n')
    proc = wasmcu("wamr", "build", source, "--out", str(tmp_path / "out"), "--only", "armv6m-fast",
                  env={"WASMCU_CONFIG": str(cfg)})
    assert proc.returncode == 0, proc.stderr
    assert "[1/1] armv6m-fast: building" in proc.stderr
    import tomllib

    data = tomllib.loads(cfg.read_text())
    assert data["paths"]["embench"] == "kept"
    built = Path(data["wamr"]["firmware"]["armv6m-fast"])
    assert wamr.identify(built / "libiwasm.a") == ("fast", False)
    assert (built / "include" / "wasm_export.h").is_file()
