"""Independent Python oracle for the biquad kernel.

numpy's float32 scalars, one IEEE-754
single-precision operation per step, in the kernel's order."""

import numpy as np

MASK = 0xFFFFFFFF
SECTIONS = ((4427, 8854, 4427, -74907, 27054), (13540, 27080, 13540, -24216, 12832))  # k / 65536


def outputs(n: int, seed: int) -> list[np.float32]:
    coeffs = [[np.float32(k) / np.float32(65536) for k in sec] for sec in SECTIONS]
    state = [[np.float32(0)] * 4 for _ in SECTIONS]  # x1, x2, y1, y2
    x, out = seed, []
    scale = np.float32(1) / np.float32(32768)
    with np.errstate(all="raise"):
        for _ in range(n):
            x = (x * 1664525 + 1013904223) & MASK
            v = x >> 16
            sample = np.float32(v - 0x10000 if v & 0x8000 else v) * scale
            for (b0, b1, b2, a1, a2), st in zip(coeffs, state):
                x1, x2, y1, y2 = st
                acc = b0 * sample
                acc = acc + b1 * x1
                acc = acc + b2 * x2
                acc = acc - a1 * y1
                acc = acc - a2 * y2
                st[:] = [sample, x1, acc, y1]
                sample = acc
            out.append(sample)
    return out


def checksum(n: int, seed: int) -> int:
    h = 0
    for y in outputs(n, seed):
        h = (h * 31 + int(np.float32(y).view(np.uint32))) & MASK
    return h
