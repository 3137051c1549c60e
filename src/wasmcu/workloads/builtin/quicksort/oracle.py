"""Independent Python oracle for the quicksort kernel: sorted()."""

MASK = 0xFFFFFFFF


def checksum(n: int, seed: int) -> int:
    x, data = seed, []
    for _ in range(n):
        x = (x * 1664525 + 1013904223) & MASK
        data.append(x)
    h = 0
    for v in sorted(data):
        h = (h * 31 + v) & MASK
    return h
