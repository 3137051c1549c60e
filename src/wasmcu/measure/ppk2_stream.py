"""The PPK2's sample stream decoded (numpy): raw 32-bit words to calibrated currents, logic inputs and lost samples.

Each sample is a little-endian 32-bit word:

    bits 0-13  ADC code          bits 14-16  measurement range (which shunt)
    bits 18-23 a 6-bit counter   bits 24-31  the logic inputs D0-D7 (bit 24 is D0)

ppk2-api's calibration formula and its spike filter (applied after a range switch), vectorised;
the counter tells lost samples, which become NaN in the trace.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import PowerMeterDisconnected

RATE_HZ = 100_000                  # the PPK2 samples every 10 µs
ADC_MULT = 1.8 / 163840            # volts per ADC unit (ADC code x 4)
RANGES = 5
COUNTER_MOD = 64
MODIFIER_KEYS = ("R", "GS", "GI", "O", "S", "I", "UG")
# ppk2-api's spike filter: after a range switch the next samples are rolling averages
SPIKE_ALPHA, SPIKE_ALPHA4, SPIKE_SAMPLES = 0.18, 0.06, 3


@dataclass
class Decoded:
    """Raw words split into fields, with lost samples filled in (NaN current, logic held)."""
    current_ua: np.ndarray
    logic: np.ndarray
    ranges: np.ndarray
    lost: int
    received: int


def fields(words: np.ndarray):
    """(adc code, range, counter, logic) of 32-bit sample words."""
    w = np.asarray(words, dtype=np.uint32)
    return (w & 0x3FFF), np.minimum((w >> 14) & 0x7, RANGES - 1), (w >> 18) & 0x3F, (w >> 24).astype(np.uint8)


def modifier_arrays(modifiers: dict) -> dict[str, np.ndarray]:
    """ppk2-api's modifiers ({"R": {"0": ..}, ...}) as arrays indexed by range."""
    return {k: np.array([float(modifiers[k][str(r)]) for r in range(RANGES)]) for k in MODIFIER_KEYS}


def to_amps(adc: np.ndarray, ranges: np.ndarray, mods: dict[str, np.ndarray], vdd_mv: float) -> np.ndarray:
    """ppk2-api's get_adc_result before its spike filter: the calibrated current in A."""
    m = {k: v[ranges] for k, v in mods.items()}
    raw = (adc.astype(np.float64) * 4 - m["O"]) * (ADC_MULT / m["R"])
    return m["UG"] * (raw * (m["GS"] * raw + m["GI"]) + (m["S"] * (vdd_mv / 1000) + m["I"]))


def _ema(x: np.ndarray, alpha: float, block: int = 64) -> np.ndarray:
    """r[0] = x[0], r[n] = alpha x[n] + (1 - alpha) r[n-1], exactly, a block at a time."""
    n = len(x)
    nb = -(-n // block)
    xs = np.zeros(nb * block)
    xs[:n] = x
    xs = xs.reshape(nb, block)
    k = np.arange(block)
    decay = (1 - alpha) ** (k[:, None] - k[None, :])
    local = xs @ (alpha * np.tril(decay)).T          # each block from a zero state
    carry_in = (1 - alpha) ** (k + 1)
    out = np.empty_like(local)
    state = x[0]                                       # as if x[0] had always been there
    for b in range(nb):
        out[b] = local[b] + carry_in * state
        state = out[b, -1]
    return out.reshape(-1)[:n]


def spike_filter(amps: np.ndarray, ranges: np.ndarray) -> np.ndarray:
    """ppk2-api's (and nRF Connect's) filter: the SPIKE_SAMPLES samples from a range switch on
    are replaced by a rolling average (alpha 0.18; 0.06 in range 4, where the first two are
    also left out of the averages). Same result as its per-sample code, vectorised: the
    averages are linear recurrences computed whole, and only the left-out samples need a
    correction, carried forward from one to the next."""
    n = len(amps)
    switches = np.flatnonzero(ranges[1:] != ranges[:-1]) + 1
    if n == 0 or not len(switches):
        return amps
    lin = _ema(amps, SPIKE_ALPHA)
    lin4 = _ema(amps, SPIKE_ALPHA4)
    out = amps.copy()
    is_switch = np.zeros(n + SPIKE_SAMPLES, dtype=bool)
    is_switch[switches] = True
    d = d4 = 0.0       # true average - linear average, after sample `last`
    last = 0
    for s in switches.tolist():
        for j in range(SPIKE_SAMPLES):
            k = s + j
            if k >= n or (j and is_switch[k]):
                break
            gap = k - 1 - last
            d *= (1 - SPIKE_ALPHA) ** gap                   # at k - 1
            d4 *= (1 - SPIKE_ALPHA4) ** gap
            if ranges[k] == RANGES - 1 and j < 2:           # left out: the averages hold
                d += lin[k - 1] - lin[k]
                d4 += lin4[k - 1] - lin4[k]
            else:
                d *= 1 - SPIKE_ALPHA
                d4 *= 1 - SPIKE_ALPHA4
            out[k] = lin4[k] + d4 if ranges[k] == RANGES - 1 else lin[k] + d
            last = k
    return out


def _align(raw: bytes) -> np.ndarray:
    """The words of a stream, at the byte offset whose counter runs best (0 unless bytes were lost)."""
    best = None
    for off in range(4):
        body = raw[off:]
        words = np.frombuffer(body[: len(body) - len(body) % 4], dtype="<u4")
        if len(words) < 2:
            return words
        steps = np.diff((words >> 18) & 0x3F) % COUNTER_MOD
        bad = int(np.count_nonzero(steps != 1))
        if best is None or bad < best[0]:
            best = (bad, words)
        if bad <= len(words) // 100:
            break
    return best[1]


def decode(raw: bytes, modifiers: dict, vdd_mv: float, *, filtered: bool = True) -> Decoded:
    """Raw stream bytes -> current (µA), logic bits and range per sample, lost samples as NaN.

    A counter step of k+1 means k samples were lost (modulo 64: a loss of 64 in a row is not
    seen by the counter; the benchmark also counts samples against the clock)."""
    words = _align(raw)
    adc, ranges, counter, logic = fields(words)
    amps = to_amps(adc, ranges, modifier_arrays(modifiers), vdd_mv)
    if filtered:
        amps = spike_filter(amps, ranges)
    ua = amps * 1e6
    n = len(words)
    if n < 2:
        return Decoded(ua, logic, ranges.astype(np.uint8), 0, n)
    gaps = (np.diff(counter.astype(np.int64)) - 1) % COUNTER_MOD
    lost = int(gaps.sum())
    if lost > n // 10:
        raise PowerMeterDisconnected(f"the PPK2's sample stream is corrupted: its counter skips {lost} samples in "
                                     f"{n}; unplug and replug the PPK2")
    if lost:
        pos = np.concatenate([[0], np.cumsum(gaps + 1)])
        full_ua = np.full(n + lost, np.nan)
        full_ua[pos] = ua
        full_logic = np.zeros(n + lost, dtype=np.uint8)
        full_logic[pos] = logic
        present = np.zeros(n + lost, dtype=bool)
        present[pos] = True
        held = np.maximum.accumulate(np.where(present, np.arange(n + lost), 0))
        full_logic = full_logic[held]          # a lost sample keeps the logic level before it
        full_range = np.zeros(n + lost, dtype=np.uint8)
        full_range[pos] = ranges
        return Decoded(full_ua, full_logic, full_range[held], lost, n)
    return Decoded(ua, logic, ranges.astype(np.uint8), 0, n)
