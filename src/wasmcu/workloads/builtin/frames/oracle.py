"""Independent Python oracle for the frames kernel.

The wire stream is generated as the kernel does (the protocol's definition), then parsed
without a state machine: split at the flags, a trailing lone escape found by a regular
expression, the stuffing undone by regular-expression substitution.
"""

import re

MASK = 0xFFFFFFFF
FLAG, ESC = 0x7E, 0x7D
MAX_BODY = 32
WELL_STUFFED = re.compile(rb"(?:\x7d[\x00-\xff]|[^\x7d])*")
ESCAPED = re.compile(rb"\x7d([\x00-\xff])")


def lcg(x: int) -> int:
    return (x * 1664525 + 1013904223) & MASK


def wire(n: int, seed: int) -> bytes:
    x, out = seed, bytearray()
    for _ in range(n):
        x = lcg(x)
        ftype, length, corrupt = x >> 30, (x >> 16) & 15, (x >> 8) & 7 == 0
        payload = bytearray()
        w = 0
        for i in range(length):
            if i % 4 == 0:
                x = lcg(x)
                w = x
            payload.append((w >> (8 * (i % 4))) & 0xFF)
        body = bytes([ftype, length]) + payload
        body += bytes([sum(body) & 0xFF])
        stuffed = bytearray()
        for b in body:
            stuffed += bytes([ESC, b ^ 0x20]) if b in (FLAG, ESC) else bytes([b])
        if corrupt:
            x = lcg(x)
            stuffed[((x >> 16) * len(stuffed)) >> 16] ^= (x >> 24) | 1
        out += bytes([FLAG]) + stuffed + bytes([FLAG])
    return bytes(out)


def frames(stream: bytes) -> tuple[list[bytes], int]:
    """(valid bodies, number of invalid frames)."""
    valid, invalid = [], 0
    for segment in stream.split(bytes([FLAG]))[1:-1]:  # before the first flag and after the last: not frames
        if not segment:
            continue
        if not WELL_STUFFED.fullmatch(segment):
            invalid += 1  # ends inside an escape
            continue
        body = ESCAPED.sub(lambda m: bytes([m.group(1)[0] ^ 0x20]), segment)
        if len(body) > MAX_BODY or len(body) < 3 or body[1] != len(body) - 3 or sum(body[:-1]) & 0xFF != body[-1]:
            invalid += 1
            continue
        valid.append(body)
    return valid, invalid


def checksum(n: int, seed: int) -> int:
    valid, invalid = frames(wire(n, seed))
    h = 0
    for body in valid:
        for b in body[:1] + body[2:-1]:
            h = (h * 31 + b) & MASK
    return (h + len(valid) * 0x10001 + invalid * 0x9E3779B9) & MASK
