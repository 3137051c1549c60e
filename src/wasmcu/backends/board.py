"""The `board` backend: a real board on a serial port.

Jobs, as for the emulated boards: the firmware is built by the same code as QEMU's (the
chip's own memory map and UART instead of QEMU's board and semihosting); it is moved to
the board by a flasher; the firmware's report is read from the serial port and turned
into a result. The call into the kernel is timed by the chip's hardware timer, so the
time is *measured*; no energy is reported unless a power meter measured it: with a PPK2
([power.ppk2] in the profile, and one connected) the meter powers the board and records
while it is flashed and runs; the firmware idles before and after the kernel and drives a
marker GPIO during it, and the energy is that of the kernel's window in the trace.

The chip's facts (memory map, image format, start-up, console port) and its flashers live in
its folder under wasmcu/chips/; this backend picks them by the profile's `[board] chip` and
`[board] flasher` (or WASMCU_FLASHER) and orchestrates: build, image, flash and read (the
flasher's `run`), power trace, result.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from ..chips import CHIPS
from ..chips.console import check_port, find_port  # noqa: F401  (board_check uses them from here)
from ..chips.flashers import FLASHERS
from ..errors import BoardError, BuildError, ConfigError, ToolMissing, ToolTooOld
from ..measure import powertrace
from ..measure.ppk2 import MeterSettings, PowerMeter, PowerMeterError, find_ppk2, meter_settings
from ..model import OK, Draft, Result
from ..protocol import parse
from .base import Backend, RunContext
from .benefits import record_update_time
from .image import build_cell, build_opt
from .readout import apply_report, reported_error


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
    return CHIPS[chip].make_image(elf)


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
            res.fail("build-failed", f"build failed: {exc}")
            return res.freeze()
        res.extra.update(image_bytes=len(image), flasher=settings["flasher"])
        if CHIPS[settings["chip"]].image == "uf2":
            res.extra["uf2_bytes"] = len(image)
        res.provenance.update(board=settings)
        trace = None
        try:
            if FLASHERS[settings["flasher"]].uses_console and not settings["port"]:  # where the report will come from
                settings["port"], res.extra["port"] = find_port(settings["chip"])
            if meter:
                text, trace = _measure(device, meter, image, settings, ctx.timeout_s)
            else:
                text = flash_and_read(image, settings, ctx.timeout_s)
        except (BoardError, PowerMeterError) as exc:
            res.fail(exc.kind, str(exc))
            return res.freeze()
        report = parse(text.encode())
        if reported_error(res, report, fp, device):
            return res.freeze()
        if not report.ended or report.int("time_us") is None:
            res.fail("no-report", f"the board's report was incomplete: {text.strip()[-300:]!r}")
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
            res.fail("board", f"the board runs at {clock / 1e6:g} MHz, but {device.name} says "
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
    """Put the image on the board with its flasher and return what it printed up to `@wasmcu end`
    (each line's arrival time on the host's monotonic clock appended to `stamps` when given)."""
    return FLASHERS[settings["flasher"]].run(image, settings, CHIPS[settings["chip"]], timeout_s, stamps)


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

