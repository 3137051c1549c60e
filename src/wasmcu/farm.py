"""Boards in a labgrid farm: `wasmcu bench --place NAME[,NAME...]`.

labgrid's exporters publish the boards' serial ports (through ser2net, as RFC 2217 network
serial ports) to a coordinator; a *place* groups one board's resources. wasmcu acquires the
first of the named places that is free (labgrid's lock: nobody else can use the board
meanwhile), reads the board's serial port from the place's resources, runs the board cells
through it, and releases the place, also when the run fails or is interrupted.

Flashing still goes through the device profile's flasher: esptool flashes an ESP32-C6 through
the network serial port itself; a UF2 drive or a debug probe must be attached where wasmcu
runs (run wasmcu on the exporter's host, e.g. as a Dask worker holding the board's resource).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass

from .errors import WasmcuError

DEFAULT_COORDINATOR = "127.0.0.1:20408"  # labgrid's default


class FarmError(WasmcuError):
    """No place could be used; the message says which and why."""


@dataclass(frozen=True)
class Place:
    name: str
    coordinator: str
    serial_url: str      # what pyserial opens: rfc2217://host:port (the exporter's ser2net)


def coordinator_address(given: str | None) -> str:
    return given or os.environ.get("LG_COORDINATOR") or DEFAULT_COORDINATOR


def _client(coordinator: str, place: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """labgrid-client (labgrid's own command line: acquiring and releasing is its public interface)."""
    if importlib.util.find_spec("labgrid") is None:
        raise FarmError("a board farm needs labgrid: pip install 'wasmcu[farm]' (scripts/setup.sh installs it)")
    try:
        return subprocess.run([sys.executable, "-m", "labgrid.remote.client", "-x", coordinator, "-p", place, *args],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise FarmError(f"the labgrid coordinator at {coordinator} did not answer within {timeout:g} s") from None


def _serial_url(coordinator: str, place: str) -> str:
    """The place's serial port, from labgrid's own resource objects (a RemotePlace target)."""
    import tempfile

    from labgrid import Environment
    from labgrid.resource import NetworkSerialPort

    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        f.write(f"targets:\n  main:\n    resources:\n      RemotePlace:\n        name: {place}\n")
        f.flush()
        old = os.environ.get("LG_COORDINATOR")
        os.environ["LG_COORDINATOR"] = coordinator
        try:
            target = Environment(f.name).get_target("main")
            port = target.get_resource(NetworkSerialPort, wait_avail=False)
        except Exception as exc:
            raise FarmError(f"place {place!r} has no serial port: {exc} (add a match for the exporter's "
                            "RawSerialPort or USBSerialPort to the place)") from None
        finally:
            if old is None:
                os.environ.pop("LG_COORDINATOR", None)
            else:
                os.environ["LG_COORDINATOR"] = old
    if not port.avail:
        raise FarmError(f"place {place!r}: its serial port on {port.host} is not available (the exporter is down?)")
    # ser2net speaks RFC 2217; a pseudo-terminal or a USB bridge may not answer modem-control
    # requests, so their answers are not awaited (as labgrid's own serial driver does)
    return f"rfc2217://{port.host}:{port.port}?ign_set_control"


@contextlib.contextmanager
def place(names: list[str], coordinator: str | None = None):
    """Acquire the first free place of `names`; yield it; release it."""
    address = coordinator_address(coordinator)
    reasons = []
    for name in names:
        proc = _client(address, name, "acquire")
        if proc.returncode != 0:
            why = (proc.stderr or proc.stdout).strip().splitlines()
            reasons.append(f"{name}: {why[-1] if why else 'labgrid-client acquire failed'}")
            continue
        try:
            yield Place(name, address, _serial_url(address, name))
        finally:
            _client(address, name, "release")
        return
    raise FarmError(f"no place could be acquired from the coordinator at {address}: " + "; ".join(reasons)
                    + " (see `labgrid-client -x ADDRESS places`)")
