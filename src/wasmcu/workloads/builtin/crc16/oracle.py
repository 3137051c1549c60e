"""Independent Python oracle for the crc16 kernel (CRC-16/CCITT-FALSE)."""

import struct


def _crc16_ccitt_false(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def checksum(n: int, seed: int) -> int:
    x = seed
    words = []
    for _ in range(n):
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        words.append(x)
    return _crc16_ccitt_false(struct.pack(f"<{n}I", *words))
