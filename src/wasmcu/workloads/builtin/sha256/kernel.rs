// SHA-256 (FIPS 180-4) of a `super::N`-byte message: the little-endian bytes of words from a
// linear congruential generator seeded with the run-time argument `seed`, hashed block by
// block as they are generated (no message buffer). Returns the first four bytes of the
// digest as a big-endian word.

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// One 64-byte block, its 16 big-endian words in w[0..16].
fn compress(state: &mut [u32; 8], w: &mut [u32; 64]) {
    for t in 16..64 {
        let s0 = w[t - 15].rotate_right(7) ^ w[t - 15].rotate_right(18) ^ (w[t - 15] >> 3);
        let s1 = w[t - 2].rotate_right(17) ^ w[t - 2].rotate_right(19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16].wrapping_add(s0).wrapping_add(w[t - 7]).wrapping_add(s1);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for t in 0..64 {
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = h.wrapping_add(s1).wrapping_add(ch).wrapping_add(K[t]).wrapping_add(w[t]);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        h = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

pub fn run(seed: u32) -> u32 {
    let mut state: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ];
    let mut w = [0u32; 64];
    let mut x = seed;
    let n = super::N;
    for _ in 0..n / 64 {
        for slot in w[..16].iter_mut() {
            x = x.wrapping_mul(1664525).wrapping_add(1013904223);
            *slot = x.swap_bytes(); // message bytes are the generator's little-endian bytes
        }
        compress(&mut state, &mut w);
    }
    // the last partial block, the 0x80 byte, zeros and the bit length: one or two blocks
    let rest = n % 64;
    let blocks = if rest < 56 { 1 } else { 2 };
    let bits = (n as u64) * 8;
    let mut word = 0u32;
    for blk in 0..blocks {
        for t in 0..16 {
            let mut v = 0u32;
            for k in 0..4 {
                let i = blk * 64 + t * 4 + k; // byte index within the tail
                let byte = if i < rest {
                    if i & 3 == 0 {
                        x = x.wrapping_mul(1664525).wrapping_add(1013904223);
                        word = x;
                    }
                    (word >> (8 * (i & 3))) & 0xFF
                } else if i == rest {
                    0x80
                } else if i >= blocks * 64 - 8 {
                    ((bits >> (8 * (blocks * 64 - 1 - i))) & 0xFF) as u32
                } else {
                    0
                };
                v = (v << 8) | byte;
            }
            w[t] = v;
        }
        compress(&mut state, &mut w);
    }
    state[0]
}
