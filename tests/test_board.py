"""Real-board path: the Pico's UF2 image (boot2 + firmware), run in rp2040js behind a
pseudo-terminal and read through the serial backend; its faults."""

import os
import select
import shutil
import struct
import subprocess
import threading
import time

import pytest

from wasmcu.chips.console import read_report
from wasmcu.workloads.kernel_source import kernel_source
from wasmcu.chips.rp2040.emulator import RUNNER
from wasmcu.errors import BoardError
from wasmcu.errors import BuildError
from wasmcu.chips.rp2040.uf2 import boot2, boot2_block, crc32_mpeg2, read_uf2, uf2

from conftest import bench_json

pytestmark = pytest.mark.slow  # end-to-end: real builds, runs and processes


def test_crc32_mpeg2_check_value():
    assert crc32_mpeg2(b"123456789") == 0x0376E6E7  # the catalogued check value of CRC-32/MPEG-2


def test_boot2_block_carries_its_crc_and_fits():
    block = boot2_block(b"\x01\x02")
    assert len(block) == 256 and block[2:252] == bytes(250)
    assert struct.unpack("<I", block[252:])[0] == crc32_mpeg2(block[:252])
    with pytest.raises(BuildError, match="the second-stage boot is 253 bytes; it must fit 252"):
        boot2_block(bytes(253))


def test_uf2_blocks_round_trip():
    data = uf2([(0x10000000, b"a" * 300), (0x10000000 + 300, b"b")])
    assert len(data) % 512 == 0 and len(data) // 512 == 2
    blocks = dict(read_uf2(data))
    assert blocks[0x10000000][:256] == b"a" * 256
    assert blocks[0x10000100][:44] == b"a" * 44 and blocks[0x10000100][44] == ord("b")
    assert struct.unpack_from("<I", data, 28)[0] == 0xE48BFF56  # the RP2040 family id


needs_pico = pytest.mark.skipif(not (shutil.which("node") and shutil.which("arm-none-eabi-gcc")),
                                reason="needs node and arm-none-eabi-gcc (scripts/setup.sh installs them)")


@needs_pico
def test_pico_board_in_rp2040js_gives_measured_times(db):
    proc, cells = bench_json("--device", "pico-board", "--runtime", "native,wasm3", "--workload", "bubblesort:30",
                             "--lang", "c", "--db", str(db), env={"WASMCU_FLASHER": "rp2040js"})
    assert proc.returncode == 0, proc.stderr
    by = {c["runtime"]: c for c in cells}
    for c in cells:
        assert c["status"] == "ok" and c["checksum"] == c["expected"], c
        assert c["time_kind"] == "measured" and c["backend"] == "board" and c["energy_uj"] is None
        assert c["extra"]["uf2_bytes"] % 512 == 0 and c["extra"]["flasher"] == "rp2040js"
    assert 0 < by["native"]["time_us"] * 10 < by["wasm3"]["time_us"]
    # SysTick counts the call's cycles at 125 MHz: within a microsecond's worth of the timer's time
    for c in cells:
        assert c["cycles_kind"] == "measured cycles" and abs(c["cycles"] - c["time_us"] * 125) <= 250, c
    # the load and instantiation are timed by the chip's timer too, and an update's time adds them, labelled measured
    w = by["wasm3"]
    load = w["extra"]["update_time_parts"]["load"]
    assert w["load_us"] > 0 and load["kind"] == "measured" and load["s"] == pytest.approx(w["load_us"] / 1e6)
    assert w["extra"]["update_part"] == "module (.wasm)" and "load" not in by["native"]["extra"]["update_time_parts"]


@needs_pico
def test_boot_rom_step_refuses_a_bad_boot2_crc(tmp_path):
    from wasmcu.validate import rp2040js_dir

    image = bytearray(uf2([(0x10000000, boot2())]))
    image[32 + 10] ^= 0xFF  # one byte of the second-stage boot
    (tmp_path / "bad.uf2").write_bytes(image)
    proc = subprocess.run(["node", str(RUNNER), str(rp2040js_dir()), str(tmp_path / "bad.uf2"), "1000"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3 and "would not boot" in proc.stderr


def test_missing_port_is_a_clear_error_per_cell_and_the_run_goes_on(db):
    proc, cells = bench_json("--device", "pico-board,host", "--runtime", "native", "--workload", "crc16:4", "--lang",
                             "c", "--repeat", "3", "--db", str(db),
                             env={"WASMCU_FLASHER": "uf2-drive", "WASMCU_BOARD_PORT": "/dev/nonexistent-wasmcu"})
    assert proc.returncode == 1
    board = next(c for c in cells if c["device"] == "pico-board")
    host = next(c for c in cells if c["device"] == "host")
    assert board["status"] == "error" and "cannot open the board's serial port /dev/nonexistent-wasmcu" in board["error"]
    assert host["status"] == "ok"


def test_a_board_that_stops_talking_mid_run_is_reported():
    import serial

    master, slave = os.openpty()
    import tty

    tty.setraw(slave)

    def board():
        os.write(master, b"garbage from an earlier run\n@wasmcu runtime=native\n@wasmcu checksum=1 ")
        time.sleep(2)

    # the port is opened first: pyserial flushes the input on open, which would race with the board's lines
    with serial.Serial(os.ttyname(slave), 115200, timeout=0.2) as port:
        t = threading.Thread(target=board)
        t.start()
        with pytest.raises(BoardError) as exc:
            read_report(port, 1.0)
    t.join()
    os.close(master)
    os.close(slave)
    assert "stopped talking" in str(exc.value) and "@wasmcu runtime=native" in str(exc.value)
    assert "garbage" not in str(exc.value)  # lines before the board's restart are not its report


def test_an_emulated_board_that_ended_is_read_to_its_last_line_and_one_that_ended_early_is_not_waited_for():
    import tty

    import serial

    master, slave = os.openpty()
    tty.setraw(slave)
    with serial.Serial(os.ttyname(slave), 115200, timeout=0.2) as port:   # opened first: it flushes its input
        # the emulator printed its whole report and ended before a line of it was read
        os.write(master, b"@wasmcu runtime=native\n@wasmcu checksum=1\n@wasmcu end\n")
        assert read_report(port, 5.0, alive=lambda: False).endswith("@wasmcu end\n")
        os.write(master, b"@wasmcu runtime=native\n@wasmcu checksum=1 ")
        start = time.monotonic()
        with pytest.raises(BoardError, match="the board ended without `@wasmcu end`; it printed: "
                                             "'@wasmcu runtime=native / @wasmcu checksum=1 '"):
            read_report(port, 30.0, alive=lambda: False)
        assert time.monotonic() - start < 10   # not the whole timeout
    os.close(master)
    os.close(slave)


@needs_pico
def test_energy_from_a_ppk2_is_the_kernels_marker_window_checked_against_the_timer(db):
    """The PPK2 path end to end: rp2040js runs the image built for a meter (marker GPIO, idle
    before and after), a fake PPK2 streams a trace with one marker pulse, and the cell's energy
    is V x I x t of that pulse, accepted only when it lasts as long as the firmware's timer says."""
    from ppk2_fake import FakePPK2, steps

    args = ["--device", "pico-board", "--runtime", "native", "--workload", "crc16:2000", "--lang", "c", "--db", str(db)]
    proc, cells = bench_json(*args, env={"WASMCU_FLASHER": "rp2040js"})
    assert cells[0]["status"] == "ok" and cells[0]["energy_uj"] is None, cells[0]["error"]
    assert "no PPK2 connected" in cells[0]["extra"]["energy_note"]
    timer_us = cells[0]["time_us"]
    pulse = round(timer_us / 10)  # samples at 100 kS/s
    with FakePPK2(steps([(2000, 800.0, 0), (pulse, 20_000.0, 1), (1, 800.0, 0)])) as fake:
        proc, cells = bench_json(*args, env={"WASMCU_FLASHER": "rp2040js", "WASMCU_PPK2_PORT": fake.port})
        assert fake.ever_powered and not fake.powered and fake.vdd_mv == 5000  # VSYS at 5 V, off afterwards
    c = cells[0]
    assert c["status"] == "ok" and c["checksum"] == c["expected"] and abs(c["time_us"] - timer_us) <= 2, c
    assert c["energy_kind"] == "measured" and c["extra"]["energy_method"] == "marker"
    assert c["energy_uj"] == pytest.approx(5.0 * 20_000 * pulse * 10e-6, rel=0.01)
    assert (db.parent / c["extra"]["power_trace"]).is_file()

    with FakePPK2(steps([(2000, 800.0, 0), (pulse * 5 + 10, 20_000.0, 1), (1, 800.0, 0)])) as fake:
        proc, cells = bench_json(*args, env={"WASMCU_FLASHER": "rp2040js", "WASMCU_PPK2_PORT": fake.port})
    c = cells[0]
    assert c["status"] == "ok" and c["energy_uj"] is None
    assert "the window is not this run's" in c["extra"]["energy_error"]


def _qemu_behind_a_pty(elf, device):
    """QEMU running the emulated board's firmware with its console (semihosting) on a terminal
    device, relayed to a pseudo-terminal that the board backend opens by its path. (QEMU's own
    `-chardev pty` drops the last lines when QEMU exits: a real board does not exit.)"""
    from wasmcu.backends.qemu import machine_args
    from wasmcu.toolchains import mcu

    qemu_master, qemu_slave = os.openpty()
    board_master, board_slave = os.openpty()
    import tty

    tty.setraw(qemu_slave)
    tty.setraw(board_slave)
    qemu = shutil.which(mcu.ARCHES[device.arch].qemu)
    proc = subprocess.Popen([qemu, *machine_args(device), "-nographic", "-monitor", "none", "-serial", "none",
                             "-chardev", f"serial,id=console,path={os.ttyname(qemu_slave)}", "-semihosting-config",
                             "enable=on,target=native,chardev=console", "-kernel", str(elf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def relay():  # until QEMU has ended and said everything: then the board's port ends too
        while True:
            ready, _, _ = select.select([qemu_master], [], [], 0.1)
            if ready:
                os.write(board_master, os.read(qemu_master, 4096))
            elif proc.poll() is not None:
                break
        for fd in (qemu_master, qemu_slave):
            os.close(fd)
        time.sleep(0.5)
        os.close(board_master)

    threading.Thread(target=relay, daemon=True).start()
    return proc, os.ttyname(board_slave), board_slave


@pytest.mark.qemu
@pytest.mark.parametrize("device_name", ["pico", "esp32c6"])
def test_serial_backend_reads_qemu_behind_a_pseudo_terminal(device_name):
    """The board backend's reading half (pyserial, line protocol, faults) against QEMU's console on a pty."""
    from wasmcu import devices, workloads
    from wasmcu.chips.console import open_port as _open_port
    from wasmcu.backends.qemu import QemuBackend
    from wasmcu.protocol import parse

    wls, device = workloads.discover(), devices.discover()[device_name]
    elf, _ = QemuBackend().build("wasm3", kernel_source(wls["crc16"], 100, "c"), device, "-O2")
    proc, port, keep = _qemu_behind_a_pty(elf, device)
    try:
        with _open_port(port) as serial_port:
            report = parse(read_report(serial_port, 60).encode())
    finally:
        proc.kill()
        proc.wait()
        os.close(keep)
    assert report.ended and report.fields["runtime"] == "wasm3"
    assert report.int("checksum") == wls["crc16"].expected(100, workloads.SEED)

    # QEMU killed mid-run: the port reports the end, the cell gets a clear error
    elf, _ = QemuBackend().build("wasm3", kernel_source(wls["bubblesort"], 8000, "c"), device, "-O2")  # seconds in QEMU
    proc, port, keep = _qemu_behind_a_pty(elf, device)
    try:
        with _open_port(port) as serial_port:
            threading.Timer(0.5, proc.kill).start()
            with pytest.raises(BoardError) as exc:
                read_report(serial_port, 20)
    finally:
        proc.kill()
        proc.wait()
        os.close(keep)
    assert "@wasmcu runtime=wasm3" in str(exc.value)
    assert "serial port failed" in str(exc.value) or "stopped talking" in str(exc.value)
