"""Independent Python oracle for the base64 kernel: base64.b64encode of the same bytes."""

import base64
import struct

MASK = 0xFFFFFFFF


def message(n: int, seed: int) -> bytes:
    """The generator's words, little-endian, cut to n bytes (the kernel restarts the
    word boundary at every 768-byte chunk, a multiple of 4, so this is the same stream)."""
    x, words = seed, []
    for _ in range((n + 3) // 4):
        x = (x * 1664525 + 1013904223) & MASK
        words.append(x)
    return struct.pack(f"<{len(words)}I", *words)[:n]


def checksum(n: int, seed: int) -> int:
    text = base64.b64encode(message(n, seed))
    assert base64.b64decode(text) == message(n, seed)
    h = 0
    for w in struct.unpack(f"<{len(text) // 4}I", text):
        h = (h * 31 + w) & MASK
    return h
