"""Independent Python oracle for the aes128 kernel.

A straightforward AES-128 (FIPS-197) whose
S-box is derived here (inverse in GF(2^8), then the affine map), not copied from the kernel;
the state is a list of four columns; counter mode as in NIST SP 800-38A."""

import struct

MASK = 0xFFFFFFFF


def gmul(a: int, b: int) -> int:
    """Product in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1."""
    r = 0
    while b:
        if b & 1:
            r ^= a
        a = ((a << 1) ^ 0x11B) if a & 0x80 else a << 1
        b >>= 1
    return r


def _sbox() -> list[int]:
    inverse = [0] * 256
    for a in range(1, 256):
        for b in range(1, 256):
            if gmul(a, b) == 1:
                inverse[a] = b
                break
    out = []
    for a in range(256):
        b = inverse[a]
        s = b
        for i in range(1, 5):
            s ^= ((b << i) | (b >> (8 - i))) & 0xFF
        out.append(s ^ 0x63)
    return out


SBOX = _sbox()


def expand_key(key: bytes) -> list[list[int]]:
    """The 44 words of the key schedule, each as four bytes."""
    w = [list(key[4 * i:4 * i + 4]) for i in range(4)]
    rcon = 1
    for i in range(4, 44):
        t = list(w[i - 1])
        if i % 4 == 0:
            t = [SBOX[b] for b in t[1:] + t[:1]]
            t[0] ^= rcon
            rcon = gmul(rcon, 2)
        w.append([a ^ b for a, b in zip(w[i - 4], t)])
    return w


def encrypt_block(schedule: list[list[int]], block: bytes) -> bytes:
    cols = [[block[4 * c + r] ^ schedule[c][r] for r in range(4)] for c in range(4)]
    for rnd in range(1, 11):
        cols = [[SBOX[b] for b in col] for col in cols]
        cols = [[cols[(c + r) % 4][r] for r in range(4)] for c in range(4)]  # ShiftRows
        if rnd < 10:
            cols = [[gmul(col[r], 2) ^ gmul(col[(r + 1) % 4], 3) ^ col[(r + 2) % 4] ^ col[(r + 3) % 4]
                     for r in range(4)] for col in cols]  # MixColumns
        cols = [[b ^ k for b, k in zip(col, schedule[4 * rnd + c])] for c, col in enumerate(cols)]
    return bytes(b for col in cols for b in col)


def ctr(key: bytes, counter: bytes, data: bytes) -> bytes:
    """Counter mode; the counter block's last four bytes are incremented (big-endian, mod 2^32)."""
    schedule = expand_key(key)
    out = bytearray()
    prefix, count = counter[:12], int.from_bytes(counter[12:], "big")
    for i in range(0, len(data), 16):
        stream = encrypt_block(schedule, prefix + ((count + i // 16) & MASK).to_bytes(4, "big"))
        out += bytes(a ^ b for a, b in zip(data[i:i + 16], stream))
    return bytes(out)


def checksum(n: int, seed: int) -> int:
    x, words = seed, []
    for _ in range(8 + 4 * n):
        x = (x * 1664525 + 1013904223) & MASK
        words.append(x)
    raw = struct.pack(f"<{len(words)}I", *words)
    cipher = ctr(raw[:16], raw[16:32], raw[32:])
    h = 0
    for w in struct.unpack(f"<{4 * n}I", cipher):
        h = (h * 31 + w) & MASK
    return h
