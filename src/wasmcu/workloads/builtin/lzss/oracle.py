"""Independent Python oracle for the lzss kernel.

The longest match at each position is found differently from the kernel: by binary search
on the length (a match of length L implies one of L - 1), each candidate length located with
bytes.rfind over the window, whose last hit is the nearest. The output is decompressed
again and compared with the text before the checksum is taken.
"""

MASK = 0xFFFFFFFF
WINDOW, MIN_MATCH, MAX_MATCH = 128, 3, 34
WORDS = [b"sensor", b"value", b"temp", b"=", b" ", b"ok", b"alarm", b",", b"id", b":", b"humidity", b"\n",
         b"battery", b"low", b"high", b"reading"]


def text(n: int, seed: int) -> bytes:
    x, out = seed, bytearray()
    while len(out) < n:
        x = (x * 1664525 + 1013904223) & MASK
        out += WORDS[x >> 28]
        if (x >> 16) & 3 == 0:
            out.append(ord("0") + ((x >> 8) & 7))
    return bytes(out[:n])


def _find(s: bytes, i: int, length: int) -> int:
    """Start of the nearest earlier copy of s[i:i+length] that starts in the window
    (it may overlap position i), or -1."""
    return s.rfind(s[i:i + length], max(0, i - WINDOW), i + length - 1)


def compress(s: bytes) -> bytes:
    out = bytearray()
    i = item = flag = 0
    while i < len(s):
        if item % 8 == 0:
            flag = len(out)
            out.append(0)
        top = min(MAX_MATCH, len(s) - i)
        best = 0
        if top >= MIN_MATCH and _find(s, i, MIN_MATCH) >= 0:
            lo, hi = MIN_MATCH, top  # the longest length with a match is in [lo, hi]
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if _find(s, i, mid) >= 0:
                    lo = mid
                else:
                    hi = mid - 1
            best = lo
        if best:
            out[flag] |= 1 << (item % 8)
            out += bytes([i - _find(s, i, best), best - MIN_MATCH])
            i += best
        else:
            out.append(s[i])
            i += 1
        item += 1
    return bytes(out)


def decompress(data: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        flags = data[i]
        i += 1
        for bit in range(8):
            if i >= len(data):
                break
            if flags >> bit & 1:
                dist, length = data[i], data[i + 1] + MIN_MATCH
                i += 2
                for _ in range(length):
                    out.append(out[-dist])
            else:
                out.append(data[i])
                i += 1
    return bytes(out)


def checksum(n: int, seed: int) -> int:
    s = text(n, seed)
    packed = compress(s)
    if decompress(packed) != s:
        raise AssertionError("lzss oracle: the round trip lost data")
    h = 0
    for b in packed:
        h = (h * 31 + b) & MASK
    return (h * 31 + len(packed)) & MASK
