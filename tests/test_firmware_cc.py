"""The firmware compiler as a build choice: the kernel and the runtime libraries on the boards
built by GCC or Clang (--firmware-cc), stored in each cell; the default per runtime and
architecture; a stack overflow that says what stack the run needed."""

import re
import shutil
import subprocess

import pytest

from conftest import bench_json
from wasmcu import devices, workloads
from wasmcu.backends.image import build_image
from wasmcu.errors import ConfigError
from wasmcu.plan import Spec, plan
from wasmcu.workloads.kernel_source import kernel_source

pytestmark = pytest.mark.qemu


def comment(elf) -> str:
    """The compilers named in an ELF's .comment section."""
    return subprocess.run(["arm-none-eabi-readelf", "-p", ".comment", str(elf)], capture_output=True, text=True).stdout


@pytest.fixture(autouse=True)
def need_clang():
    if shutil.which("clang-19") is None:
        pytest.skip("clang-19 is not installed")


@pytest.mark.parametrize("device, chip", [("pico", "rp2040"), ("nrf5340", "nrf5340"), ("esp32c6", "esp32c6")])
def test_clang_builds_the_kernel_and_runtime_and_gcc_links(device, chip):
    dev = devices.discover()[device]
    wl = kernel_source(workloads.discover()["crc16"], 10, "c")
    clang, _ = build_image("wasm3", wl, dev, "-O2", firmware_cc="clang")
    gcc, _ = build_image("wasm3", wl, dev, "-O2", firmware_cc="gcc")
    assert "clang version 19" in comment(clang) and "GCC:" in comment(clang)   # picolibc and main.c: GCC
    assert "clang" not in comment(gcc)
    # the real board's image (its chip's memory map and UART) too
    board, _ = build_image("wasm3", wl, dev, "-O2", chip=chip, firmware_cc="clang")
    assert "clang version 19" in comment(board)


@pytest.mark.slow
def test_firmware_cc_cells_on_every_board_are_stored_apart(db):
    proc, cells = bench_json("--device", "pico,nrf5340,esp32c6", "--runtime", "native,wasm3", "--workload", "crc16:10",
                             "--lang", "c", "--firmware-cc", "gcc,clang", "--db", str(db), "--timeout", "120")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(cells) == 12 and all(c["status"] == "ok" and c["checksum"] == c["expected"] for c in cells)
    for c in cells:
        cc = c["build"].split("+")[1]
        assert c["extra"]["firmware_cc"] == cc and c["provenance"]["build_mode"]["firmware_cc"] == cc
        assert c["provenance"]["build_mode"]["mode"] == "o2"
    by = {(c["device"], c["runtime"], c["build"]): c for c in cells}
    # different code: different instruction counts for the same kernel
    assert by[("pico", "wasm3", "o2+gcc")]["instructions"] != by[("pico", "wasm3", "o2+clang")]["instructions"]


def test_default_compiler_is_per_runtime_and_architecture(db):
    proc, cells = bench_json("--device", "pico,nrf5340", "--runtime", "native,wasm3", "--workload", "crc16:10",
                             "--lang", "c", "--db", str(db), "--timeout", "120")
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = {(c["device"], c["runtime"]): (c["build"], c["extra"]["firmware_cc"]) for c in cells}
    assert got == {("pico", "native"): ("o2", "gcc"), ("pico", "wasm3"): ("o2", "clang"),
                   ("nrf5340", "native"): ("o2", "gcc"), ("nrf5340", "wasm3"): ("o2", "gcc")}
    wasm3 = next(c for c in cells if c["device"] == "pico" and c["runtime"] == "wasm3")
    assert "tail calls" in wasm3["provenance"]["build_mode"]["firmware_cc_why"]


def test_host_cells_keep_their_build_and_an_unknown_compiler_is_refused():
    cells, _, _ = plan(Spec(devices="host,pico", runtimes="native", workloads="crc16:10", langs="c",
                            firmware_cc="gcc,clang"))
    assert sorted((c.device, c.build) for c in cells) == [("host", "o2"), ("pico", "o2+clang"), ("pico", "o2+gcc")]
    with pytest.raises(ConfigError, match="unknown firmware compiler 'icc'; known: gcc, clang"):
        plan(Spec(devices="pico", runtimes="native", workloads="crc16:10", langs="c", firmware_cc="icc"))


@pytest.mark.slow
def test_a_stack_overflow_says_what_stack_the_run_needed(db, tmp_path):
    """wasm3's operations nest on the Cortex-M0+'s native stack (no tail calls in Thumb-1
    code): SHA-256 runs a 12 KB stack region down; the error gives the stack the run used in
    QEMU with a region four times larger."""
    text = devices.discover()["pico"].file.read_text()
    small = re.sub(r'^name = "pico"', 'name = "pico-12k"', text, flags=re.M)
    small = re.sub(r"^stack_bytes = \d+.*$", "stack_bytes = 12288", small, flags=re.M)
    (tmp_path / "pico-12k.toml").write_text(small)
    proc, cells = bench_json("--device", "pico,pico-12k", "--runtime", "wasm3", "--workload", "sha256:64", "--lang", "c",
                             "--db", str(db), "--timeout", "120", "--ram", "profile",  # the profile's fixed stack
                             env={"WASMCU_DEVICE_PATH": str(tmp_path)})
    by = {c["device"]: c for c in cells}
    used = by["pico"]["extra"]["stack_hwm_bytes"]
    assert by["pico"]["status"] == "ok" and used > 12288
    err = by["pico-12k"]["error"]
    assert by["pico-12k"]["status"] == "error" and "native stack overflow" in err and "12288 bytes" in err
    # the same code with a 48 KB region uses what the 24 KB one did
    assert by["pico-12k"]["extra"]["stack_needed_bytes"] == used
    assert f"the run needs {used:,} bytes of stack" in err and "49,152-byte stack region" in err
