"""`wasmcu board check --device BOARD`: a short bring-up self-test of a real board.

Each step says what it found and, when it fails, what to do:

1. port: the serial port where the firmware prints, found and chosen (and why that one);
2. build: the check's firmware image for the board's chip;
3. first flash: the image flashed and its report received, from the banner to `end=1`, with
   the kernel's checksum right and the CPU clock the firmware set up the profile's;
4. cycles vs timer: the cycle counter against the chip's timer over the same call (their
   ratio is the CPU clock);
5. second flash: a second image flashed without touching the board (the Pico back in BOOTSEL,
   the nRF5340's debug port still open, the ESP32-C6's ROM loader reachable); that image busies
   the CPU for `busy_s` seconds around a short call, so that
6. watchdog: no watchdog resets the board during the busy run, and
7. clock vs host: the chip's timer agrees with the host's clock over those seconds.

In rp2040js (flasher `rp2040js`), time is simulated and there is no boot ROM: steps 5 to 7
are skipped, saying why.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from .backends.board import BoardError, board_settings, check_port, chip_image, find_port, flash_and_read
from .backends.image import build_image, build_opt
from .errors import WasmcuError
from .protocol import parse
from .workloads.kernel_source import kernel_source

OK, FAIL, SKIP = "ok", "fail", "skip"
WORKLOAD = ("crc16", 1000)  # a call of a few ms: within one wrap of the Pico's 24-bit SysTick at 125 MHz
CLOCK_TOLERANCE = 0.01      # cycles / time against the profile's clock
HOST_TOLERANCE = 0.002      # the chip's timer against the host's over the busy run (a crystal: tens of ppm)

FIRST_FLASH_FIX = {
    "rp2040": "UART0 is GPIO0 (TX) / GPIO1 (RX) at 115200 8N1: wire GPIO0 to the adapter's RX; for a BOOTSEL drive, "
              "hold BOOTSEL while plugging the Pico in",
    "esp32c6": "use the board's USB-UART port (not USB-Serial-JTAG); if esptool cannot connect, hold BOOT and press "
               "RESET",
    "nrf5340": "install pyOCD's nRF5340 target once (pyocd pack install nrf5340_xxaa_app); a locked debug port needs "
               "`pyocd erase --chip -t nrf5340_xxaa_app` once",
}
SECOND_FLASH_FIX = {
    "rp2040": "the Pico did not come back as a BOOTSEL drive after the first run (the firmware enters the boot ROM's "
              "USB boot when it ends): check that the run ended, or press BOOTSEL and reset",
    "esp32c6": "the ROM loader did not answer after the first run: check the USB-UART bridge's DTR/RTS auto-reset",
    "nrf5340": "the debug port locked after the first run: the firmware copies UICR.APPROTECT to CTRL-AP at boot; "
               "recover once with `pyocd erase --chip -t nrf5340_xxaa_app`",
}


@dataclass
class Step:
    name: str
    status: str
    detail: str
    fix: str | None = None


def check(device, *, busy_s: float = 10.0, timeout_s: float = 60.0, log=None) -> list[Step]:
    """Run the steps on `device` (a real board's profile); `log(step)` is called as each ends."""
    steps: list[Step] = []

    def add(step: Step) -> Step:
        steps.append(step)
        if log:
            log(step)
        return step

    if device.backend != "board":
        raise WasmcuError(f"{device.name} is not a real board (backend {device.backend!r}): board check needs a "
                          "*-board profile, e.g. pico-board")
    settings = board_settings(device)
    chip, emulated = settings["chip"], settings["flasher"] == "rp2040js"
    # 1. port
    if emulated:
        add(Step("port", OK, "the emulated Pico's UART0 on a pseudo-terminal (flasher rp2040js)"))
    else:
        try:
            if settings["port"]:
                check_port(chip, settings["port"])
                add(Step("port", OK, f"{settings['port']} (named by [board] port or WASMCU_BOARD_PORT)"))
            else:
                settings["port"], why = find_port(chip)
                add(Step("port", OK, why))
        except BoardError as exc:
            add(Step("port", FAIL, str(exc), "connect the board, or name its port with [board] port"))
            return steps
    # 2. build
    from . import workloads

    wl = workloads.discover()[WORKLOAD[0]]
    expected = wl.expected(WORKLOAD[1])
    opt = build_opt(device, "o2")
    try:
        kernel = kernel_source(wl, WORKLOAD[1], "c")
        first = chip_image(chip, build_image("native", kernel, device, opt, chip=chip)[0])
        busy = chip_image(chip, build_image("native", kernel, device, opt, chip=chip,
                                            defines=[f"-DWASMCU_IDLE_MS={round(busy_s * 500)}"])[0])
    except WasmcuError as exc:
        add(Step("build", FAIL, str(exc), "run `wasmcu doctor` for the missing toolchain"))
        return steps
    add(Step("build", OK, f"{chip} firmware: native {WORKLOAD[0]}:{WORKLOAD[1]}, {len(first):,} bytes to flash"))
    # 3. first flash
    try:
        t0 = time.monotonic()
        report = parse(flash_and_read(first, settings, timeout_s).encode())
        took = time.monotonic() - t0
    except BoardError as exc:
        add(Step("first flash", FAIL, str(exc), FIRST_FLASH_FIX[chip]))
        return steps
    error, checksum, clock = report.fields.get("error"), report.int("checksum"), report.int("clock_hz")
    if error or checksum != expected:
        add(Step("first flash", FAIL, f"the board reported {error or f'checksum {checksum}, not {expected}'}",
                 "a bring-up error names the status bit that never came: see the board's page in the docs"))
        return steps
    if clock != device.clock_hz:
        add(Step("first flash", FAIL, f"the firmware runs the CPU at {clock} Hz, the profile says {device.clock_hz}",
                 "fix [clock] default_hz in the profile, or see why the firmware's clock set-up fell back"))
        return steps
    add(Step("first flash", OK, f"banner and report in {took:.1f} s, checksum {checksum} as expected, CPU at "
                                f"{clock / 1e6:g} MHz"))
    # 4. cycles vs timer
    cycles, time_us = report.int("cycles"), report.int("time_us")
    if cycles is None or not time_us:
        add(Step("cycles vs timer", SKIP, f"the {chip}'s firmware reports no cycle count for this call"))
    else:
        mhz = cycles / time_us
        off = mhz * 1e6 / device.clock_hz - 1
        tolerance = max(CLOCK_TOLERANCE, 2 / time_us)  # the timer's 1 us resolution at both ends
        line = (f"{cycles:,} cycles in {time_us:,} us: {mhz:.2f} MHz against the profile's "
                f"{device.clock_hz / 1e6:g} MHz ({off * 100:+.2f} %)")
        add(Step("cycles vs timer", OK if abs(off) <= tolerance else FAIL, line,
                 None if abs(off) <= tolerance else "the cycle counter or the timer runs from another clock than "
                                                    "the profile says: compare clock_hz with the profile"))
    # 5.-7. second flash, a busy run
    if emulated:
        add(Step("second flash", SKIP, "rp2040js has no boot ROM: the return to BOOTSEL cannot be checked"))
        add(Step("watchdog", SKIP, "rp2040js models no watchdog reset"))
        add(Step("clock vs host", SKIP, "rp2040js's time is simulated (8 ns per cycle), not the host's"))
        return steps
    stamps: list = []
    try:
        text = flash_and_read(busy, settings, busy_s * 1.5 + timeout_s, stamps)
    except BoardError as exc:
        restarted = "stopped talking" in str(exc)
        add(Step("second flash", FAIL, str(exc), SECOND_FLASH_FIX[chip]))
        if restarted:
            add(Step("watchdog", FAIL, "no report after the busy run",
                     "the board restarted or hung during the busy run: a watchdog may still be armed"))
        return steps
    report = parse(text.encode())
    add(Step("second flash", OK, "flashed again without touching the board"))
    if report.fields.get("error") or report.int("checksum") != expected:
        add(Step("watchdog", FAIL, f"the busy run reported {report.fields.get('error') or report.int('checksum')}",
                 "the board restarted during the busy run: a watchdog is still armed"))
        return steps
    add(Step("watchdog", OK, f"no reset during {busy_s:g} s of busy CPU"))
    arrived = {line.split("=", 1)[0].removeprefix("@wasmcu "): at for at, line in stamps}
    host_s = arrived.get("time_us", 0) - arrived.get("runtime", 0)
    board_s = (report.int("time_us") or 0) / 1e6 + busy_s  # the idle before and after the call, by the chip's timer
    off = host_s / board_s - 1 if board_s else 0
    # the report's lines travel at 115200 baud: a line of 60 characters is 5 ms late at most
    tolerance = max(HOST_TOLERANCE, 0.01 / board_s)
    add(Step("clock vs host", OK if abs(off) <= tolerance else FAIL,
             f"{board_s:.3f} s by the chip's timer, {host_s:.3f} s by the host's ({off * 1e6:+.0f} ppm)",
             None if abs(off) <= tolerance else "the chip's timer does not run at its stated rate: is its crystal "
                                                "running (a bring-up error would say), and the timer's rate right?"))
    return steps


def summary(steps: list[Step]) -> str:
    counts = {s: sum(1 for st in steps if st.status == s) for s in (OK, FAIL, SKIP)}
    return f"board check: {counts[OK]} ok, {counts[FAIL]} failed, {counts[SKIP]} skipped"


def to_json(device, steps: list[Step]) -> dict:
    return {"device": device.name, "ok": not any(s.status == FAIL for s in steps), "steps": [asdict(s) for s in steps]}
