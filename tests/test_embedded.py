"""The embedded kernel suite: oracles against second references, every kernel built for wasm
and run natively and under wasm3 on the host, a subset on an emulated board, the suite's plan
and the score per runtime and device."""

import ctypes
import math
import re
import struct

import pytest

from wasmcu import workloads
from wasmcu.model import OK, Cell, Result
from wasmcu.toolchains import host, wasm
from wasmcu.workloads.kernel_source import kernel_source

from conftest import bench_json

pytestmark = pytest.mark.slow  # end-to-end: real builds, runs and processes

KERNELS = ["fir", "matmul", "sha256", "aes128", "crc32", "base64", "quicksort", "dijkstra", "frames", "lzss",
           "fft", "biquad"]
# small sizes for the tests: every code path (partial blocks, chunk tails, padding) but quick
SMALL = {"fir": 45, "matmul": 7, "sha256": 121, "aes128": 3, "crc32": 1027, "base64": 1540, "quicksort": 70,
         "dijkstra": 9, "frames": 150, "lzss": 300, "fft": 2, "biquad": 50}
MASK = 0xFFFFFFFF


@pytest.fixture(scope="module")
def wl():
    return workloads.discover()


def oracle_module(wl, name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"test_oracle_{name}", wl[name].oracle_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lcg_words(seed, count):
    x, out = seed, []
    for _ in range(count):
        x = (x * 1664525 + 1013904223) % 2**32
        out.append(x)
    return out


def h31(values):
    h = 0
    for v in values:
        h = (h * 31 + v) % 2**32
    return h


def test_the_suite_has_every_kernel_in_c_and_rust(wl):
    from wasmcu.plan import SUITES, Spec, plan

    assert set(KERNELS) <= set(wl) and len(KERNELS) >= 12
    for name in KERNELS:
        assert wl[name].languages == ["c", "rust"], name
    suite = SUITES["embedded"]
    assert sorted(w.split(":")[0] for w in suite["workloads"]) == sorted(KERNELS)
    cells, _, _ = plan(Spec(suite="embedded", runtimes="native,wasm3"))
    assert {(c.workload, c.n) for c in cells} == {(k, wl[k].sizes[0]) for k in KERNELS}  # default sizes
    assert {c.device for c in cells} == {"host", "pico", "esp32c6", "nrf5340"} and {c.lang for c in cells} == {"c", "rust"}
    assert len(cells) == 12 * 2 * 4 * 2


# ---- oracles against second references ------------------------------------------------------

def test_crc32_oracle_against_a_bitwise_crc(wl):
    def crc32(data):
        c = 0xFFFFFFFF
        for b in data:
            c ^= b
            for _ in range(8):
                c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        return c ^ 0xFFFFFFFF

    assert crc32(b"123456789") == 0xCBF43926  # the catalogue's check value
    for n, seed in ((1, 42), (7, 3), (1027, 42)):
        data = struct.pack(f"<{(n + 3) // 4}I", *lcg_words(seed, (n + 3) // 4))[:n]
        assert wl["crc32"].expected(n, seed) == crc32(data)


def _sha256(message: bytes) -> bytes:
    """FIPS 180-4, written out: a second reference for hashlib."""
    k = [int((p ** (1 / 3) % 1) * 2**32) for p in _primes(64)]
    h = [int((p ** 0.5 % 1) * 2**32) for p in _primes(8)]
    ror = lambda v, r: ((v >> r) | (v << (32 - r))) & MASK  # noqa: E731
    data = message + b"\x80" + b"\0" * ((55 - len(message)) % 64) + struct.pack(">Q", 8 * len(message))
    for i in range(0, len(data), 64):
        w = list(struct.unpack(">16I", data[i:i + 64]))
        for t in range(16, 64):
            s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3)
            s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10)
            w.append((w[t - 16] + s0 + w[t - 7] + s1) & MASK)
        a, b, c, d, e, f, g, hh = h
        for t in range(64):
            t1 = (hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + k[t] + w[t]) & MASK
            t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) & MASK
            a, b, c, d, e, f, g, hh = (t1 + t2) & MASK, a, b, c, (d + t1) & MASK, e, f, g
        h = [(x + y) & MASK for x, y in zip(h, (a, b, c, d, e, f, g, hh))]
    return struct.pack(">8I", *h)


def _primes(count):
    out, n = [], 2
    while len(out) < count:
        if all(n % p for p in out):
            out.append(n)
        n += 1
    return out


def test_sha256_oracle_against_a_written_out_sha256(wl):
    assert _sha256(b"abc").hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    for n in (0, 1, 55, 56, 64, 121):
        data = struct.pack(f"<{(n + 3) // 4}I", *lcg_words(42, (n + 3) // 4))[:n]
        assert wl["sha256"].expected(n) == int.from_bytes(_sha256(data)[:4], "big"), n


def test_aes128_oracle_against_fips197_and_sp800_38a(wl):
    aes = oracle_module(wl, "aes128")
    # FIPS-197 appendix C.1
    schedule = aes.expand_key(bytes(range(16)))
    assert aes.encrypt_block(schedule, bytes.fromhex("00112233445566778899aabbccddeeff")).hex() == \
        "69c4e0d86a7b0430d8cdb78070b4c55a"
    # FIPS-197 appendix A.1: the last round key of the example key
    schedule = aes.expand_key(bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c"))
    assert bytes(sum(schedule[40:44], [])).hex() == "d014f9a8c9ee2589e13f0cc8b6630ca6"
    # SP 800-38A F.5.1, CTR-AES128.Encrypt
    plain = bytes.fromhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
                          "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
    cipher = aes.ctr(bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c"),
                     bytes.fromhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), plain)
    assert cipher.hex() == ("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
                            "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee")
    # the checksum: key, counter, then plaintext words from the generator
    words = lcg_words(42, 8 + 4 * 3)
    raw = struct.pack(f"<{len(words)}I", *words)
    c = aes.ctr(raw[:16], raw[16:32], raw[32:])
    assert wl["aes128"].expected(3) == h31(struct.unpack("<12I", c))


def test_base64_oracle_against_rfc4648_and_a_hand_encoder(wl):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    def encode(data):
        bits = "".join(f"{b:08b}" for b in data)
        bits += "0" * (-len(bits) % 6)
        text = "".join(alphabet[int(bits[i:i + 6], 2)] for i in range(0, len(bits), 6))
        return (text + "=" * (-len(text) % 4)).encode()

    for plain, text in ((b"", b""), (b"f", b"Zg=="), (b"fo", b"Zm8="), (b"foo", b"Zm9v"), (b"foobar", b"Zm9vYmFy")):
        assert encode(plain) == text  # RFC 4648 section 10
    for n in (1, 2, 3, 768, 770, 1540):
        data = struct.pack(f"<{(n + 3) // 4}I", *lcg_words(42, (n + 3) // 4))[:n]
        text = encode(data)
        assert wl["base64"].expected(n) == h31(struct.unpack(f"<{len(text) // 4}I", text)), n


def test_quicksort_oracle_agrees_with_the_bubblesort_oracle(wl):
    """The same generator, the same position-weighted checksum of the sorted array."""
    for n, seed in ((1, 42), (70, 42), (500, 9)):
        assert wl["quicksort"].expected(n, seed) == wl["bubblesort"].expected(n, seed)


def test_matmul_oracle_against_numpy(wl):
    import numpy as np

    for n in (1, 7, 20):
        vals = np.array([w >> 16 for w in lcg_words(42, 2 * n * n)], dtype=np.int64)
        vals = np.where(vals >= 0x8000, vals - 0x10000, vals)
        a, b = vals[:n * n].reshape(n, n), vals[n * n:].reshape(n, n)
        c = (a @ b) % 2**32
        assert wl["matmul"].expected(n) == h31(int(v) for v in c.flatten()), n


def test_dijkstra_oracle_against_floyd_warshall(wl):
    dj = oracle_module(wl, "dijkstra")
    for n in (2, 9, 25):
        adj = dj.graph(n, 42)
        inf = float("inf")
        d = [[0 if i == j else adj[i].get(j, inf) for j in range(n)] for i in range(n)]
        for k in range(n):
            for i in range(n):
                for j in range(n):
                    if d[i][k] + d[k][j] < d[i][j]:
                        d[i][j] = d[i][k] + d[k][j]
        assert wl["dijkstra"].expected(n) == h31(v for row in d for v in row), n
        assert n < 9 or sum(len(a) for a in adj) > n  # more edges than the ring


def test_fir_oracle_against_numpy_convolution(wl):
    import numpy as np

    fir = oracle_module(wl, "fir")
    taps = fir.taps()
    kernel_c = (wl["fir"].directory / "kernel.c").read_text()
    table = [int(v) for v in re.search(r"H\[TAPS\] = \{([^}]*)\}", kernel_c).group(1).replace("\n", " ").split(",") if v.strip()]
    assert taps == table  # the kernel's table is the design the oracle computes
    assert sum(abs(t) for t in taps) < 2**16  # so a 32-bit accumulator cannot overflow
    for n in (1, 31, 45, 300):
        xs = np.array(fir.samples(n, 42), dtype=np.int64)
        acc = np.convolve(xs, np.array(taps, dtype=np.int64))[:n] + (1 << 14)
        ys = np.clip(acc >> 15, -32768, 32767)
        assert wl["fir"].expected(n) == h31(int(y) & 0xFFFF for y in ys), n


def test_fft_oracle_against_a_naive_dft(wl):
    fft = oracle_module(wl, "fft")
    for size in (8, 16, 64, 256):
        xs = [(w >> 16) - 0x10000 if (w >> 16) & 0x8000 else w >> 16 for w in lcg_words(5, size)]
        re_, im_ = fft.fft_q15(xs, [0] * size)
        for k in range(size):
            dr = sum(x * math.cos(2 * math.pi * k * t / size) for t, x in enumerate(xs)) / size
            di = -sum(x * math.sin(2 * math.pi * k * t / size) for t, x in enumerate(xs)) / size
            # rounding: at most about one unit per stage
            assert abs(re_[k] - dr) <= 1 + math.log2(size) and abs(im_[k] - di) <= 1 + math.log2(size), (size, k)
    kernel_c = (wl["fft"].directory / "kernel.c").read_text()
    table = [int(v) for v in re.search(r"SIN_Q\[65\] = \{([^}]*)\}", kernel_c).group(1).replace("\n", " ").split(",") if v.strip()]
    assert table == [round(32767 * math.sin(2 * math.pi * k / 256)) for k in range(65)]


def test_biquad_oracle_against_struct_rounded_float32(wl):
    def f32(v):
        return struct.unpack("<f", struct.pack("<f", v))[0]

    def reference(n, seed):
        sections = [[f32(k / 65536) for k in sec] for sec in ((4427, 8854, 4427, -74907, 27054),
                                                              (13540, 27080, 13540, -24216, 12832))]
        state = [[0.0] * 4 for _ in sections]
        out = []
        for w in lcg_words(seed, n):
            v = w >> 16
            s = f32((v - 0x10000 if v & 0x8000 else v) * f32(1 / 32768))
            for (b0, b1, b2, a1, a2), st in zip(sections, state):
                x1, x2, y1, y2 = st
                acc = f32(b0 * s)
                acc = f32(acc + f32(b1 * x1))
                acc = f32(acc + f32(b2 * x2))
                acc = f32(acc - f32(a1 * y1))
                acc = f32(acc - f32(a2 * y2))
                st[:] = [s, x1, acc, y1]
                s = acc
            out.append(struct.unpack("<I", struct.pack("<f", s))[0])
        return h31(out)

    for n, seed in ((1, 42), (50, 42), (400, 7)):
        assert wl["biquad"].expected(n, seed) == reference(n, seed)


def test_lzss_oracle_against_the_brute_force_search_and_its_round_trip(wl):
    import zlib

    lz = oracle_module(wl, "lzss")

    def brute(s):  # the kernel's search, written plainly
        out, i, item, flag = bytearray(), 0, 0, 0
        while i < len(s):
            if item % 8 == 0:
                flag = len(out)
                out.append(0)
            top, best, dist = min(34, len(s) - i), 0, 0
            if top >= 3:
                for d in range(1, min(i, 128) + 1):
                    n = 0
                    while n < top and s[i - d + n] == s[i + n]:
                        n += 1
                    if n > best:
                        best, dist = n, d
            if best >= 3:
                out[flag] |= 1 << (item % 8)
                out += bytes([dist, best - 3])
                i += best
            else:
                out.append(s[i])
                i += 1
            item += 1
        return bytes(out)

    for n in (1, 3, 40, 300, 1000):
        text = lz.text(n, 42)
        assert len(text) == n
        packed = lz.compress(text)
        assert packed == brute(text), n
        assert lz.decompress(packed) == text
    text = lz.text(2048, 42)
    # the generated text is compressible, as text is: LZSS gets within 2x of zlib's size
    assert len(lz.compress(text)) < 2 * len(zlib.compress(text, 9)) < len(text)


def test_frames_oracle_against_a_state_machine_and_hand_made_streams(wl):
    fr = oracle_module(wl, "frames")

    def machine(stream):  # the parser written as the kernel's state machine
        state, seen, body, ovf, valid, invalid = "idle", 0, [], False, [], 0
        for b in stream:
            if b == 0x7E:
                if state != "idle" and seen:
                    ok = state != "esc" and not ovf and len(body) >= 3 and body[1] == len(body) - 3 \
                        and sum(body[:-1]) & 0xFF == body[-1]
                    if ok:
                        valid.append(bytes(body))
                    else:
                        invalid += 1
                state, seen, body, ovf = "in", 0, [], False
                continue
            if state == "idle":
                continue
            seen += 1
            if state == "in" and b == 0x7D:
                state = "esc"
                continue
            if state == "esc":
                b, state = b ^ 0x20, "in"
            if len(body) < 32:
                body.append(b)
            else:
                ovf = True
        return valid, invalid

    ok_frame = bytes([0x7E, 1, 2, 0x7D, 0x5E, 9, (1 + 2 + 0x7E + 9) & 0xFF, 0x7E])  # payload 0x7E stuffed
    cases = {
        ok_frame: (1, 0),
        b"\x55\x7e\x7e\x7e" + ok_frame: (1, 0),                     # noise before the first flag; empty frames
        bytes([0x7E, 1, 0, 1, 0x7D, 0x7E]): (0, 1),                 # ends inside an escape
        bytes([0x7E, 1, 0, 2, 0x7E]): (0, 1),                        # bad sum
        bytes([0x7E, 1, 5, 6, 0x7E]): (0, 1),                        # length does not match
        bytes([0x7E]) + bytes([0, 33] + [1] * 33 + [34]) + bytes([0x7E]): (0, 1),  # longer than 32 bytes
        ok_frame[:-1]: (0, 0),                                      # not closed: not a frame yet
    }
    for stream, (nv, ni) in cases.items():
        valid, invalid = fr.frames(stream)
        assert (len(valid), invalid) == (nv, ni), stream.hex()
        assert machine(stream) == (valid, invalid)
    for n, seed in ((1, 42), (150, 42), (600, 5)):
        stream = fr.wire(n, seed)
        assert fr.frames(stream) == machine(stream)
    valid, invalid = fr.frames(fr.wire(600, 5))
    assert invalid > 30 and len(valid) > 450  # corruption is exercised, most frames pass
    assert any(0x7D in body or 0x7E in body for body in valid)  # stuffing is exercised


# ---- the kernels, built and run -------------------------------------------------------------

@pytest.mark.parametrize("lang", ["c", "rust"])
@pytest.mark.parametrize("name", KERNELS)
def test_kernel_builds_to_wasm_without_imports_and_gives_the_oracles_checksum(wl, name, lang):
    import wasm3

    from wasmcu.runtimes.wasm3 import STACK_BYTES

    w, n = wl[name], SMALL[name]
    module = wasm.build_wasm(kernel_source(w, n, lang))
    wat = module.wat.read_text()
    assert '(export "run" (func' in wat and "(import" not in wat
    assert wasm.memory_pages(module.wasm.read_bytes()) == 1
    if lang == "c":
        assert module.meta["unreachable_in_wat"] == 0
    lib = ctypes.CDLL(str(host.build_native(kernel_source(w, n, lang))))
    lib.run.restype, lib.run.argtypes = ctypes.c_uint32, [ctypes.c_uint32]
    env = wasm3.Environment()
    rt = env.new_runtime(STACK_BYTES)
    rt.load(env.parse_module(module.wasm.read_bytes()))
    run = rt.find_function("run")
    for seed in (42, 7):
        expected = w.expected(n, seed)
        assert lib.run(seed) == expected, f"native {name}:{n}/{lang} seed {seed}"
        assert run(seed) & MASK == expected, f"wasm3 {name}:{n}/{lang} seed {seed}"
    assert lib.run(42) == w.expected(n, 42)  # a second call: no state left over from the first


@pytest.mark.parametrize("name", KERNELS)
def test_no_kernel_is_folded_into_its_checksum(wl, name):
    """The seed arrives at run time: neither the native library nor the module holds the
    expected checksum as a constant."""
    n = SMALL[name]
    expected = wl[name].expected(n)
    signed = expected - (1 << 32) if expected >= 1 << 31 else expected
    for lang in ("c", "rust"):
        assert struct.pack("<I", expected) not in host.build_native(kernel_source(wl[name], n, lang)).read_bytes(), lang
        assert not re.search(rf"i32\.const {signed}\b", wasm.build_wasm(kernel_source(wl[name], n, lang)).wat.read_text()), lang


@pytest.mark.parametrize("name", KERNELS)
def test_default_size_fits_one_wasm_page(wl, name):
    for lang in ("c", "rust"):
        module = wasm.build_wasm(kernel_source(wl[name], wl[name].sizes[0], lang))
        assert wasm.memory_pages(module.wasm.read_bytes()) == 1 and "(import" not in module.wat.read_text()


def test_a_module_too_big_for_its_page_does_not_fit_with_sizes(db):
    proc, cells = bench_json("--device", "host", "--runtime", "wasm3", "--workload", "quicksort:20000", "--lang", "c",
                             "--db", str(db))
    assert proc.returncode == 1
    assert cells[0]["status"] == "does-not-fit"
    assert re.search(r"quicksort:20000 needs 8\d\.\d KB", cells[0]["error"]) and "64 KB page" in cells[0]["error"]


@pytest.mark.qemu
def test_a_subset_on_an_emulated_board(db):
    """Soft float, fixed-point DSP, a block cipher and a protocol parser, native and wasm3, on the ESP32-C6."""
    spec = "biquad:20,fft:1,aes128:2,frames:40"
    proc, cells = bench_json("--device", "esp32c6", "--runtime", "native,wasm3", "--workload", spec, "--lang", "c,rust",
                             "--db", str(db), "--timeout", "120")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(cells) == 16 and all(c["status"] == "ok" and c["checksum"] == c["expected"] for c in cells)
    assert all(c["time_kind"] == "estimated" and c["flash_bytes"] and c["ram_peak_bytes"] for c in cells)


@pytest.mark.qemu
def test_wasm3_stack_overflow_on_the_cortex_m0plus_is_explained(db, tmp_path):
    """GCC makes no sibling calls in Thumb-1 code, so wasm3's operations nest on the native
    stack; SHA-256's long straight-line blocks run a 16 KB stack region down (the Pico's
    profile reserves 24 KB, where the same cell runs)."""
    from wasmcu import devices

    text = devices.discover()["pico"].file.read_text()
    small = re.sub(r'^name = "pico"', 'name = "pico-16k"', text, flags=re.M)
    small = re.sub(r"^stack_bytes = \d+.*$", "stack_bytes = 16384", small, flags=re.M)
    (tmp_path / "pico-16k.toml").write_text(small)
    # the profile's fixed sizes (--ram profile): with the default, the stack would be sized to fit
    proc, cells = bench_json("--device", "pico,pico-16k", "--runtime", "wasm3", "--workload", "sha256:64", "--lang", "c",
                             "--firmware-cc", "gcc", "--db", str(db), "--timeout", "120", "--ram", "profile",
                             env={"WASMCU_DEVICE_PATH": str(tmp_path)})
    by = {c["device"]: c for c in cells}
    assert by["pico"]["status"] == "ok" and by["pico"]["extra"]["stack_hwm_bytes"] > 15 * 1024  # beyond 16 KB less its guard
    assert by["pico-16k"]["status"] == "error" and by["pico-16k"]["error_kind"] == "stack-overflow"
    assert "native stack overflow" in by["pico-16k"]["error"] and "16384 bytes" in by["pico-16k"]["error"]


def test_painted_fault_frame_is_a_stack_overflow_and_others_are_not():
    from wasmcu import devices
    from wasmcu.backends.qemu import arm_fault

    pico = devices.discover()["pico"]
    regs = ["R0", "R1", "R2", "R3", "R12", "LR", "PC", "XPSR"]
    painted = "ARM fault: hardfault\n" + "".join(f"\t{r}:   0xa5a5a5a5\n" for r in regs)
    kind, message = arm_fault(painted, pico)
    assert kind == "stack-overflow" and "native stack overflow" in message
    assert arm_fault(painted.replace("PC:   0xa5a5a5a5", "PC:   0x00000411"), pico) is None


# ---- the score --------------------------------------------------------------------------------

def _cell(wl, rt, time, flash=None, ram=None, device="pico", kind="estimated", rng=None, status=OK, build="o2"):
    return Result(cell=Cell(wl, 10, "c", rt, device, build), backend="qemu", status=status, time_us=time,
                  time_kind=kind, flash_bytes=flash, ram_peak_bytes=ram,
                  cycles=int(time * 125) if kind == "estimated" else None,
                  cycles_kind="estimated cycles" if kind == "estimated" else None,
                  extra={"time_us_range": rng} if rng else {})


def test_score_geometric_mean_and_sd_by_hand():
    from wasmcu.report.score import geomean_gsd, score_table_markdown, scores

    results = [
        _cell("a", "native", 10, 1000, 100, rng=[10, 20]), _cell("b", "native", 100, 2000, 200, rng=[100, 200]),
        _cell("c", "native", 50, 1000, 100, rng=[50, 100]),
        # wasm3: 2x, 8x and 4x in time (geomean 4, logs ln4 + (-ln2, +ln2, 0): sd ln 2)
        _cell("a", "wasm3", 20, 4000, 400, rng=[20, 60]), _cell("b", "wasm3", 800, 8000, 200, rng=[800, 1600]),
        _cell("c", "wasm3", 200, 4000, 100, rng=[200, 300]),
        # excluded: a failed cell, a cell with no native of its build, native itself
        _cell("a", "wasm2c", 999, status="mismatch"), _cell("a", "wasm2c", 30, build="sdk"),
        # measured host cells: 3x and 12x (geomean 6, sd: logs ln6 -+ ln2)
        _cell("a", "native", 1.0, device="host", kind="measured"), _cell("b", "native", 2.0, device="host", kind="measured"),
        _cell("a", "wasm3", 3.0, device="host", kind="measured"), _cell("b", "wasm3", 24.0, device="host", kind="measured"),
    ]
    s = scores(results)
    t = s[("pico", "wasm3", "time")]
    assert t.cells == 3 and t.estimated
    assert t.geomean == pytest.approx(4.0)
    assert t.gsd == pytest.approx(2.0)  # sample SD of (-ln2, ln2, 0) is ln 2
    # the model range: low/low ratios 2, 8, 4 -> 4; high/high 3, 8, 3 -> (72)^(1/3)
    assert t.model_range == pytest.approx((4.0, 72 ** (1 / 3)))
    assert s[("pico", "wasm3", "flash")].geomean == pytest.approx((4 * 4 * 4) ** (1 / 3))
    assert s[("pico", "wasm3", "flash")].gsd == pytest.approx(1.0) and not s[("pico", "wasm3", "flash")].estimated
    assert s[("pico", "wasm3", "ram")].geomean == pytest.approx((4 * 1 * 1) ** (1 / 3))
    h = s[("host", "wasm3", "time")]
    assert h.geomean == pytest.approx(6.0) and h.gsd == pytest.approx(math.exp(math.sqrt(2 * math.log(2) ** 2)))
    assert not h.estimated and h.model_range is None
    assert not any(rt in ("native", "wasm2c") for _, rt, _ in s)
    assert geomean_gsd([3.0]) == (pytest.approx(3.0), 1.0)
    with pytest.raises(ValueError):
        geomean_gsd([1.0, 0.0])
    table = score_table_markdown(results)
    assert "### pico: score per runtime" in table and "| wasm3 | 4.00× (×/÷2.00, 3) est. [4.00–4.16]" in table
    assert "| wasm3 | 6.00× (×/÷2.67, 2) | – | – |" in table  # measured: no est. mark; no footprint on the host
    assert s[("pico", "wasm3", "time")].spread == pytest.approx((2.0, 8.0))


def test_report_has_the_score_table_and_figure(tmp_path, db):
    from wasmcu.report import write_report
    from wasmcu.store import Store

    results = [_cell("a", "native", 10, 1000, 100, rng=[9, 11]), _cell("a", "wasm3", 400, 90_000, 100_000, rng=[380, 420]),
               _cell("a", "native", 1.0, device="host", kind="measured"),
               _cell("a", "wasm3", 20.0, device="host", kind="measured")]
    with Store(db) as s:
        run = s.begin_run({}, [], {})
        for r in results:
            s.add_result(run, r.replace(checksum=1, expected=1))
        s.finish_run(run)
        files = write_report(s, tmp_path / "rep")
    names = {p.name for p in files}
    assert "score.png" in names and (tmp_path / "rep" / "score.png").stat().st_size > 5000
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "## Score per runtime" in md and "40.00× (×/÷1.00, 1) est. [38.18–42.22]" in md
    page = (tmp_path / "rep" / "report.html").read_text()
    assert "Score per runtime and device" in page and "20.00× (×/÷1.00, 1)</td>" in page


@pytest.mark.qemu
def test_float_kernel_uses_the_cortex_m33_fpu_and_soft_float_elsewhere(db):
    """Hardware single precision on the nRF5340's Cortex-M33 (its FPU instructions counted and
    costed), soft float on the Cortex-M0+; the checksums match the oracle's float32 rounding,
    so no multiply-add is fused (-ffp-contract=off: wasm forbids it, and the oracle rounds each step)."""
    proc, cells = bench_json("--device", "nrf5340,pico", "--runtime", "native,wasm2c", "--workload", "biquad:20",
                             "--lang", "c,rust", "--db", str(db), "--timeout", "120")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(cells) == 8 and all(c["status"] == "ok" and c["checksum"] == c["expected"] for c in cells)
    for c in cells:
        run = c["extra"]["events"]["run"]
        fp = run["fp"] + run["fp_mac"] + run["fp_div"]
        if c["device"] == "nrf5340":
            assert fp >= 20 * 4, (c["workload"], c["lang"], c["runtime"], run)  # several per sample
        else:
            assert fp == 0


def test_fpu_costs_are_required_only_where_fpu_instructions_were_counted():
    from wasmcu import devices
    from wasmcu.measure.cycles import CostModel

    pico = devices.discover()["pico"].cycle_model
    events = {e: 0 for e in ("insns", "alu", "load", "store", "mul", "div", "branch", "taken_branches", "jump", "call",
                             "indirect", "multi", "multi_regs", "pop_pc")}
    events.update(insns=10, alu=10)
    assert pico.estimate(events).cycles == 10
    with pytest.raises(ValueError, match="3 fp_div events were counted but the cost table has no 'fp_div' cost"):
        pico.estimate({**events, "fp_div": 3})
    nrf = devices.discover()["nrf5340"].cycle_model
    assert nrf.estimate({**events, "fp": 2, "fp_mac": 1, "fp_div": 1}).cycles == 10 + 2 + 3 + 14
    assert isinstance(nrf, CostModel)
