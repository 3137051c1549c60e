"""portbench's checksum in Python (the same for the C project and the C++ kernel)."""

import bisect


def checksum(n, seed):
    table = []
    for _ in range(n):
        seed = (seed * 1664525 + 1013904223) % 2**32
        table.append(((seed >> 8) * 3) % 2**32)
    table.sort()
    h = 0
    for v in table:
        h = (h * 31 + v) % 2**32

    def found(key):
        i = bisect.bisect_left(table, key)
        return i < n and table[i] == key

    lookups = sum(found(table[i]) + found((table[i] + 1) % 2**32) for i in range(0, n, 3))
    h ^= (lookups << 16) % 2**32
    text = f"{table[0]}..{table[-1]}"
    d = len(text)
    for ch in text.encode():
        d = (d * 33 + ch) % 2**32
    return (h + d) % 2**32
