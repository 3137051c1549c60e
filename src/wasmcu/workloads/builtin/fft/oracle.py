"""Independent Python oracle for the fft kernel.

The same fixed-point arithmetic (it decides
every rounding), with twiddles from math.cos and math.sin and Python integers."""

import math

MASK = 0xFFFFFFFF
POINTS = 256


def _s16(v: int) -> int:
    return v - 0x10000 if v & 0x8000 else v


def fft_q15(re: list[int], im: list[int]) -> tuple[list[int], list[int]]:
    """Radix-2 decimation-in-time FFT of a power-of-two length, every butterfly scaled by
    1/2 (so the result approximates DFT / size), twiddles round(32767 cos), round(32767 sin)."""
    size = len(re)
    bits = size.bit_length() - 1
    order = [int(format(i, f"0{bits}b")[::-1], 2) if bits else 0 for i in range(size)]
    re = [re[order[i]] for i in range(size)]
    im = [im[order[i]] for i in range(size)]
    m = 2
    while m <= size:
        half = m // 2
        for k in range(half):
            angle = 2 * math.pi * k / m
            c, s = round(32767 * math.cos(angle)), round(32767 * math.sin(angle))
            for j in range(k, size, m):
                q = j + half
                tr = (c * re[q] + s * im[q] + (1 << 14)) >> 15
                ti = (c * im[q] - s * re[q] + (1 << 14)) >> 15
                re[q], im[q] = (re[j] - tr) >> 1, (im[j] - ti) >> 1
                re[j], im[j] = (re[j] + tr) >> 1, (im[j] + ti) >> 1
        m *= 2
    return re, im


def checksum(n: int, seed: int) -> int:
    x, h = seed, 0
    for _ in range(n):
        frame = []
        for _ in range(POINTS):
            x = (x * 1664525 + 1013904223) & MASK
            frame.append(_s16(x >> 16))
        re, im = fft_q15(frame, [0] * POINTS)
        for r, i in zip(re, im):
            h = (h * 31 + (r & MASK)) & MASK
            h = (h * 31 + (i & MASK)) & MASK
    return h
