"""The `pyocd` flasher: an image programmed through a debug probe with pyOCD's Python API.

The probe is the nRF5340 DK's J-Link or any CMSIS-DAP probe (a Raspberry Pi Debug Probe on a
Pico's SWD header); the core is reset, and the report read from the board's console."""

from __future__ import annotations

import contextlib
import io
import tempfile

from ..errors import BoardError
from .chip import Chip
from .flashers import Flasher, register


@register
class PyOCD(Flasher):
    name = "pyocd"
    summary = "pyOCD over a debug probe (SWD)"

    def flash(self, image: bytes, settings: dict, chip: Chip) -> None:
        try:
            from pyocd.core.helpers import ConnectHelper
            from pyocd.flash.file_programmer import FileProgrammer
        except ImportError:
            raise BoardError("flashing with pyOCD needs pyOCD: pip install 'wasmcu[boards]'") from None
        target = settings["target"] or chip.pyocd_target
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # pyOCD prints "No connected debug probes"
                session = ConnectHelper.session_with_chosen_probe(blocking=False, unique_id=settings["probe"],
                                                                  target_override=target, auto_open=False)
        except Exception as exc:
            raise BoardError(f"pyOCD could not select a debug probe: {exc}") from None
        if session is None:
            raise BoardError("board not found: no debug probe is connected (pyOCD found none); connect the nRF5340 "
                             "DK's USB port (its J-Link) or a Debug Probe on the Pico's SWD header, or name a probe "
                             "with [board] probe / WASMCU_PROBE")
        check_target(target)
        raw = chip.flash_contents is not None  # the UF2 file's flash contents, as a binary (RP2040)
        with tempfile.NamedTemporaryFile(suffix=".bin" if raw else ".elf") as f:
            f.write(chip.flash_contents(image) if raw else image)
            f.flush()
            try:
                with session:
                    if raw:
                        FileProgrammer(session).program(f.name, file_format="bin", base_address=chip.flash_base)
                    else:
                        FileProgrammer(session).program(f.name)
                    session.target.reset()
            except Exception as exc:
                hint = (f"; pyOCD needs the device pack for {target!r}: pyocd pack install {target}"
                        if "target" in str(exc).lower() else "")
                raise BoardError(f"flashing with pyOCD failed: {exc}{hint}") from None


def check_target(target: str) -> None:
    """pyOCD has no built-in nRF5340 target: the name comes from Nordic's CMSIS device pack
    (NordicSemiconductor.nRF_DeviceFamilyPack), installed once with `pyocd pack install`."""
    try:
        from pyocd.target import TARGET
        from pyocd.target.pack.pack_target import ManagedPacks

        known = set(TARGET) | {t.part_number.lower() for t in ManagedPacks.get_installed_targets()}
    except Exception:  # an older pyOCD: let the session say what is wrong
        return
    if target.lower() not in known:
        raise BoardError(f"pyOCD does not know the target {target!r}: it has no built-in nRF5340 target; install "
                         f"Nordic's device pack once with `pyocd pack install {target}` (needs the internet), then "
                         "run again")
