"""Independent Python oracle for the matmul kernel: exact integer products, wrapped to 32 bits."""

MASK = 0xFFFFFFFF


def _s16(v: int) -> int:
    return v - 0x10000 if v & 0x8000 else v


def matrices(n: int, seed: int) -> tuple[list[list[int]], list[list[int]]]:
    x, vals = seed, []
    for _ in range(2 * n * n):
        x = (x * 1664525 + 1013904223) & MASK
        vals.append(_s16(x >> 16))
    a = [vals[i * n:(i + 1) * n] for i in range(n)]
    b = [vals[n * n + i * n:n * n + (i + 1) * n] for i in range(n)]
    return a, b


def checksum(n: int, seed: int) -> int:
    a, b = matrices(n, seed)
    columns = list(zip(*b))
    h = 0
    for row in a:
        for col in columns:
            h = (h * 31 + sum(p * q for p, q in zip(row, col))) & MASK
    return h
