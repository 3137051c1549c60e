// A byte-stuffed frame protocol, generated and parsed by a state machine. A frame on the
// wire is 0x7E, the stuffed body, 0x7E; the body is type, length, `length` payload bytes
// and an 8-bit sum of the bytes before it; stuffing writes 0x7E and 0x7D as 0x7D followed
// by the byte xor 0x20. `super::N` frames come from a linear congruential generator seeded
// with the run-time argument `seed`: type 0..3, length 0..15, random payload, and one
// frame in eight has one stuffed byte corrupted (xor a nonzero value), which may turn it
// into a flag or an escape. The stream is built in a 1 KB buffer and parsed chunk by
// chunk (a chunk ends after a frame). The parser: the bytes between two flags are a frame
// if there are any; it is valid when it does not end in an escape, unstuffs to at most 32
// bytes, at least 3, with length == size - 3 and a matching sum. Returns h = h * 31 + b
// over each valid frame's type and payload, plus 0x10001 per valid frame and 0x9E3779B9
// per invalid one.

const FLAG: u8 = 0x7E;
const ESC: u8 = 0x7D;
const CHUNK: usize = 1024;
const MAX_WIRE: usize = 2 + 2 * (3 + 15); // flags and a fully stuffed body
const MAX_BODY: usize = 32;

#[derive(Clone, Copy, PartialEq)]
enum State {
    Idle,
    In,
    Escaped,
}

struct Parser {
    state: State,
    seen: usize, // raw bytes since the last flag
    len: usize,  // unstuffed bytes kept
    overflow: bool,
    body: [u8; MAX_BODY],
    hash: u32,
    valid: u32,
    invalid: u32,
}

impl Parser {
    fn finish(&mut self) {
        let b = &self.body[..self.len];
        let mut ok = self.state != State::Escaped && !self.overflow && b.len() >= 3 && b[1] as usize == b.len() - 3;
        if ok {
            let mut sum = 0u32;
            for &v in &b[..b.len() - 1] {
                sum += v as u32;
            }
            ok = sum as u8 == b[b.len() - 1];
        }
        if ok {
            self.valid += 1;
            self.hash = self.hash.wrapping_mul(31).wrapping_add(b[0] as u32);
            for &v in &b[2..b.len() - 1] {
                self.hash = self.hash.wrapping_mul(31).wrapping_add(v as u32);
            }
        } else {
            self.invalid += 1;
        }
    }

    fn parse(&mut self, data: &[u8]) {
        for &byte in data {
            let mut b = byte;
            if b == FLAG {
                if self.state != State::Idle && self.seen > 0 {
                    self.finish();
                }
                self.state = State::In;
                self.seen = 0;
                self.len = 0;
                self.overflow = false;
                continue;
            }
            if self.state == State::Idle {
                continue;
            }
            self.seen += 1;
            if self.state == State::In && b == ESC {
                self.state = State::Escaped;
                continue;
            }
            if self.state == State::Escaped {
                b ^= 0x20;
                self.state = State::In;
            }
            if self.len < MAX_BODY {
                self.body[self.len] = b;
                self.len += 1;
            } else {
                self.overflow = true;
            }
        }
    }
}

static mut WIRE: [u8; CHUNK] = [0; CHUNK];

pub fn run(seed: u32) -> u32 {
    // Single-threaded kernel: no other reference to WIRE exists.
    let wire = unsafe { &mut *core::ptr::addr_of_mut!(WIRE) };
    let mut p = Parser {
        state: State::Idle, seen: 0, len: 0, overflow: false, body: [0; MAX_BODY], hash: 0, valid: 0, invalid: 0,
    };
    let (mut x, mut used) = (seed, 0usize);
    for _ in 0..super::N {
        if used + MAX_WIRE > CHUNK {
            p.parse(&wire[..used]);
            used = 0;
        }
        x = x.wrapping_mul(1664525).wrapping_add(1013904223);
        let (ftype, len, corrupt) = (x >> 30, ((x >> 16) & 15) as usize, (x >> 8) & 7 == 0);
        let mut body = [0u8; 3 + 15];
        body[0] = ftype as u8;
        body[1] = len as u8;
        let (mut sum, mut w) = (ftype + len as u32, 0u32);
        for i in 0..len {
            if i & 3 == 0 {
                x = x.wrapping_mul(1664525).wrapping_add(1013904223);
                w = x;
            }
            body[2 + i] = (w >> (8 * (i & 3))) as u8;
            sum += body[2 + i] as u32;
        }
        body[2 + len] = sum as u8;
        let start = used;
        wire[used] = FLAG;
        used += 1;
        for &b in &body[..len + 3] {
            if b == FLAG || b == ESC {
                wire[used] = ESC;
                wire[used + 1] = b ^ 0x20;
                used += 2;
            } else {
                wire[used] = b;
                used += 1;
            }
        }
        if corrupt {
            let stuffed = (used - start - 1) as u32;
            x = x.wrapping_mul(1664525).wrapping_add(1013904223);
            wire[start + 1 + (((x >> 16) * stuffed) >> 16) as usize] ^= ((x >> 24) | 1) as u8;
        }
        wire[used] = FLAG;
        used += 1;
    }
    p.parse(&wire[..used]);
    p.hash.wrapping_add(p.valid.wrapping_mul(0x10001)).wrapping_add(p.invalid.wrapping_mul(0x9E37_79B9))
}
