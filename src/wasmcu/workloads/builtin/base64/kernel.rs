// Base64 (RFC 4648, standard alphabet, '=' padding) of `super::N` bytes: the little-endian
// bytes of words from a linear congruential generator seeded with the run-time argument
// `seed`, encoded in 768-byte chunks (the same text as encoding the whole at once), each
// chunk decoded back and compared. Returns h = h * 31 + w over the text's little-endian
// 32-bit words, plus 0x9E3779B9 for every byte the decoder got wrong.

const CHUNK: usize = 768;
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct Buffers {
    input: [u8; CHUNK],
    text: [u8; CHUNK / 3 * 4],
    back: [u8; CHUNK],
    rev: [u8; 256],
}

static mut BUF: Buffers = Buffers { input: [0; CHUNK], text: [0; CHUNK / 3 * 4], back: [0; CHUNK], rev: [0; 256] };

fn encode(src: &[u8], dst: &mut [u8]) -> usize {
    let mut o = 0;
    let mut groups = src.chunks_exact(3);
    for g in &mut groups {
        let v = (g[0] as u32) << 16 | (g[1] as u32) << 8 | g[2] as u32;
        dst[o] = ALPHABET[(v >> 18) as usize];
        dst[o + 1] = ALPHABET[((v >> 12) & 63) as usize];
        dst[o + 2] = ALPHABET[((v >> 6) & 63) as usize];
        dst[o + 3] = ALPHABET[(v & 63) as usize];
        o += 4;
    }
    match *groups.remainder() {
        [a] => {
            let v = (a as u32) << 16;
            dst[o] = ALPHABET[(v >> 18) as usize];
            dst[o + 1] = ALPHABET[((v >> 12) & 63) as usize];
            dst[o + 2] = b'=';
            dst[o + 3] = b'=';
            o += 4;
        }
        [a, b] => {
            let v = (a as u32) << 16 | (b as u32) << 8;
            dst[o] = ALPHABET[(v >> 18) as usize];
            dst[o + 1] = ALPHABET[((v >> 12) & 63) as usize];
            dst[o + 2] = ALPHABET[((v >> 6) & 63) as usize];
            dst[o + 3] = b'=';
            o += 4;
        }
        _ => {}
    }
    o
}

fn decode(rev: &[u8; 256], src: &[u8], dst: &mut [u8]) -> usize {
    let mut o = 0;
    for q in src.chunks_exact(4) {
        let v = (rev[q[0] as usize] as u32) << 18
            | (rev[q[1] as usize] as u32) << 12
            | (rev[q[2] as usize] as u32) << 6
            | rev[q[3] as usize] as u32;
        dst[o] = (v >> 16) as u8;
        o += 1;
        if q[2] != b'=' {
            dst[o] = (v >> 8) as u8;
            o += 1;
        }
        if q[3] != b'=' {
            dst[o] = v as u8;
            o += 1;
        }
    }
    o
}

pub fn run(seed: u32) -> u32 {
    // Single-threaded kernel: no other reference to BUF exists.
    let buf = unsafe { &mut *core::ptr::addr_of_mut!(BUF) };
    for (i, &c) in ALPHABET.iter().enumerate() {
        buf.rev[c as usize] = i as u8; // '=' and other bytes stay 0
    }
    let (mut x, mut w, mut h, mut bad) = (seed, 0u32, 0u32, 0u32);
    let mut done = 0;
    while done < super::N {
        let len = core::cmp::min(super::N - done, CHUNK);
        for i in 0..len {
            if i & 3 == 0 {
                x = x.wrapping_mul(1664525).wrapping_add(1013904223);
                w = x;
            }
            buf.input[i] = (w >> (8 * (i & 3))) as u8;
        }
        let tlen = encode(&buf.input[..len], &mut buf.text);
        for q in buf.text[..tlen].chunks_exact(4) {
            h = h.wrapping_mul(31).wrapping_add(u32::from_le_bytes([q[0], q[1], q[2], q[3]]));
        }
        let blen = decode(&buf.rev, &buf.text[..tlen], &mut buf.back);
        if blen != len {
            bad += 1;
        }
        for (a, b) in buf.back[..blen].iter().zip(buf.input[..len].iter()) {
            bad += (a != b) as u32;
        }
        done += CHUNK;
    }
    h.wrapping_add(bad.wrapping_mul(0x9E37_79B9))
}
