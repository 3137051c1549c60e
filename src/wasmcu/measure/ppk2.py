"""Measured energy: a Nordic Power Profiler Kit II (PPK2) driven as a source meter, recording a current trace.

The PPK2 powers the board from its VOUT pin at the profile's voltage and streams 100,000
samples a second over USB serial, 4 bytes each (decoded by :mod:`.ppk2_stream`).

Commands and the calibration metadata go through ppk2-api (`ppk2_api.ppk2_api.PPK2_API`).
The samples are not parsed in Python one by one, which could not keep up: a process of our
own (ppk2_drain.py: no thread of the measuring program can starve it of the GIL) drains the
port into a file, and `stop()` converts the bytes with numpy (ppk2_stream: ppk2-api's
calibration formula and its spike filter, vectorised and checked against ppk2-api's own
parser by the tests); lost samples become NaN in the trace, and are counted.

    with PowerMeter.open(port, voltage_mv=5000) as meter:   # or PowerMeter.for_device(device)
        meter.start()            # powers the board, starts streaming
        ...                      # the board runs the kernel
        trace = meter.stop()     # a powertrace.Trace
    # leaving the block (normally or on an error) powers the board off

Errors are `PowerMeterError` (not found, not a PPK2, cannot configure) and
`PowerMeterDisconnected` (the stream stopped or the port vanished); both leave the board
unpowered as far as the PPK2 can still be told.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, PowerMeterDisconnected, PowerMeterError
from .ppk2_stream import (ADC_MULT, COUNTER_MOD, MODIFIER_KEYS, RANGES, RATE_HZ,  # noqa: F401 (importable here)
                          SPIKE_ALPHA, SPIKE_ALPHA4, SPIKE_SAMPLES, Decoded, decode, fields, modifier_arrays,
                          spike_filter, to_amps)

VID, PID = 0x1915, 0xC00A          # Nordic Semiconductor, PPK2
VOUT_MV = (800, 5000)              # what the PPK2 can source
DRAIN = Path(__file__).with_name("ppk2_drain.py")   # the reader process


# --- the instrument --------------------------------------------------------------------------

def find_ppk2() -> list[str]:
    """Serial ports of connected PPK2s (Nordic's USB vendor and the PPK2's product id)."""
    try:
        from serial.tools import list_ports
    except ImportError:
        return []
    return sorted(p.device for p in list_ports.comports() if p.vid == VID and p.pid == PID)


def doctor_lines() -> list[str]:
    """Connected PPK2s, for `wasmcu doctor`."""
    ports = find_ppk2()
    if not ports:
        return [f"power meters: no PPK2 connected (USB {VID:04x}:{PID:04x}); measured energy needs one"]
    return [f"power meter: PPK2 on {p} (measured energy; WASMCU_PPK2_PORT or [power.ppk2] port selects one)"
            for p in ports]


@dataclass(frozen=True)
class MeterSettings:
    voltage_mv: int
    scope: str
    port: str | None = None
    marker_channel: int = 0
    marker_gpio: int = 2      # the firmware's marker output, wired to the PPK2 logic input marker_channel
    idle_ms: int = 100        # the firmware idles this long before and after the kernel
    method: str = "marker"    # how the kernel's window is found in the trace (powertrace.METHODS)


PPK2_KEYS = {"port", "marker_channel", "marker_gpio", "idle_ms", "method"}


def check_ppk2(table, power: dict, file) -> None:
    """[power.ppk2]: a PPK2 supplies the scope's rail at the scope's voltage_v (0.8-5 V)."""
    if not isinstance(table, dict):
        raise ConfigError("invalid value", file=file, field="power.ppk2", expected="a table")
    unknown = set(table) - PPK2_KEYS
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"unknown key {key!r}", file=file, field=f"power.ppk2.{key}",
                          expected="port, marker_channel, marker_gpio, idle_ms or method")
    if "port" in table and not isinstance(table["port"], str):
        raise ConfigError(f"invalid value {table['port']!r}", file=file, field="power.ppk2.port",
                          expected="a serial port such as \"/dev/ttyACM0\"")
    ch = table.get("marker_channel", 0)
    if isinstance(ch, bool) or not isinstance(ch, int) or not 0 <= ch <= 7:
        raise ConfigError(f"invalid value {ch!r}", file=file, field="power.ppk2.marker_channel",
                          expected="the PPK2 logic input the marker GPIO is wired to, 0-7 (D0-D7)")
    gpio = table.get("marker_gpio", 2)
    if isinstance(gpio, bool) or not isinstance(gpio, int) or not 0 <= gpio <= 29:
        raise ConfigError(f"invalid value {gpio!r}", file=file, field="power.ppk2.marker_gpio",
                          expected="the GPIO the firmware drives high while the kernel runs, 0-29")
    idle = table.get("idle_ms", 100)
    if isinstance(idle, bool) or not isinstance(idle, int) or not 0 <= idle <= 10_000:
        raise ConfigError(f"invalid value {idle!r}", file=file, field="power.ppk2.idle_ms",
                          expected="milliseconds of idle before and after the kernel, 0-10000")
    from .powertrace import METHODS

    if table.get("method", "marker") not in METHODS:
        raise ConfigError(f"invalid value {table['method']!r}", file=file, field="power.ppk2.method",
                          expected=" or ".join(repr(m) for m in METHODS))
    scope = power.get("scope", "board")
    volts = power.get(scope, {}).get("voltage_v")
    if isinstance(volts, (int, float)) and not VOUT_MV[0] <= volts * 1000 <= VOUT_MV[1]:
        raise ConfigError(f"a PPK2 cannot source {volts} V", file=file, field=f"power.{scope}.voltage_v",
                          expected="0.8 to 5.0 V with [power.ppk2]")


def meter_settings(device) -> MeterSettings:
    """What the device profile says about its PPK2: VOUT feeds the rail of [power] scope, at
    that scope's voltage_v. WASMCU_PPK2_PORT overrides the port."""
    power = device.section("power")
    if "ppk2" not in power:
        raise ConfigError("no [power.ppk2] table: the device has no power meter", file=device.file,
                          field="power.ppk2", expected="a table (port, marker_channel) and [power] scope")
    table = power["ppk2"]
    scope = power.get("scope", "board")
    return MeterSettings(voltage_mv=round(power[scope]["voltage_v"] * 1000), scope=scope,
                         port=os.environ.get("WASMCU_PPK2_PORT") or table.get("port"),
                         marker_channel=table.get("marker_channel", 0), marker_gpio=table.get("marker_gpio", 2),
                         idle_ms=table.get("idle_ms", 100), method=table.get("method", "marker"))


class PowerMeter:
    """A PPK2 in source-meter mode: powers the board, records its current and logic inputs."""

    rate_hz = RATE_HZ

    def __init__(self, api, port: str, voltage_mv: int, *, scope: str = "board", marker_channel: int = 0,
                 stall_s: float = 1.0, spike_filter: bool = True):
        self.api, self.port, self.voltage_mv = api, port, voltage_mv
        self.scope, self.marker_channel, self.stall_s, self.filtered = scope, marker_channel, stall_s, spike_filter
        self.powered = False
        self._reader: subprocess.Popen | None = None
        self._raw_path: str | None = None
        self.reader_cpu_s = 0.0
        self.decode_cpu_s = 0.0
        self.started_at = 0.0

    # opening and closing

    @classmethod
    def open(cls, port: str | None = None, voltage_mv: int = 3300, **kw) -> PowerMeter:
        """Open and configure the PPK2 on `port` (default: the only one connected), board unpowered."""
        if not VOUT_MV[0] <= voltage_mv <= VOUT_MV[1]:
            raise PowerMeterError(f"a PPK2 sources {VOUT_MV[0]}-{VOUT_MV[1]} mV, not {voltage_mv} mV")
        if port is None:
            ports = find_ppk2()
            if not ports:
                raise PowerMeterError(f"no PPK2 found: no serial port with USB id {VID:04x}:{PID:04x}; connect "
                                      "the PPK2's DATA/POWER USB port, or name its port (WASMCU_PPK2_PORT)")
            if len(ports) > 1:
                raise PowerMeterError(f"{len(ports)} PPK2s are connected ({', '.join(ports)}): name one with "
                                      "WASMCU_PPK2_PORT or [power.ppk2] port")
            port = ports[0]
        import serial

        try:
            from ppk2_api.ppk2_api import PPK2_API
        except ImportError:
            raise PowerMeterError("the PPK2 needs the Python package ppk2-api: pip install 'wasmcu[ppk2]' "
                                  "(scripts/setup.sh installs it)") from None

        try:
            api = PPK2_API(port, timeout=0.05, write_timeout=1, exclusive=True)
        except (serial.SerialException, OSError) as exc:
            raise PowerMeterError(f"cannot open the PPK2 on {port}: {exc}") from None
        meter = cls(api, port, voltage_mv, **kw)
        try:
            meter._configure()
        except BaseException:
            meter.close()
            raise
        return meter

    @classmethod
    def for_device(cls, device, **kw) -> PowerMeter:
        s = meter_settings(device)
        return cls.open(s.port, s.voltage_mv, scope=s.scope, marker_channel=s.marker_channel, **kw)

    def _configure(self) -> None:
        api = self.api
        api.stop_measuring()                     # a PPK2 left streaming by an earlier program
        self._flush()
        try:
            ok = api.get_modifiers()
        except UnicodeDecodeError:
            ok = None
        if not ok:
            raise PowerMeterError(f"{self.port} did not answer as a PPK2 (no calibration metadata): is it the "
                                  "PPK2's port, and is no other program (nRF Connect) using it?")
        api.use_source_meter()
        api.set_source_voltage(self.voltage_mv)
        self.power(False)

    def _flush(self) -> None:
        ser = self.api.ser
        deadline = time.monotonic() + 1.0
        time.sleep(0.05)
        while time.monotonic() < deadline:
            if not ser.in_waiting:
                return
            ser.reset_input_buffer()
            time.sleep(0.05)

    def power(self, on: bool) -> None:
        """Switch the board's supply (VOUT) on or off."""
        self._write_checked(lambda: self.api.toggle_DUT_power("ON" if on else "OFF"))
        self.powered = on

    def _write_checked(self, command) -> None:
        # ppk2-api logs and swallows write errors: look at the port ourselves
        ser = self.api.ser
        if ser is None or not ser.is_open:
            raise PowerMeterDisconnected(f"the PPK2 on {self.port} is closed")
        command()
        try:
            ser.flush()
        except Exception as exc:
            raise PowerMeterDisconnected(f"the PPK2 on {self.port} stopped answering: {exc}") from None

    def close(self) -> None:
        """Stop streaming, power the board off and release the port; safe to call twice."""
        try:
            if self._reader is not None:
                try:
                    self.api.stop_measuring()
                finally:
                    self._end_reader()
                    if self._raw_path and os.path.exists(self._raw_path):
                        os.unlink(self._raw_path)
            if self.api.ser is not None and self.api.ser.is_open:
                try:
                    self.api.stop_measuring()
                    self.power(False)
                except PowerMeterError:
                    pass
        finally:
            ser, self.api.ser = self.api.ser, None
            if ser is not None:
                try:
                    ser.close()
                except Exception:
                    pass

    def __enter__(self) -> PowerMeter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # measuring

    def start(self, *, power_on: bool = True) -> None:
        """Power the board (unless told not to) and start recording."""
        if self._reader is not None:
            raise PowerMeterError("the PPK2 is already recording: stop() first")
        if power_on and not self.powered:
            self.power(True)
        self._flush()
        fd, self._raw_path = tempfile.mkstemp(prefix="wasmcu-ppk2-", suffix=".raw")
        os.close(fd)
        port_fd = self.api.ser.fileno()
        self._reader = subprocess.Popen(
            [sys.executable, "-I", "-S", str(DRAIN), str(port_fd), self._raw_path, str(self.stall_s)],
            pass_fds=(port_fd,), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if self._reader.stdout.readline().strip() != "ready":
            err = self._end_reader()
            raise PowerMeterError(f"the PPK2 reader process did not start: {err}")
        self.started_at = time.monotonic()
        self._write_checked(self.api.start_measuring)

    def _end_reader(self) -> str:
        """Ask the reader process to finish; its stderr (why it stopped early), '' if all went well."""
        proc, self._reader = self._reader, None
        try:
            out, err = proc.communicate("stop\n", timeout=10)
        except (subprocess.TimeoutExpired, BrokenPipeError, ValueError):
            proc.kill()
            out, err = proc.communicate()
        fields = (out or "").split()
        self.reader_cpu_s = float(fields[-1]) if len(fields) >= 2 else 0.0
        return (err or "").strip() if proc.returncode else ""

    def recording(self) -> bool:
        """True while the reader runs (it ends by itself when the port fails or falls silent)."""
        return self._reader is not None and self._reader.poll() is None

    def stop(self):
        """Stop recording; the trace (powertrace.Trace). The board stays powered (close() or
        power(False) switch it off); on an error it is switched off first."""
        from .powertrace import Trace

        if self._reader is None:
            raise PowerMeterError("the PPK2 is not recording: start() first")
        path = self._raw_path
        try:
            failed = self._reader.poll() is not None
            if not failed:
                self._write_checked(self.api.stop_measuring)
        except BaseException:
            self._end_reader()
            self._fail_safe()
            os.unlink(path)
            raise
        try:
            err = self._end_reader()
            with open(path, "rb") as f:
                raw = f.read()
        finally:
            os.unlink(path)
        if err:
            self._fail_safe()
            n = len(raw) // 4
            if err.startswith("no samples"):
                msg = f"the PPK2 on {self.port} sent no samples for {self.stall_s:g} s (after {n} samples)"
            else:
                msg = f"the PPK2 on {self.port} disconnected after {n} samples ({err}): check its USB cable"
            raise PowerMeterDisconnected(msg)
        t0 = time.process_time()
        d = decode(raw, self.api.modifiers, self.voltage_mv, filtered=self.filtered)
        self.decode_cpu_s = time.process_time() - t0
        return Trace(current_ua=d.current_ua, logic=d.logic, rate_hz=self.rate_hz, voltage_v=self.voltage_mv / 1000,
                     scope=self.scope, lost=d.lost,
                     meta={"meter": "PPK2", "port": self.port, "received": d.received, "spike_filter": self.filtered,
                           "marker_channel": self.marker_channel,
                           "calibrated": self.api.modifiers.get("Calibrated"), "hw": self.api.modifiers.get("HW")})

    def _fail_safe(self) -> None:
        """Power off after an error, if the PPK2 still listens."""
        try:
            self.api.stop_measuring()
            self.power(False)
        except Exception:
            pass
