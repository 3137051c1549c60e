"""The ESP32-C6's image for its ROM loader (esptool's elf2image) and its flasher, `esptool`.

The image is written at flash offset 0 through the ROM loader on the board's serial port, the
chip reset, and that same port read."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from ...errors import BoardError, BuildError, ToolMissing
from ..chip import Chip
from ..console import read_report
from ..flashers import Flasher, register


def esp_image(elf: Path) -> bytes:
    """The image for the ESP32-C6's ROM loader (esptool's elf2image)."""
    try:
        from esptool.cmds import elf2image
    except ImportError:
        raise ToolMissing("the ESP32-C6 image needs esptool: pip install 'wasmcu[boards]' (scripts/setup.sh installs "
                          "it)") from None
    with tempfile.TemporaryDirectory(prefix="wasmcu-esp-") as tmp, quiet():
        out = Path(tmp) / "image.bin"
        # program headers (load addresses): .data's initial values where crt0 copies them from
        elf2image(str(elf), "esp32c6", output=str(out), flash_mode="dio", flash_freq="40m", flash_size="4MB",
                  use_segments=True)
        return out.read_bytes()


@contextlib.contextmanager
def quiet():
    """esptool reports progress on stdout, which is wasmcu's (--json): kept for an error's message."""
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            yield
    except Exception as exc:
        raise BuildError(f"making the ESP32-C6 image: {exc} (esptool said: {buf.getvalue().strip()[-300:]})") from None


@register
class Esptool(Flasher):
    name = "esptool"
    summary = "esptool's Python API through the ROM loader on the board's serial port"

    def run(self, image: bytes, settings: dict, chip: Chip, timeout_s: float, stamps: list | None = None) -> str:
        """The ROM loader and the firmware share the chip's one serial port: write the image at
        flash offset 0 with esptool's API, reset the chip, read its report on that port."""
        from ..console import check_port, find_port

        port = settings["port"] or find_port(chip)[0]
        check_port(chip, port)
        try:
            from esptool.cmds import attach_flash, detect_chip, reset_chip, run_stub, write_flash
        except ImportError:
            raise BoardError("flashing the ESP32-C6 needs esptool: pip install 'wasmcu[boards]'") from None
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                esp = detect_chip(port, connect_attempts=3)
        except Exception as exc:  # esptool raises FatalError or serial errors with its own advice
            raise BoardError(f"cannot reach the ESP32-C6's ROM loader on {port}: {exc}") from None
        try:
            if esp.CHIP_NAME != "ESP32-C6":
                raise BoardError(f"the chip on {port} is an {esp.CHIP_NAME}, not an ESP32-C6: check [board] port")
            with contextlib.redirect_stdout(io.StringIO()):
                esp = run_stub(esp)
                attach_flash(esp)
                write_flash(esp, [(0, image)])
                esp._port.reset_input_buffer()
                reset_chip(esp, "hard-reset")
            return read_report(esp._port, timeout_s, stamps)
        except BoardError:
            raise
        except Exception as exc:
            raise BoardError(f"flashing the ESP32-C6 with esptool failed: {exc}") from None
        finally:
            esp._port.close()
