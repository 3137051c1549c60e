"""Independent Python oracle for the sha256 kernel: hashlib's SHA-256 of the same message."""

import hashlib
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
    """The first four bytes of the digest, big-endian."""
    return int.from_bytes(hashlib.sha256(message(n, seed)).digest()[:4], "big")
