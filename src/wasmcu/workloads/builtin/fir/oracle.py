"""Independent Python oracle for the fir kernel.

The taps are designed here (window method: a sinc low-pass at 1/8 of the sample rate,
Hamming window, scaled to unity gain in Q15) rather than copied from the kernel, then the
filter is applied sample by sample with Python integers.
"""

import math

MASK = 0xFFFFFFFF
TAPS = 32
CUTOFF = 0.125


def taps() -> list[int]:
    h = []
    for k in range(TAPS):
        m = k - (TAPS - 1) / 2
        sinc = 2 * CUTOFF if m == 0 else math.sin(2 * math.pi * CUTOFF * m) / (math.pi * m)
        h.append(sinc * (0.54 - 0.46 * math.cos(2 * math.pi * k / (TAPS - 1))))
    gain = sum(h)
    return [round(v / gain * 32768) for v in h]


def samples(n: int, seed: int) -> list[int]:
    x, out = seed, []
    for _ in range(n):
        x = (x * 1664525 + 1013904223) & MASK
        v = x >> 16
        out.append(v - 0x10000 if v & 0x8000 else v)
    return out


def outputs(n: int, seed: int) -> list[int]:
    h, xs = taps(), samples(n, seed)
    ys = []
    for i in range(n):
        acc = sum(h[k] * xs[i - k] for k in range(min(i + 1, TAPS)))
        ys.append(max(-32768, min(32767, (acc + (1 << 14)) >> 15)))
    return ys


def checksum(n: int, seed: int) -> int:
    h = 0
    for y in outputs(n, seed):
        h = (h * 31 + (y & 0xFFFF)) & MASK
    return h
