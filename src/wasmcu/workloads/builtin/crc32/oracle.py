"""Independent Python oracle for the crc32 kernel: binascii.crc32 of the same bytes."""

import binascii
import struct

MASK = 0xFFFFFFFF


def message(n: int, seed: int) -> bytes:
    """The generator's words, little-endian, cut to n bytes."""
    x, words = seed, []
    for _ in range((n + 3) // 4):
        x = (x * 1664525 + 1013904223) & MASK
        words.append(x)
    return struct.pack(f"<{len(words)}I", *words)[:n]


def checksum(n: int, seed: int) -> int:
    return binascii.crc32(message(n, seed)) & MASK
