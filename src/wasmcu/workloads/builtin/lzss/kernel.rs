// LZSS compression of `super::N` bytes of generated text (words from a 16-word vocabulary
// picked by a linear congruential generator seeded with the run-time argument `seed`,
// some followed by a digit), then decompression and a byte-for-byte check.
// Format: a flag byte before every 8 items (bit i set: item i is a match, least
// significant bit first); a literal is one byte, a match two: the distance back (1..128)
// and the length minus 3 (lengths 3..34). Greedy parsing; at each position the longest
// match within the window, the nearest one on ties. Returns h = h * 31 + b over the
// compressed bytes, then h = h * 31 + their count, plus 0x9E3779B9 for every byte the
// round trip got wrong.

const N: usize = super::N;
const WINDOW: usize = 128;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 34;

const WORDS: [&[u8]; 16] = [
    b"sensor", b"value", b"temp", b"=", b" ", b"ok", b"alarm", b",", b"id", b":", b"humidity", b"\n", b"battery",
    b"low", b"high", b"reading",
];

struct Buffers {
    text: [u8; N],
    packed: [u8; N + N / 8 + 2],
    back: [u8; N],
}

static mut BUF: Buffers = Buffers { text: [0; N], packed: [0; N + N / 8 + 2], back: [0; N] };

fn compress(text: &[u8; N], packed: &mut [u8]) -> usize {
    let (mut o, mut flag, mut bit, mut i) = (0, 0, 0, 0);
    while i < N {
        if bit == 0 {
            flag = o;
            packed[flag] = 0;
            o += 1;
        }
        let maxlen = core::cmp::min(N - i, MAX_MATCH);
        let (mut best, mut dist) = (0, 0);
        if maxlen >= MIN_MATCH {
            let reach = core::cmp::min(i, WINDOW);
            let q = &text[i..i + maxlen];
            for d in 1..reach + 1 {
                let p = &text[i - d..i - d + maxlen];
                let len = p.iter().zip(q).take_while(|(a, b)| a == b).count();
                if len > best {
                    best = len;
                    dist = d;
                    if len == maxlen {
                        break;
                    }
                }
            }
        }
        if best >= MIN_MATCH {
            packed[flag] |= 1 << bit;
            packed[o] = dist as u8;
            packed[o + 1] = (best - MIN_MATCH) as u8;
            o += 2;
            i += best;
        } else {
            packed[o] = text[i];
            o += 1;
            i += 1;
        }
        bit = (bit + 1) & 7;
    }
    o
}

fn decompress(packed: &[u8], back: &mut [u8; N]) -> usize {
    let (mut i, mut o) = (0, 0);
    while i < packed.len() {
        let flags = packed[i];
        i += 1;
        let mut bit = 0;
        while bit < 8 && i < packed.len() {
            if (flags >> bit) & 1 != 0 {
                let d = packed[i] as usize;
                let n = packed[i + 1] as usize + MIN_MATCH;
                i += 2;
                let mut k = 0;
                while k < n && o < N && d <= o {
                    back[o] = back[o - d];
                    k += 1;
                    o += 1;
                }
            } else {
                if o < N {
                    back[o] = packed[i];
                    o += 1;
                }
                i += 1;
            }
            bit += 1;
        }
    }
    o
}

pub fn run(seed: u32) -> u32 {
    // Single-threaded kernel: no other reference to BUF exists.
    let buf = unsafe { &mut *core::ptr::addr_of_mut!(BUF) };
    let (mut x, mut n) = (seed, 0);
    while n < N {
        x = x.wrapping_mul(1664525).wrapping_add(1013904223);
        for &c in WORDS[(x >> 28) as usize] {
            if n == N {
                break;
            }
            buf.text[n] = c;
            n += 1;
        }
        if (x >> 16) & 3 == 0 && n < N {
            buf.text[n] = b'0' + ((x >> 8) & 7) as u8;
            n += 1;
        }
    }
    let len = compress(&buf.text, &mut buf.packed);
    let mut h = 0u32;
    for &b in buf.packed[..len].iter() {
        h = h.wrapping_mul(31).wrapping_add(b as u32);
    }
    h = h.wrapping_mul(31).wrapping_add(len as u32);
    let got = decompress(&buf.packed[..len], &mut buf.back);
    let mut bad = (got != N) as u32;
    for (a, b) in buf.back[..got].iter().zip(buf.text.iter()) {
        bad += (a != b) as u32;
    }
    h.wrapping_add(bad.wrapping_mul(0x9E37_79B9))
}
