"""The RP2040's own flashers: its BOOTSEL drive, picotool, and rp2040js in place of a board.

Names: `uf2-drive`, `picotool`, `rp2040js` (the emulator's UART0 on a pseudo-terminal)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ... import tools
from ...errors import BoardError
from ..chip import Chip
from ..console import open_port, read_report
from ..flashers import Flasher, register

# After a run the Pico returns to the boot ROM's USB boot by itself (startup.c): its drive
# re-enumerates and is mounted again within a few seconds, so the next flash waits for it.
DRIVE_WAIT_S = 15.0


def bootsel_drive() -> Path | None:
    """The mounted BOOTSEL drive (a volume with INFO_UF2.TXT): WASMCU_UF2_DRIVE, else under /media, /run/media."""
    drive = os.environ.get("WASMCU_UF2_DRIVE")
    candidates = [Path(drive)] if drive else [p.parent for root in ("/media", "/run/media")
                                              for p in Path(root).glob("**/INFO_UF2.TXT")]
    return candidates[0] if candidates and (candidates[0] / "INFO_UF2.TXT").is_file() else None


def copy_to_drive(image: bytes, wait_s: float | None = None) -> None:
    deadline = time.monotonic() + (DRIVE_WAIT_S if wait_s is None else wait_s)
    while (drive := bootsel_drive()) is None and time.monotonic() < deadline:
        time.sleep(0.25)
    if drive is None:
        raise BoardError("board not found: no RP2040 BOOTSEL drive (a volume with INFO_UF2.TXT) is mounted; hold "
                         "BOOTSEL while plugging the Pico in, or set WASMCU_UF2_DRIVE")
    try:
        (drive / "wasmcu.uf2").write_bytes(image)
    except OSError as exc:
        raise BoardError(f"flashing failed: copying the UF2 file to {drive}: {exc.strerror}") from None


@register
class Uf2Drive(Flasher):
    name = "uf2-drive"
    summary = "the UF2 file copied to the RP2040's BOOTSEL drive"

    def flash(self, image, settings, chip):
        copy_to_drive(image)


@register
class Picotool(Flasher):
    name = "picotool"
    summary = "`picotool load -x` (Raspberry Pi's tool, when installed)"

    def flash(self, image, settings, chip):
        picotool = shutil.which("picotool")
        if picotool is None:
            raise BoardError("picotool was not found: install it, or use flasher = \"uf2-drive\"")
        with tempfile.NamedTemporaryFile(suffix=".uf2") as f:
            f.write(image)
            f.flush()
            proc = subprocess.run([picotool, "load", "-x", f.name], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise BoardError(f"flashing with picotool failed: {(proc.stderr or proc.stdout).strip()[-300:]} (hold "
                             "BOOTSEL while plugging the Pico in)")


@register
class Rp2040js(Flasher):
    name = "rp2040js"
    summary = "no board: the image runs in the rp2040js emulator, its UART0 on a pseudo-terminal"
    uses_console = False

    def run(self, image: bytes, settings: dict, chip: Chip, timeout_s: float, stamps: list | None = None) -> str:
        """The image in rp2040js, its UART0 on a pseudo-terminal read as a serial port."""
        import tty

        from .emulator import RUNNER, rp2040js_dir

        node = tools.require("node")
        master, slave = os.openpty()
        tty.setraw(slave)
        port = os.ttyname(slave)
        with tempfile.TemporaryDirectory(prefix="wasmcu-pico-") as tmp:
            uf2 = Path(tmp) / "image.uf2"
            uf2.write_bytes(image)
            proc = subprocess.Popen([node, str(RUNNER), str(rp2040js_dir()), str(uf2), str(int(timeout_s * 125e6))],
                                    stdout=master, stderr=subprocess.PIPE)
            # the pseudo-terminal's master stays open here until the report is read: when the last
            # holder closes it, Linux hangs the terminal up and may drop what the emulator wrote
            # just before it exited (under load, its last lines)
            try:
                with open_port(port) as serial_port:
                    try:
                        return read_report(serial_port, timeout_s, stamps, alive=lambda: proc.poll() is None)
                    except BoardError:
                        if proc.poll() not in (None, 0):
                            raise BoardError(f"the emulated board failed: {proc.stderr.read().decode().strip()[-300:]}")
                        raise
            finally:
                proc.kill()
                proc.wait()
                os.close(master)
                os.close(slave)
