"""A board's console: the serial port its firmware prints the line protocol on, found, opened and read."""

from __future__ import annotations

import time

from ..errors import BoardError
from .chip import Chip, get

BAUD = 115200


def open_port(port: str):
    """The serial port (a device, or a URL such as a farm's rfc2217://host:port), opened."""
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


def read_report(serial_port, timeout_s: float, stamps: list | None = None, alive=None) -> str:
    """Lines from the port until `@wasmcu end`; BoardError when the board goes silent first.
    With `stamps`, (host monotonic time, line) of each line of the report. With `alive` (an
    emulator's: False once it has ended), a silent port whose board has ended stops the wait."""
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
            if alive is not None and not alive():
                raise BoardError(f"the board ended without `@wasmcu end`{printed()}")
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


def find_port(chip: Chip | str) -> tuple[str, str]:
    """The serial port where the chip's firmware prints, and why that one (BoardError if none):
    a port of one of the chip's USB vendors that can carry its output (`Chip.unusable_port`),
    chosen by the chip's rule (`Chip.choose_port`), else the first."""
    from serial.tools import list_ports

    chip = get(chip) if isinstance(chip, str) else chip
    vids = chip.usb_vids
    found = [p for p in list_ports.comports() if p.vid in vids]
    usable = [p for p in found if not (chip.unusable_port and chip.unusable_port(p))]
    if found and not usable:
        raise BoardError(f"the only {chip.name} port connected ({found[0].device}) is {chip.unusable_port(found[0])}")
    if not usable:
        wanted = ", ".join(f"{what} (USB vendor {vid:04x})" for vid, what in vids.items())
        raise BoardError(f"board not found: no serial port of the {chip.name}'s kind is connected ({wanted}); "
                         "connect the board, or name its port with [board] port or WASMCU_BOARD_PORT")
    if chip.choose_port:
        return chip.choose_port(usable)
    port = usable[0]
    return port.device, f"{port.device}: {vids[port.vid]} ({port.description})"


def check_port(chip: Chip | str, port: str) -> None:
    """Refuse a named port that cannot carry the firmware's output (the ESP32-C6's USB-Serial-JTAG)."""
    chip = get(chip) if isinstance(chip, str) else chip
    if chip.unusable_port is None or "://" in port:
        return
    from serial.tools import list_ports

    for p in list_ports.comports():
        if p.device == port and (why := chip.unusable_port(p)):
            raise BoardError(f"{port} is {why}")
