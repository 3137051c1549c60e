"""A board farm on this machine: a labgrid coordinator and exporter on loopback, a Pico whose
BOOTSEL drive and UART0 are simulated (a UF2 copied to the drive runs in rp2040js, its UART0
on the pseudo-terminal the exporter serves through ser2net), and `wasmcu bench --place`."""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import tty
from pathlib import Path

import pytest

from wasmcu.chips.rp2040.emulator import RUNNER

from conftest import bench_json

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not (shutil.which("ser2net") and shutil.which("node")),
                                reason="needs ser2net and node (scripts/setup.sh installs them)")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(address, *args, user=None):
    env = dict(os.environ, **({"LG_USERNAME": user} if user else {}))
    return subprocess.run([sys.executable, "-m", "labgrid.remote.client", "-x", address, *args], capture_output=True,
                          text=True, timeout=60, env=env)


class SimulatedPico:
    """A drive directory with INFO_UF2.TXT; a UF2 written there runs in rp2040js, whose UART0
    output goes to a pseudo-terminal (the board's serial port)."""

    def __init__(self, drive: Path):
        from wasmcu.validate import rp2040js_dir

        self.drive, self.rp2040js = drive, rp2040js_dir()
        drive.mkdir()
        (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nBoard-ID: RPI-RP2\n")
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        self.runs = 0
        self._stop = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self):
        while not self._stop.is_set():
            for uf2 in self.drive.glob("*.uf2"):
                time.sleep(0.2)  # the copy completes
                image = uf2.with_suffix(".run")
                uf2.rename(image)  # the drive goes away as the board reboots
                proc = subprocess.run(["node", str(RUNNER), str(self.rp2040js), str(image), str(30 * 125_000_000)],
                                      capture_output=True, timeout=120)
                os.write(self.master, proc.stdout)
                self.runs += 1
            time.sleep(0.05)

    def close(self):
        self._stop.set()


@pytest.fixture
def farm(tmp_path):
    address = f"127.0.0.1:{free_port()}"
    # the coordinator keeps its places.yaml and resources.yaml in its working directory
    procs = [subprocess.Popen([sys.executable, "-m", "labgrid.remote.coordinator", "-l", address],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)]
    pico = SimulatedPico(tmp_path / "drive")
    other_master, other_slave = os.openpty()
    (tmp_path / "exporter.yaml").write_text(
        f"pico1:\n  RawSerialPort:\n    port: {pico.port}\n    speed: 115200\n"
        f"pico2:\n  RawSerialPort:\n    port: {os.ttyname(other_slave)}\n    speed: 115200\n")
    time.sleep(1)
    procs.append(subprocess.Popen([sys.executable, "-m", "labgrid.remote.exporter", "-c", address, "--hostname",
                                   "127.0.0.1", "-n", "bench-host", str(tmp_path / "exporter.yaml")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        for _ in range(600):  # a hang guard: a busy machine starts the exporter slowly
            if "pico2" in client(address, "resources").stdout:
                break
            time.sleep(0.2)
        for name, group in (("farm-busy", "pico2"), ("farm-pico", "pico1")):
            assert client(address, "-p", name, "create").returncode == 0
            assert client(address, "-p", name, "add-match", f"bench-host/{group}/*").returncode == 0
        assert client(address, "-p", "farm-busy", "acquire", user="someone-else").returncode == 0
        yield address, pico
    finally:
        pico.close()
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=30)
        os.close(other_master)
        os.close(other_slave)


def test_bench_on_the_first_free_place_through_its_network_serial_port(farm, db, tmp_path):
    address, pico = farm
    env = {"WASMCU_FLASHER": "uf2-drive", "WASMCU_UF2_DRIVE": str(pico.drive)}
    proc, cells = bench_json("--device", "pico-board", "--runtime", "native,wasm3", "--workload", "crc16:100",
                             "--lang", "c", "--db", str(db), "--place", "farm-busy,farm-pico", "--coordinator", address,
                             env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert pico.runs == 2
    for c in cells:
        assert c["status"] == "ok" and c["checksum"] == c["expected"] and c["time_kind"] == "measured", c
        board = c["provenance"]["board"]
        assert board["place"] == "farm-pico" and board["port"].startswith("rfc2217://127.0.0.1:")
    # released afterwards: someone else can take it now
    assert client(address, "-p", "farm-pico", "acquire", user="someone-else").returncode == 0


def test_no_free_place_is_a_clear_error(farm, db):
    address, _ = farm
    proc, cells = bench_json("--device", "pico-board", "--runtime", "native", "--workload", "crc16:4", "--lang", "c",
                             "--db", str(db), "--place", "farm-busy,no-such-place", "--coordinator", address)
    assert proc.returncode != 0 and not cells
    assert "no place could be acquired" in proc.stderr and "farm-busy" in proc.stderr and "no-such-place" in proc.stderr
