"""`wasmcu board check` from the command line: on rp2040js as far as the emulator allows (the
steps it cannot check are skipped, saying why), and the failures a user meets first."""

import json
import shutil
import subprocess
import sys

import pytest

needs_pico = pytest.mark.skipif(not (shutil.which("node") and shutil.which("arm-none-eabi-gcc")),
                                reason="needs node and arm-none-eabi-gcc (scripts/setup.sh installs them)")


def board_check(*args, env=None):
    import os

    return subprocess.run([sys.executable, "-m", "wasmcu", "board", "check", *args], capture_output=True, text=True,
                          timeout=600, env={**os.environ, **(env or {})})


@needs_pico
def test_board_check_on_rp2040js_runs_what_the_emulator_allows_and_says_what_it_skipped():
    proc = board_check("--device", "pico-board", env={"WASMCU_FLASHER": "rp2040js"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    for line in ("ok    port: the emulated Pico's UART0", "ok    build: rp2040 firmware", "ok    first flash:",
                 "CPU at 125 MHz", "ok    cycles vs timer:", "skip  second flash: rp2040js has no boot ROM",
                 "skip  watchdog:", "skip  clock vs host: rp2040js's time is simulated",
                 "board check: 4 ok, 0 failed, 3 skipped"):
        assert line in out, out
    proc = board_check("--device", "pico-board", "--json", env={"WASMCU_FLASHER": "rp2040js"})
    data = json.loads(proc.stdout)
    steps = {s["name"]: s for s in data["steps"]}
    assert data["ok"] and data["device"] == "pico-board"
    assert [s["status"] for s in data["steps"]] == ["ok"] * 4 + ["skip"] * 3
    # SysTick against the 1 MHz timer: the clock the firmware set up, within 1 %
    mhz = float(steps["cycles vs timer"]["detail"].split(": ")[1].split(" MHz")[0])
    assert mhz == pytest.approx(125, rel=0.01)


@needs_pico
def test_board_check_fails_when_the_board_runs_at_another_clock_than_its_profile(tmp_path):
    from wasmcu import devices

    text = devices.discover()["pico-board"].file.read_text()
    (tmp_path / "pico-slow-board.toml").write_text(
        text.replace('name = "pico-board"', 'name = "pico-slow-board"').replace("default_hz = 125_000_000",
                                                                                "default_hz = 133_000_000"))
    proc = board_check("--device", "pico-slow-board", "--device-dir", str(tmp_path), env={"WASMCU_FLASHER": "rp2040js"})
    assert proc.returncode == 1
    assert "FAIL  first flash: the firmware runs the CPU at 125000000 Hz, the profile says 133000000" in proc.stdout
    assert "what to do: fix [clock] default_hz in the profile" in proc.stdout
    assert "board check: 2 ok, 1 failed, 0 skipped" in proc.stdout  # it stops at the first failure


def test_board_check_names_a_port_that_cannot_be_opened_and_what_to_do():
    proc = board_check("--device", "pico-board", env={"WASMCU_FLASHER": "uf2-drive",
                                                      "WASMCU_BOARD_PORT": "/dev/nonexistent-wasmcu"})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    if "FAIL  build" in proc.stdout:
        pytest.skip("no toolchain here")
    assert "ok    port: /dev/nonexistent-wasmcu (named by [board] port or WASMCU_BOARD_PORT)" in proc.stdout
    assert "FAIL  first flash: cannot open the board's serial port /dev/nonexistent-wasmcu" in proc.stdout
    assert "what to do: UART0 is GPIO0 (TX) / GPIO1 (RX)" in proc.stdout


def test_board_check_refuses_an_emulated_profile():
    proc = board_check("--device", "pico")
    assert proc.returncode != 0 and "pico is not a real board (backend 'qemu')" in proc.stderr
