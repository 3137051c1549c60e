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


@pytest.mark.slow
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


@pytest.mark.slow
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
    assert proc.returncode == 2 and "device 'pico' is not a real board (its backend is qemu); known boards:" in proc.stderr


class _Port:
    def __init__(self, device, vid, pid, serial="", location="1-1:1.0", description="port"):
        self.device, self.vid, self.pid, self.serial_number = device, vid, pid, serial
        self.location, self.description = location, description


def test_the_application_cores_port_is_the_j_links_last_and_usb_serial_jtag_is_refused(monkeypatch):
    from serial.tools import list_ports

    from wasmcu.backends.board import BoardError, check_port, find_port

    # an nRF5340 DK v1.0.0: three virtual COM ports; the application core's is the last interface
    ports = [_Port("/dev/ttyACM0", 0x1366, 0x1055, "960012345", "1-2:1.0"),
             _Port("/dev/ttyACM2", 0x1366, 0x1055, "960012345", "1-2:1.4"),
             _Port("/dev/ttyACM1", 0x1366, 0x1055, "960012345", "1-2:1.2")]
    monkeypatch.setattr(list_ports, "comports", lambda: ports)
    port, why = find_port("nrf5340")
    assert port == "/dev/ttyACM2" and "last of the 3 virtual COM ports of probe 960012345" in why
    # an ESP32-C6 board with its USB-Serial-JTAG and a CP210x: the bridge, whatever the order
    ports[:] = [_Port("/dev/ttyACM0", 0x303A, 0x1001), _Port("/dev/ttyUSB0", 0x10C4, 0xEA60, description="CP2102N")]
    assert find_port("esp32c6")[0] == "/dev/ttyUSB0"
    with pytest.raises(BoardError, match="USB-Serial-JTAG port: the firmware prints on UART0 \\(U0TXD = GPIO16"):
        check_port("esp32c6", "/dev/ttyACM0")
    check_port("esp32c6", "/dev/ttyUSB0")
    # native USB only: refused, saying why and what to connect
    ports[:] = [_Port("/dev/ttyACM0", 0x303A, 0x1001)]
    with pytest.raises(BoardError, match="the only esp32c6 port connected \\(/dev/ttyACM0\\) is the ESP32-C6's USB-Serial-JTAG"):
        find_port("esp32c6")


@pytest.mark.parametrize("drift, restart, expect", [
    (0.0, False, {"second flash": "ok", "watchdog": "ok", "clock vs host": "ok"}),
    (0.01, False, {"second flash": "ok", "watchdog": "ok", "clock vs host": "fail"}),  # a 1 % fast RC timer
    (0.0, True, {"second flash": "fail", "watchdog": "fail"}),  # reset by a watchdog: the report never ends
])
def test_board_check_busy_run_judges_the_watchdog_and_the_timer_against_the_host(monkeypatch, drift, restart, expect):
    """The steps that need a real board, with a scripted one: each report's lines arrive at
    host times that follow the board's timer, `drift` fast or slow."""
    if not shutil.which("arm-none-eabi-gcc"):
        pytest.skip("needs arm-none-eabi-gcc")
    from wasmcu import board_check, devices, workloads
    from wasmcu.backends.board import BoardError

    monkeypatch.setenv("WASMCU_FLASHER", "uf2-drive")
    monkeypatch.setenv("WASMCU_BOARD_PORT", "/dev/scripted-pico")
    expected = workloads.discover()["crc16"].expected(board_check.WORKLOAD[1])
    calls = []

    def board(image, settings, timeout_s, stamps=None):
        calls.append(timeout_s)
        busy = len(calls) == 2
        if busy and restart:
            raise BoardError("the board stopped talking: no `@wasmcu end` within 45 s")
        board_us = 3000 + (1_000_000 if busy else 0)  # the call, and the idle around it on the busy image
        lines = ["@wasmcu runtime=native", "@wasmcu time_us=3000", "@wasmcu clock_hz=125000000",
                 "@wasmcu cycles=375000 cycles_bits=24", f"@wasmcu checksum={expected} stack_hwm=300 heap_hwm=0",
                 "@wasmcu end=1"]
        if stamps is not None:
            stamps[:] = [(100.0 + (board_us / 1e6 * (1 + drift) if i else 0), line) for i, line in enumerate(lines)]
        return "\n".join(lines) + "\n"

    monkeypatch.setattr(board_check, "flash_and_read", board)
    steps = {s.name: s for s in board_check.check(devices.discover()["pico-board"], busy_s=1.0)}
    assert steps["port"].status == steps["first flash"].status == steps["cycles vs timer"].status == "ok"
    assert {k: steps[k].status for k in expect} == expect, steps
    if drift:
        assert "+10000 ppm" in steps["clock vs host"].detail and "crystal" in steps["clock vs host"].fix
    if restart:
        assert "watchdog" in steps["watchdog"].fix and "BOOTSEL" in steps["second flash"].fix


def test_a_pico_measured_by_a_ppk2_must_be_flashed_over_swd():
    from wasmcu import devices
    from wasmcu.backends.board import PICO_PPK2, power_meter

    pico = devices.discover()["pico-board"]
    for flasher in ("uf2-drive", "picotool"):  # both need the USB connector, which powers the board too
        assert power_meter(pico, flasher) == (None, PICO_PPK2)
    assert 'flasher = "pyocd"' in PICO_PPK2 and "unplug the Pico's USB" in PICO_PPK2
    meter, why = power_meter(pico, "pyocd")
    assert meter is not None or "no PPK2 connected" in why


def test_the_next_flash_waits_for_the_bootsel_drive_to_come_back(tmp_path, monkeypatch):
    """A run ends in the boot ROM's USB boot: the drive is mounted again a moment later."""
    import threading

    from wasmcu.chips.rp2040 import flashers as board
    from wasmcu.errors import BoardError

    drive = tmp_path / "RPI-RP2"
    monkeypatch.setenv("WASMCU_UF2_DRIVE", str(drive))

    def remount():
        drive.mkdir()
        (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v1.0\n")

    timer = threading.Timer(0.6, remount)
    timer.start()
    board.copy_to_drive(b"uf2 image", wait_s=10)
    timer.join()
    assert (drive / "wasmcu.uf2").read_bytes() == b"uf2 image"
    (drive / "INFO_UF2.TXT").unlink()  # gone for good: a clear error once the wait is over
    with pytest.raises(BoardError, match="no RP2040 BOOTSEL drive"):
        board.copy_to_drive(b"x", wait_s=0.5)


def test_the_nrf5340_port_behind_a_hub_and_with_two_probes_plugged_in():
    from wasmcu.chips.nrf5340 import choose_port

    # behind a USB hub the location has dots in its path too: the interface is after the last one
    ports = [_Port("/dev/ttyACM0", 0x1366, 0x1055, "960011111", "1-2.3:1.0"),
             _Port("/dev/ttyACM7", 0x1366, 0x1055, "960022222", "1-2.4:1.6"),
             _Port("/dev/ttyACM1", 0x1366, 0x1055, "960011111", "1-2.3:1.2")]
    port, why = choose_port(ports)
    assert port == "/dev/ttyACM1" and "last of the 2 virtual COM ports of probe 960011111" in why
    # the first listed probe's ports only; a probe that names no serial number is '?'
    port, why = choose_port([_Port("/dev/ttyACM3", 0x1366, 0x1055, None, "1-1:1.2"),
                             _Port("/dev/ttyACM4", 0x1366, 0x1055, None, "1-1:1.0")])
    assert port == "/dev/ttyACM3" and why == ("/dev/ttyACM3: the last of the 2 virtual COM ports of probe ? "
                                              "(the application core's UARTE0)")
