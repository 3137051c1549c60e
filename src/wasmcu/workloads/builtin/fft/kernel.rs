// Q15 fixed-point complex FFT of 256 points (radix 2, decimation in time, in place after a
// bit-reversal permutation), each butterfly scaled by 1/2 so the result is the DFT / 256,
// over `super::N` frames of real 16-bit samples from a linear congruential generator seeded
// with the run-time argument `seed`. Twiddles come from a quarter-wave table of
// round(32767 sin(2 pi k / 256)); products are rounded (+2^14, >> 15). Returns
// h = h * 31 + v over each frame's bins, real then imaginary part.

const POINTS: usize = 256;
const LOG2_POINTS: u32 = 8;

const SIN_Q: [i16; 65] = [
    0, 804, 1608, 2410, 3212, 4011, 4808, 5602, 6393, 7179, 7962, 8739, 9512, 10278, 11039, 11793,
    12539, 13279, 14010, 14732, 15446, 16151, 16846, 17530, 18204, 18868, 19519, 20159, 20787, 21403,
    22005, 22594, 23170, 23731, 24279, 24811, 25329, 25832, 26319, 26790, 27245, 27683, 28105, 28510,
    28898, 29268, 29621, 29956, 30273, 30571, 30852, 31113, 31356, 31580, 31785, 31971, 32137, 32285,
    32412, 32521, 32609, 32678, 32728, 32757, 32767,
];

static mut RE: [i32; POINTS] = [0; POINTS];
static mut IM: [i32; POINTS] = [0; POINTS];

pub fn run(seed: u32) -> u32 {
    // Single-threaded kernel: no other reference to RE or IM exists.
    let re = unsafe { &mut *core::ptr::addr_of_mut!(RE) };
    let im = unsafe { &mut *core::ptr::addr_of_mut!(IM) };
    let (mut x, mut h) = (seed, 0u32);
    for _ in 0..super::N {
        for i in 0..POINTS {
            let r = (i as u32).reverse_bits() >> (32 - LOG2_POINTS);
            x = x.wrapping_mul(1664525).wrapping_add(1013904223);
            re[r as usize] = (x >> 16) as i16 as i32;
            im[r as usize] = 0; // real input
        }
        let mut m = 2;
        while m <= POINTS {
            let (half, step) = (m / 2, POINTS / m);
            for k in 0..half {
                let t = k * step; // angle 2 pi t / 256, t < 128
                let c = if t <= 64 { SIN_Q[64 - t] as i32 } else { -(SIN_Q[t - 64] as i32) };
                let s = if t <= 64 { SIN_Q[t] as i32 } else { SIN_Q[128 - t] as i32 };
                let mut j = k;
                while j < POINTS {
                    let q = j + half;
                    // (c - i s)(re + i im)
                    let tr = (c * re[q] + s * im[q] + (1 << 14)) >> 15;
                    let ti = (c * im[q] - s * re[q] + (1 << 14)) >> 15;
                    re[q] = (re[j] - tr) >> 1;
                    im[q] = (im[j] - ti) >> 1;
                    re[j] = (re[j] + tr) >> 1;
                    im[j] = (im[j] + ti) >> 1;
                    j += m;
                }
            }
            m <<= 1;
        }
        for (r, i) in re.iter().zip(im.iter()) {
            h = h.wrapping_mul(31).wrapping_add(*r as u32);
            h = h.wrapping_mul(31).wrapping_add(*i as u32);
        }
    }
    h
}
