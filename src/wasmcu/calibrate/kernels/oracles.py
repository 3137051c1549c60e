"""Independent Python oracles of the calibration microkernels (one function each, (n, seed))."""

MASK = 0xFFFFFFFF


def _xorshift(x: int) -> int:
    x ^= (x << 13) & MASK
    x ^= x >> 17
    x ^= (x << 5) & MASK
    return x


def cal_alu(n: int, seed: int) -> int:
    a, b, c = seed, seed ^ 0x9E3779B9, 0x12345
    for _ in range(n):
        a = (a + b) & MASK
        b ^= a
        c = (c + (a >> 3)) & MASK
        b = ((b << 5) | (b >> 27)) & MASK
        a = (a - c) & MASK
        c ^= (b << 2) & MASK
        a ^= c >> 7
        b = (b + a) & MASK
    return a ^ b ^ c


def cal_load_dep(n: int, seed: int) -> int:
    p = seed & 255
    for _ in range(8 * n):
        p = (p * 97 + seed) & 255
    return p


def cal_load_indep(n: int, seed: int) -> int:
    arr = [(i * seed + i) & MASK for i in range(256)]
    s = [0, 0, 0, 0]
    for i in range(n):
        base = (i * 16) & 255
        for k, off in enumerate((0, 5, 10, 15)):
            s[k] = (s[k] + arr[base + off]) & MASK
    return (s[0] ^ (s[1] << 1) ^ (s[2] << 2) ^ (s[3] << 3)) & MASK


def cal_store(n: int, seed: int) -> int:
    buf = [0] * 256
    for i in range(n):
        base, v = (i * 16) & 255, i ^ seed
        for k, off in enumerate((0, 5, 10, 15)):
            buf[base + off] = (v + k) & MASK
    s = 0
    for w in buf:
        s = (((s << 1) | (s >> 31)) & MASK) ^ w
    return s


def _nibbles(n: int, seed: int, zero: bool) -> int:
    x, a = seed | 1, 0
    for _ in range(n):
        x = _xorshift(x)
        for shift in (28, 24, 20, 16):
            a += (((x << shift) & MASK) == 0) == zero
    return a


def cal_branch_taken(n: int, seed: int) -> int:
    return _nibbles(n, seed, zero=True)    # the fall-through (not taken) path counts


def cal_branch_not_taken(n: int, seed: int) -> int:
    return _nibbles(n, seed, zero=False)


def cal_jump(n: int, seed: int) -> int:
    return (seed + n * (n - 1) // 2) & MASK


def cal_call(n: int, seed: int) -> int:
    acc = seed
    for i in range(n):
        acc = ((acc ^ i) + 1) & MASK
        acc = ((acc ^ seed) + 1) & MASK
    return acc


def cal_indirect(n: int, seed: int) -> int:
    fns = (lambda a, b: a + b, lambda a, b: a ^ b, lambda a, b: a - b, lambda a, b: (a ^ b) + 1)
    acc = seed
    for i in range(n):
        acc = fns[i & 3](acc, i) & MASK
    return acc


def cal_mul(n: int, seed: int) -> int:
    a, b, c = seed | 1, 0x9E3779B9, 3
    for i in range(n):
        a = (a * b) & MASK
        b = (b * c + i) & MASK
        c = (c * a) & MASK
    return a ^ b ^ c


def _signed(v: int) -> int:
    return v - (1 << 32) if v & 0x80000000 else v


def cal_div(n: int, seed: int) -> int:
    x, acc = seed | 1, 0
    for i in range(n):
        x = _xorshift(x)
        d = (x >> (i & 31)) | 1
        acc = (acc + x // d) & MASK
        sx, sd = _signed(x), (d >> 1) | 1
        q = abs(sx) // sd
        acc ^= (q if sx >= 0 else -q) & MASK
    return acc


def cal_multi(n: int, seed: int) -> int:
    src = [(seed + k) & MASK for k in range(10)]
    dst = [0] * 10
    for i in range(n):
        dst = list(src)
        src[i & 7] = (src[i & 7] + dst[(i * 3) & 7]) & MASK
    s = 0
    for w in dst:
        s = (((s << 3) | (s >> 29)) & MASK) ^ w
    return s


def _heavy(a: int, b: int) -> int:
    return (a + b + (a ^ b) + (a + b) + (a - b) + (b ^ 0x55) + (a ^ 0xAA) + (b + 7)) & MASK


def cal_pushpop(n: int, seed: int) -> int:
    acc = seed
    for i in range(n):
        r = _heavy(acc, i)
        acc = _heavy(r, acc) ^ r
    return acc


def cal_flash(n: int, seed: int) -> int:
    return (seed + n * 24576) & MASK


def cal_fp(n: int, seed: int) -> int:
    acc = seed & 1023
    for i in range(n):
        y = 3 * (i & 255) + 1
        acc += y + (y / 2) * 4
    return int(acc) & MASK
