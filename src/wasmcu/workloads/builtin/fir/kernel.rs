// 32-tap FIR low-pass filter (cut-off 1/8 of the sample rate, Hamming window) in Q15 fixed
// point over `super::N` 16-bit samples from a linear congruential generator seeded with the
// run-time argument `seed`; samples before the first are zero. Each output is the 32-bit
// sum of products (the taps' absolute sum is below 2^16, so it cannot overflow), rounded,
// shifted right by 15 and saturated to 16 bits. Returns h = h * 31 + y over the outputs
// as unsigned 16-bit values.

const TAPS: usize = 32;
const H: [i16; TAPS] = [
    -21, -60, -84, -52, 78, 273, 387, 221, -301, -974, -1305, -731, 1017, 3642, 6306, 7987,
    7987, 6306, 3642, 1017, -731, -1305, -974, -301, 221, 387, 273, 78, -52, -84, -60, -21,
];

static mut XS: [i16; super::N] = [0; super::N];

pub fn run(seed: u32) -> u32 {
    // Single-threaded kernel: no other reference to XS exists.
    let xs = unsafe { &mut *core::ptr::addr_of_mut!(XS) };
    let mut x = seed;
    for v in xs.iter_mut() {
        x = x.wrapping_mul(1664525).wrapping_add(1013904223);
        *v = (x >> 16) as i16;
    }
    let mut h = 0u32;
    for i in 0..xs.len() {
        // taps h[0..] against samples x[i], x[i-1], ... (at most TAPS of them)
        let first = (i + 1).saturating_sub(TAPS);
        let mut acc: i32 = 1 << 14;
        for (&c, &v) in H.iter().zip(xs[first..=i].iter().rev()) {
            acc = acc.wrapping_add(c as i32 * v as i32);
        }
        let y = (acc >> 15).clamp(-32768, 32767);
        h = h.wrapping_mul(31).wrapping_add(y as u16 as u32);
    }
    h
}
