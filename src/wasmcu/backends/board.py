"""The `board` backend: a real board on a serial port.

Jobs, as for the emulated boards: the firmware is built by the same code as QEMU's (the
chip's own memory map and UART instead of QEMU's board and semihosting); it is moved to
the board by a flasher; the firmware's report is read from the serial port and turned
into a result. The call into the kernel is timed by the chip's hardware timer, so the
time is *measured*; no energy is reported unless a power meter measured it: with a PPK2
([power.ppk2] in the profile, and one connected) the meter powers the board and records
while it is flashed and runs; the firmware idles before and after the kernel and drives a
marker GPIO during it, and the energy is that of the kernel's window in the trace.

Flashers (`[board] flasher` in the device profile, or WASMCU_FLASHER):

- `uf2-drive`: the UF2 file copied to the RP2040's BOOTSEL drive (a mounted volume with
  INFO_UF2.TXT; WASMCU_UF2_DRIVE names it, else it is looked for under /media and /run/media).
- `picotool`: `picotool load -x` (Raspberry Pi's tool, when installed).
- `pyocd` (RP2040 too): over SWD through a Raspberry Pi Debug Probe, the Pico's USB unplugged:
  the flasher to use with a PPK2, which then powers the board alone.
- `rp2040js`: no board: the image runs in the rp2040js emulator, whose UART0 is a
  pseudo-terminal; the rest of the path (serial port, protocol) is the real one.
- `esptool` (ESP32-C6): esptool's Python API writes the image at flash offset 0 through the
  chip's ROM loader on the board's serial port, resets the chip and reads that same port.
- `pyocd` (nRF5340): pyOCD's Python API programs the ELF through the board's debug probe
  (the DK's J-Link, or any CMSIS-DAP probe) and resets the core; the report is read from the
  probe's virtual COM port.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .. import tools
from ..chips import CHIPS
from ..errors import BuildError, ConfigError, ToolMissing, ToolTooOld, WasmcuError
from ..measure import powertrace
from ..measure.ppk2 import MeterSettings, PowerMeter, PowerMeterError, find_ppk2, meter_settings
from ..model import ERROR, OK, Draft, Result
from ..protocol import parse
from ..toolchains.uf2 import pico_uf2
from .base import Backend, RunContext
from .benefits import record_update_time
from .image import build_cell, build_opt
from .readout import apply_report, reported_error

RUNNER = Path(__file__).resolve().parent / "rp2040js_board.js"
BAUD = 115200


class BoardError(WasmcuError):
    """The board could not be found, flashed or read; the message says which and what to do."""


def board_settings(device) -> dict:
    b = device.section("board")
    chip = b.get("chip")
    if chip not in CHIPS:
        raise ConfigError(f"unknown chip {chip!r}", file=device.file, field="board.chip", expected=" or ".join(CHIPS))
    if CHIPS[chip].arch != device.arch:
        raise ConfigError(f"chip {chip!r} is {CHIPS[chip].arch}, the profile says arch = {device.arch!r}",
                          file=device.file, field="arch", expected=repr(CHIPS[chip].arch))
    flasher = os.environ.get("WASMCU_FLASHER") or b.get("flasher", CHIPS[chip].flashers[0])
    if flasher not in CHIPS[chip].flashers:
        raise ConfigError(f"flasher {flasher!r} cannot flash the {chip}", file=device.file, field="board.flasher",
                          expected=" or ".join(CHIPS[chip].flashers))
    return {"chip": chip, "flasher": flasher, "port": os.environ.get("WASMCU_BOARD_PORT") or b.get("port"),
            "probe": os.environ.get("WASMCU_PROBE") or b.get("probe"), "target": b.get("target")}


def chip_image(chip: str, elf: Path) -> bytes:
    """What the chip's flasher writes: a UF2 file (RP2040, with wasmcu's second-stage boot), an
    image for the ESP32-C6's ROM loader (esptool's elf2image), or the ELF itself (pyOCD)."""
    kind = CHIPS[chip].image
    if kind == "uf2":
        return pico_uf2(elf)
    if kind == "esp":
        return esp_image(elf)
    return Path(elf).read_bytes()


def esp_image(elf: Path) -> bytes:
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


class BoardBackend(Backend):
    name = "board"

    def unsupported_reason(self, runtime, device):
        from .qemu import QemuBackend

        return QemuBackend().unsupported_reason(runtime, device)

    def run_cell(self, cell, workload, device, ctx: RunContext) -> Result:
        res = Draft(cell=cell, backend=self.name)
        settings = board_settings(device)
        if ctx.place is not None:  # a farm's board: its serial port is the place's
            settings.update(port=ctx.place.serial_url, place=ctx.place.name)
        meter, why_not = power_meter(device, settings["flasher"])
        defines = [f"-DWASMCU_MARKER_GPIO={meter.marker_gpio}", f"-DWASMCU_IDLE_MS={meter.idle_ms}"] if meter else []
        built = build_cell(res, workload, device, build_opt(device, cell.build), chip=settings["chip"],
                           defines=defines, runtime_share=False)
        if built is None:
            return res.freeze()
        elf, fp = built
        try:
            image = chip_image(settings["chip"], elf)
        except (BuildError, ToolMissing, ToolTooOld) as exc:
            res.status, res.error = ERROR, f"build failed: {exc}"
            return res.freeze()
        res.extra.update(image_bytes=len(image), flasher=settings["flasher"])
        if CHIPS[settings["chip"]].image == "uf2":
            res.extra["uf2_bytes"] = len(image)
        res.provenance.update(board=settings)
        trace = None
        try:
            if settings["flasher"] != "rp2040js" and not settings["port"]:  # where the report will come from
                settings["port"], res.extra["port"] = find_port(settings["chip"])
            if meter:
                text, trace = _measure(device, meter, image, settings, ctx.timeout_s)
            else:
                text = flash_and_read(image, settings, ctx.timeout_s)
        except (BoardError, PowerMeterError) as exc:
            res.status, res.error = ERROR, str(exc)
            return res.freeze()
        report = parse(text.encode())
        if reported_error(res, report, fp, device):
            return res.freeze()
        if not report.ended or report.int("time_us") is None:
            res.status, res.error = ERROR, f"the board's report was incomplete: {text.strip()[-300:]!r}"
            return res.freeze()
        res.time_us, res.time_kind = float(report.int("time_us")), "measured"
        if report.int("load_us") is not None:  # load and instantiation, timed by the chip's timer
            res.load_us = float(report.int("load_us"))
        if not apply_report(res, report, fp):
            return res.freeze()
        chip = CHIPS[settings["chip"]]
        res.extra.update(timer=chip.timer, time_resolution_us=chip.timer_resolution_us)
        # the clock the firmware set up, as it reports it: the result states it, and a board that
        # runs at another clock than its profile says is not measured against that profile
        clock = report.int("clock_hz")
        res.extra.update(clock_hz=clock or device.clock_hz,
                         clock_source="set up and reported by the firmware" if clock else "the profile's")
        if clock and clock != device.clock_hz:
            res.status, res.error = ERROR, (f"the board runs at {clock / 1e6:g} MHz, but {device.name} says "
                                            f"{device.clock_hz / 1e6:g} MHz: fix [clock] default_hz in its profile")
            return res.freeze()
        cycles, bits = report.int("cycles"), report.int("cycles_bits") or 32
        # a narrow counter (SysTick's 24 bits) counts the call only if it did not wrap meanwhile
        if cycles is not None and res.time_us * device.clock_hz / 1e6 < 0.95 * 2 ** bits:
            res.cycles, res.cycles_kind = cycles, "measured cycles"
        if trace is not None:
            _energy(res, trace, meter, cell, ctx)
        elif why_not:
            res.extra["energy_note"] = why_not
        record_update_time(res, device, ctx.link)
        res.status = OK
        return res.freeze()


# A Pico powered by a PPK2 must draw nothing from its USB connector, so it is flashed over SWD
# (a Raspberry Pi Debug Probe, pyOCD's built-in rp2040 target) with its USB unplugged: the
# meter powers VSYS while the image is written and while it runs. A BOOTSEL drive or picotool
# needs the USB connector, which powers the board too (VBUS feeds VSYS through the Pico's
# Schottky diode, Pico Datasheet 4.5).
PICO_PPK2 = ("energy not measured: a Pico measured by a PPK2 is powered by the meter alone, so it is flashed over "
             "SWD: set [board] flasher = \"pyocd\" (a Raspberry Pi Debug Probe on the SWD header, its UART on "
             "GPIO0/1) and unplug the Pico's USB")


def power_meter(device, flasher: str | None = None) -> tuple[MeterSettings | None, str | None]:
    """The PPK2 settings when the profile wires one ([power.ppk2]) and one is connected (or its
    port is named); else None and why no energy is measured."""
    if "ppk2" not in device.section("power"):
        return None, None
    if device.section("board").get("chip") == "rp2040" and flasher in ("uf2-drive", "picotool"):
        return None, PICO_PPK2
    s = meter_settings(device)
    if s.port is None and not find_ppk2():
        return None, "no PPK2 connected: energy not measured (the profile has [power.ppk2])"
    return s, None


def _measure(device, meter: MeterSettings, image: bytes, settings: dict, timeout_s: float):
    """Flash and read the board while the PPK2 powers it and records its current."""
    with PowerMeter.for_device(device) as ppk2:
        ppk2.start(power_on=True)
        try:
            text = flash_and_read(image, settings, timeout_s)
        except BaseException:
            ppk2.stop()
            raise
        return text, ppk2.stop()  # the board is powered off when the meter closes


def _energy(res: Draft, trace, meter: MeterSettings, cell, ctx) -> None:
    """Energy of the kernel's window: the last window in the trace (earlier ones can be a
    previous program's run before flashing), checked against the firmware's timer."""
    try:
        analysis = powertrace.analyse(trace, meter.method, channel=meter.marker_channel)
    except powertrace.EnergyAnalysisError as exc:
        res.extra["energy_error"] = f"no energy: {exc}"
        return
    if not analysis.windows:
        res.extra["energy_error"] = (f"no energy: no {meter.method} window in the {trace.duration_s:.2f} s trace "
                                     f"(is the marker GPIO {meter.marker_gpio} wired to logic input "
                                     f"D{meter.marker_channel}?)")
        return
    analysis.windows = analysis.windows[-1:]
    window_us, timer_us = analysis.windows[0].time_us, res.time_us
    tolerance = max(3e6 / trace.rate_hz, 0.05 * timer_us)
    res.extra.update(energy_window_us=window_us)
    ref = powertrace.store_trace(trace, ctx.db_path, cell.key, analysis) if ctx.db_path else None
    if ref:
        res.extra["power_trace"] = ref
    if abs(window_us - timer_us) > tolerance:
        res.extra["energy_error"] = (f"no energy: the {meter.method} window lasts {window_us:,.0f} µs but the "
                                     f"firmware's timer measured {timer_us:,.0f} µs (the window is not this run's)")
        return
    res.energy_uj, res.energy_kind, extra = powertrace.result_fields(analysis.summary(), ref)
    res.extra.update(extra)


def flash_and_read(image: bytes, settings: dict, timeout_s: float, stamps: list | None = None) -> str:
    """Put the image on the board and return what it printed up to `@wasmcu end` (each line's
    arrival time on the host's monotonic clock appended to `stamps` when given)."""
    flasher = settings["flasher"]
    if flasher == "rp2040js":
        return _run_rp2040js(image, timeout_s, stamps)
    port = settings["port"] or find_port(settings["chip"])[0]
    check_port(settings["chip"], port)
    if flasher == "esptool":  # the ROM loader and the firmware share the chip's one serial port
        return _esptool(image, port, timeout_s, stamps)
    with _open_port(port) as serial_port:
        serial_port.reset_input_buffer()
        if flasher == "picotool":
            _picotool(image)
        elif flasher == "pyocd":
            _pyocd(image, settings)
        else:
            _copy_to_drive(image)
        return read_report(serial_port, timeout_s, stamps)


def _open_port(port: str):
    import serial

    try:
        if "://" in port:  # a network serial port (a farm's ser2net: rfc2217://host:port)
            return serial.serial_for_url(port, BAUD, timeout=0.5)
        return serial.Serial(port, BAUD, timeout=0.5, exclusive=True)
    except serial.SerialException as exc:
        busy = "busy" in str(exc).lower() or "lock" in str(exc).lower()
        raise BoardError(f"cannot open the board's serial port {port}: {exc}"
                         + ("; another program holds it (close it and run again)" if busy else
                            "; check the cable, or set [board] port / WASMCU_BOARD_PORT")) from None


def read_report(serial_port, timeout_s: float, stamps: list | None = None) -> str:
    """Lines from the port until `@wasmcu end`; BoardError when the board goes silent first.
    With `stamps`, (host monotonic time, line) of each line of the report."""
    deadline = time.monotonic() + timeout_s
    lines: list[str] = []

    def printed() -> str:
        return f"; it printed: {' / '.join(lines)[-300:]!r}" if lines else " (nothing was received)"

    while time.monotonic() < deadline:
        try:
            raw = serial_port.readline()
        except Exception as exc:  # the port vanished: the board reset or was unplugged
            raise BoardError(f"the board's serial port failed ({exc}){printed()}") from None
        if not raw:
            continue
        line = raw.decode(errors="replace").rstrip("\r\n")
        if line.startswith("@wasmcu runtime="):
            lines = []  # the board (re)started: what came before is from an earlier run
            if stamps is not None:
                stamps.clear()
        lines.append(line)
        if stamps is not None:
            stamps.append((time.monotonic(), line))
        if line.startswith("@wasmcu end"):
            return "\n".join(lines) + "\n"
    raise BoardError(f"the board stopped talking: no `@wasmcu end` within {timeout_s:g} s{printed()}")


# The ESP32-C6's own USB-Serial-JTAG (Espressif's USB vendor 303a, product 1001): it carries the
# ROM loader but not UART0, where the firmware prints.
USB_SERIAL_JTAG = (0x303A, 0x1001)
ESP_UART0 = ("the firmware prints on UART0 (U0TXD = GPIO16, U0RXD = GPIO17), which the USB-Serial-JTAG port does "
             "not carry: connect the board's USB-UART connector (a CP210x or CH34x bridge, often marked UART), or a "
             "USB-serial adapter on GPIO16/17, and name its port with [board] port or WASMCU_BOARD_PORT")


def _interface(port) -> int:
    """The USB interface number of a serial port (pyserial's location ends in ':<config>.<interface>')."""
    try:
        return int(str(port.location).rsplit(".", 1)[1])
    except (IndexError, ValueError):
        return 0


def find_port(chip: str) -> tuple[str, str]:
    """The serial port where the chip's firmware prints, and why that one (BoardError if none):
    - ESP32-C6: a USB-UART bridge's port, never the chip's USB-Serial-JTAG (refused, saying why);
    - nRF5340 DK: its J-Link exposes two or three virtual COM ports and the application core's
      UARTE0 is the last one (nRF Connect SDK, Working with the nRF5340 DK: v1.0.0 has three, the
      first for the network core, the last for the application core; v2.0.0 has two, the second
      for the application core's UART0): the highest USB interface of the probe;
    - RP2040: the first Raspberry Pi USB serial port (a Debug Probe's UART)."""
    from serial.tools import list_ports

    vids = CHIPS[chip].usb_vids
    found = [p for p in list_ports.comports() if p.vid in vids]
    usable = [p for p in found if (p.vid, p.pid) != USB_SERIAL_JTAG]
    if found and not usable:
        raise BoardError(f"the only {chip} port connected is its USB-Serial-JTAG ({found[0].device}): {ESP_UART0}")
    if not usable:
        wanted = ", ".join(f"{what} (USB vendor {vid:04x})" for vid, what in vids.items())
        raise BoardError(f"board not found: no serial port of the {chip}'s kind is connected ({wanted}); connect "
                         "the board, or name its port with [board] port or WASMCU_BOARD_PORT")
    if chip == "nrf5340":
        probe = [p for p in usable if p.serial_number == usable[0].serial_number]
        port = max(probe, key=_interface)
        return port.device, (f"{port.device}: the last of the {len(probe)} virtual COM ports of probe "
                             f"{port.serial_number or '?'} (the application core's UARTE0)")
    port = usable[0]
    return port.device, f"{port.device}: {vids[port.vid]} ({port.description})"


def check_port(chip: str, port: str) -> None:
    """Refuse a named port that cannot carry the firmware's output (the ESP32-C6's USB-Serial-JTAG)."""
    if chip != "esp32c6" or "://" in port:
        return
    from serial.tools import list_ports

    for p in list_ports.comports():
        if p.device == port and (p.vid, p.pid) == USB_SERIAL_JTAG:
            raise BoardError(f"{port} is the ESP32-C6's USB-Serial-JTAG port: {ESP_UART0}")


def _esptool(image: bytes, port: str, timeout_s: float, stamps: list | None = None) -> str:
    """Write the image at flash offset 0 with esptool's API, reset the chip, read its report."""
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


def _pyocd(image: bytes, settings: dict) -> None:
    """Program the ELF through the debug probe with pyOCD's API and reset the core."""
    try:
        from pyocd.core.helpers import ConnectHelper
        from pyocd.flash.file_programmer import FileProgrammer
    except ImportError:
        raise BoardError("flashing with pyOCD needs pyOCD: pip install 'wasmcu[boards]'") from None
    target = settings["target"] or PYOCD_TARGETS[settings["chip"]]
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # pyOCD prints "No connected debug probes"
            session = ConnectHelper.session_with_chosen_probe(blocking=False, unique_id=settings["probe"],
                                                              target_override=target, auto_open=False)
    except Exception as exc:
        raise BoardError(f"pyOCD could not select a debug probe: {exc}") from None
    if session is None:
        raise BoardError("board not found: no debug probe is connected (pyOCD found none); connect the nRF5340 DK's "
                         "USB port (its J-Link) or a Debug Probe on the Pico's SWD header, or name a probe with "
                         "[board] probe / WASMCU_PROBE")
    _check_pyocd_target(target)
    uf2 = CHIPS[settings["chip"]].image == "uf2"  # the RP2040: the UF2 file's flash contents, as a binary
    with tempfile.NamedTemporaryFile(suffix=".bin" if uf2 else ".elf") as f:
        f.write(_uf2_flash_contents(image) if uf2 else image)
        f.flush()
        try:
            with session:
                if uf2:
                    FileProgrammer(session).program(f.name, file_format="bin", base_address=0x10000000)
                else:
                    FileProgrammer(session).program(f.name)
                session.target.reset()
        except Exception as exc:
            hint = (f"; pyOCD needs the device pack for {target!r}: pyocd pack install {target}"
                    if "target" in str(exc).lower() else "")
            raise BoardError(f"flashing with pyOCD failed: {exc}{hint}") from None


# pyOCD's name of each chip it can program: rp2040 is built in; nrf5340_xxaa_app comes from
# Nordic's CMSIS device pack
PYOCD_TARGETS = {"rp2040": "rp2040", "nrf5340": "nrf5340_xxaa_app"}


def _uf2_flash_contents(image: bytes) -> bytes:
    """The bytes a UF2 file writes from the start of the RP2040's flash (gaps filled with 0xFF)."""
    from ..toolchains.uf2 import FLASH, read_uf2

    blocks = read_uf2(image)
    end = max(addr + len(data) for addr, data in blocks)
    out = bytearray(b"\xff" * (end - FLASH))
    for addr, data in blocks:
        out[addr - FLASH:addr - FLASH + len(data)] = data
    return bytes(out)


def _check_pyocd_target(target: str) -> None:
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


def _picotool(image: bytes) -> None:
    picotool = shutil.which("picotool")
    if picotool is None:
        raise BoardError("picotool was not found: install it, or use flasher = \"uf2-drive\"")
    with tempfile.NamedTemporaryFile(suffix=".uf2") as f:
        f.write(image)
        f.flush()
        proc = subprocess.run([picotool, "load", "-x", f.name], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise BoardError(f"flashing with picotool failed: {(proc.stderr or proc.stdout).strip()[-300:]} (hold BOOTSEL "
                         "while plugging the Pico in)")


# After a run the Pico returns to the boot ROM's USB boot by itself (chips/rp2040.c): its drive
# re-enumerates and is mounted again within a few seconds, so the next flash waits for it.
DRIVE_WAIT_S = 15.0


def _bootsel_drive() -> Path | None:
    drive = os.environ.get("WASMCU_UF2_DRIVE")
    candidates = [Path(drive)] if drive else [p.parent for root in ("/media", "/run/media")
                                              for p in Path(root).glob("**/INFO_UF2.TXT")]
    return candidates[0] if candidates and (candidates[0] / "INFO_UF2.TXT").is_file() else None


def _copy_to_drive(image: bytes, wait_s: float | None = None) -> None:
    deadline = time.monotonic() + (DRIVE_WAIT_S if wait_s is None else wait_s)
    while (drive := _bootsel_drive()) is None and time.monotonic() < deadline:
        time.sleep(0.25)
    if drive is None:
        raise BoardError("board not found: no RP2040 BOOTSEL drive (a volume with INFO_UF2.TXT) is mounted; hold "
                         "BOOTSEL while plugging the Pico in, or set WASMCU_UF2_DRIVE")
    candidates = [drive]
    try:
        (candidates[0] / "wasmcu.uf2").write_bytes(image)
    except OSError as exc:
        raise BoardError(f"flashing failed: copying the UF2 file to {candidates[0]}: {exc.strerror}") from None


def _run_rp2040js(image: bytes, timeout_s: float, stamps: list | None = None) -> str:
    """The image in rp2040js, its UART0 on a pseudo-terminal read as a serial port."""
    from ..rp2040js import rp2040js_dir

    node = tools.require("node")
    master, slave = os.openpty()
    import tty

    tty.setraw(slave)
    port = os.ttyname(slave)
    with tempfile.TemporaryDirectory(prefix="wasmcu-pico-") as tmp:
        uf2 = Path(tmp) / "image.uf2"
        uf2.write_bytes(image)
        proc = subprocess.Popen([node, str(RUNNER), str(rp2040js_dir()), str(uf2), str(int(timeout_s * 125e6))],
                                stdout=master, stderr=subprocess.PIPE)
        os.close(master)
        try:
            with _open_port(port) as serial_port:
                try:
                    return read_report(serial_port, timeout_s, stamps)
                except BoardError:
                    if proc.poll() not in (None, 0):
                        raise BoardError(f"the emulated board failed: {proc.stderr.read().decode().strip()[-300:]}")
                    raise
        finally:
            proc.kill()
            proc.wait()
            os.close(slave)


def doctor_lines() -> list[str]:
    """Connected boards and probes, for `wasmcu doctor`."""
    try:
        from serial.tools import list_ports
    except ImportError:
        return ["serial ports: pyserial is not installed"]
    known = {vid: f"{what} ({chip})" for chip, c in CHIPS.items() for vid, what in c.usb_vids.items()}
    known[0x1915] = "Nordic (PPK2)"
    lines = [f"serial port {p.device}: {known[p.vid]} {p.description}" for p in list_ports.comports() if p.vid in known]
    lines = lines or ["connected boards: none found (no serial port of a known vendor)"]
    try:
        from pyocd.probe.aggregator import DebugProbeAggregator

        with contextlib.redirect_stdout(io.StringIO()):
            probes = DebugProbeAggregator.get_all_connected_probes()
        lines += [f"debug probe {p.unique_id}: {p.vendor_name} {p.product_name} (pyOCD)" for p in probes] or \
            ["debug probes: none found by pyOCD (the nRF5340 DK's J-Link is one)"]
    except Exception as exc:  # pyOCD missing, or no USB access
        lines.append(f"debug probes: not listed ({type(exc).__name__}: {exc})"[:160])
    return lines

