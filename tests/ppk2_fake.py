"""A PPK2 that is not there, for tests and benchmarks without hardware.

A pseudo-terminal whose far end speaks the PPK2's serial protocol, so ppk2-api and the
meter's reader run their real code path (pyserial on a tty): it answers the metadata
request with calibration values, records the commands (source voltage, power on/off, start,
stop), and while measuring streams 4-byte samples paced by the clock at 100 kS/s,
synthesised from a signal — `signal(first_index, count) -> (current µA, logic bits)` — and
encoded the way the PPK2 does (auto-ranging, calibration inverted, counter, logic byte).
Samples that the port cannot take are dropped, as a PPK2 drops what the host does not read
in time (beyond `buffer_samples` held back: a second's worth by default): the counter shows the gap. It
can also disconnect or fall silent on cue.
"""

from __future__ import annotations

import os
import select
import threading
import time
import tty

import numpy as np

from wasmcu.measure.ppk2 import RANGES, RATE_HZ, modifier_arrays, to_amps

# plausible calibration of one PPK2 (not the defaults, so that the formula is exercised)
CALIBRATION = {
    "R": [1003.3, 101.4, 10.22, 0.968, 0.0452],
    "GS": [28.1, 2.84, 0.286, 0.0271, 0.00127],
    "GI": [0.987, 1.004, 0.996, 1.011, 0.993],
    "O": [88.0, 102.5, 96.4, 110.2, 121.7],
    "S": [2.1e-8, -1.4e-8, 3.3e-8, 0.0, 0.0],
    "I": [-1.2e-7, 3.0e-8, -2.5e-7, 1.1e-6, 0.0],
    "UG": [1.0, 1.0, 1.0, 1.0, 1.0],
}

CMD_LENGTHS = {0x00: 1, 0x01: 4, 0x02: 5, 0x03: 5, 0x04: 5, 0x05: 1, 0x06: 1, 0x07: 1, 0x08: 2, 0x09: 2, 0x0A: 1,
               0x0C: 2, 0x0D: 3, 0x0E: 2, 0x0F: 2, 0x11: 2, 0x12: 2, 0x15: 1, 0x16: 1, 0x19: 1, 0x20: 1, 0x25: 6}


def metadata_text(cal: dict = CALIBRATION, vdd_mv: int = 3700) -> str:
    """The PPK2's answer to GET_META_DATA: `key: value` lines ending with END."""
    lines = ["Calibrated: 0"]
    for key in ("R", "GS", "GI", "O", "S", "I", "UG"):
        lines += [f"{key}{r}: {v:.9g}" for r, v in enumerate(cal[key])]
    lines += [f"VDD: {vdd_mv}", "HW: 9173", "mode: 2", "IA: 56", "END", ""]
    return "\n".join(lines)


def as_modifiers(cal: dict = CALIBRATION) -> dict:
    """The calibration in ppk2-api's modifiers layout."""
    return {k: {str(r): float(v) for r, v in enumerate(vals)} for k, vals in cal.items()}


class Encoder:
    """Current (µA) -> ADC code and range, the inverse of ppk2-api's conversion."""

    def __init__(self, cal: dict = CALIBRATION, vdd_mv: float = 3300):
        self.mods = modifier_arrays(as_modifiers(cal))
        self.vdd_mv = vdd_mv
        codes = np.arange(1 << 14)
        # the current of every code in every range; each range is used below 90 % of its top
        self.table = [to_amps(codes, np.full(codes.shape, r), self.mods, vdd_mv) * 1e6 for r in range(RANGES)]
        self.tops = np.array([t[-1] * 0.9 for t in self.table])
        self.tops[-1] = np.inf

    def encode(self, current_ua: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ua = np.asarray(current_ua, dtype=np.float64)
        ranges = np.minimum(np.searchsorted(self.tops, ua), RANGES - 1)
        codes = np.empty(len(ua), dtype=np.uint32)
        for r in np.unique(ranges):
            sel = ranges == r
            t = self.table[r]
            i = np.clip(np.searchsorted(t, ua[sel]), 1, len(t) - 1)
            nearer_low = (ua[sel] - t[i - 1]) < (t[i] - ua[sel])
            codes[sel] = i - nearer_low
        return codes, ranges.astype(np.uint32)

    def words(self, current_ua, logic, first_index: int) -> np.ndarray:
        codes, ranges = self.encode(current_ua)
        counter = (np.arange(first_index, first_index + len(codes)) % 64).astype(np.uint32)
        return codes | (ranges << 14) | (counter << 18) | (np.asarray(logic, dtype=np.uint32) << 24)


def steps(segments, *, noise_ua: float = 0.0, seed: int = 0):
    """A signal of constant stretches: [(samples, current µA, logic bits), ...]; the last one holds."""
    bounds = np.cumsum([0] + [s[0] for s in segments])
    levels = np.array([s[1] for s in segments], dtype=np.float64)
    bits = np.array([s[2] for s in segments], dtype=np.uint8)
    rng = np.random.default_rng(seed)

    def signal(first: int, count: int):
        idx = np.arange(first, first + count)
        seg = np.clip(np.searchsorted(bounds, idx, side="right") - 1, 0, len(segments) - 1)
        ua = levels[seg]
        if noise_ua:
            ua = ua + rng.normal(0.0, noise_ua, count)
        return np.maximum(ua, 0.0), bits[seg]

    signal.total = int(bounds[-1])
    return signal


class FakePPK2:
    """The device end of a pseudo-terminal; `port` is the path to open as the PPK2's port."""

    def __init__(self, signal=None, *, rate_hz: float = RATE_HZ, cal: dict = CALIBRATION, tick_s: float = 0.002,
                 buffer_samples: int = RATE_HZ, disconnect_after: int | None = None, stall_after: int | None = None):
        self.signal = signal or steps([(1, 1000.0, 0)])
        self.rate_hz, self.cal, self.tick_s = rate_hz, cal, tick_s
        self.disconnect_after, self.stall_after = disconnect_after, stall_after
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        os.set_blocking(self.master, False)
        self.commands: list[tuple] = []
        self.powered = False
        self.ever_powered = False
        self.measuring = False
        self.source_mode = False
        self.vdd_mv: int | None = None
        self.generated = 0          # samples made since the last start
        self.dropped = 0            # did not fit into the port nor the device's buffer: lost
        self.buffer_samples = buffer_samples
        self._bytes_written = 0
        self._backlog = bytearray()
        self.disconnected = False
        self._t0 = 0.0
        self._encoder: Encoder | None = None
        self._quit = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fake-ppk2", daemon=True)

    def __enter__(self) -> FakePPK2:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> FakePPK2:
        return self.__enter__()

    def close(self) -> None:
        self._quit.set()
        if self._thread.is_alive():
            self._thread.join()
        for fd in (self.master, self.slave):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.master = self.slave = None

    def settle(self, quiet_s: float = 0.1, timeout_s: float = 2.0) -> None:
        """Wait until the commands sent so far have been acted on (none new for quiet_s)."""
        deadline = time.monotonic() + timeout_s
        seen, since = len(self.commands), time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - since < quiet_s:
            time.sleep(0.01)
            if len(self.commands) != seen:
                seen, since = len(self.commands), time.monotonic()

    # the device

    def _run(self) -> None:
        buf = b""
        while not self._quit.is_set() and not self.disconnected:
            ready, _, _ = select.select([self.master], [], [], self.tick_s)
            if ready:
                try:
                    buf += os.read(self.master, 4096)
                except OSError:
                    pass
                buf = self._commands(buf)
            if not self.measuring:
                continue
            if self.stall_after is not None and self.generated >= self.stall_after:
                continue
            due = int((time.monotonic() - self._t0) * self.rate_hz) - self.generated
            if due > 0:
                self._stream(due)

    def _commands(self, buf: bytes) -> bytes:
        while buf:
            n = CMD_LENGTHS.get(buf[0], 1)
            if len(buf) < n:
                return buf
            cmd, buf = buf[:n], buf[n:]
            self.commands.append(tuple(cmd))
            op = cmd[0]
            if op == 0x19:
                self._write_all(metadata_text(self.cal).encode())
            elif op == 0x06:
                self.measuring, self.generated, self.dropped, self._bytes_written = True, 0, 0, 0
                self._backlog = bytearray()
                self._t0 = time.monotonic()
            elif op == 0x07:
                self.measuring = False
                if self._backlog:                  # what the device still held goes out first
                    self._write_all(bytes(self._backlog))
                    self._bytes_written += len(self._backlog)
                    self._backlog = bytearray()
            elif op == 0x0D:
                self.vdd_mv = (cmd[1] - 3) * 256 + cmd[2] + 800 - 32
                self._encoder = Encoder(self.cal, self.vdd_mv)
            elif op == 0x0C:
                self.powered = cmd[1] == 1
                self.ever_powered |= self.powered
            elif op == 0x11:
                self.source_mode = cmd[1] == 2
        return b""

    def _write_all(self, data: bytes) -> None:
        while data:
            try:
                data = data[os.write(self.master, data):]
            except BlockingIOError:
                time.sleep(0.001)

    @property
    def written(self) -> int:
        """Samples that reached the port (whole or begun)."""
        return -(-self._bytes_written // 4)

    def _write(self, data: bytes) -> int:
        try:
            return os.write(self.master, data)
        except BlockingIOError:
            return 0

    def _stream(self, count: int) -> None:
        if self.disconnect_after is not None and self.generated + count >= self.disconnect_after:
            count = self.disconnect_after - self.generated
        first = self.generated
        if self.powered:
            ua, bits = self.signal(first, count)
        else:
            ua, bits = np.zeros(count), np.zeros(count, dtype=np.uint8)
        enc = self._encoder or Encoder(self.cal, self.vdd_mv or 3300)
        buf = self._backlog
        buf += enc.words(ua, bits, first).astype("<u4").tobytes()
        self.generated += count
        wrote = self._write(bytes(buf))
        self._bytes_written += wrote
        del buf[:wrote]
        # what the port did not take waits in the device's buffer; beyond it, the newest samples are lost
        head = (-self._bytes_written) % 4          # the rest of a sample half written
        keep = head + max(self.buffer_samples * 4 - head, 0) // 4 * 4
        if len(buf) > keep:
            self.dropped += (len(buf) - keep) // 4
            del buf[keep:]
        if self.disconnect_after is not None and self.generated >= self.disconnect_after:
            self.disconnected = True
            os.close(self.master)     # the far end sees the port vanish
            self.master = None
