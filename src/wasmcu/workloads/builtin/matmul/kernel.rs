// Product C = A x B of two `super::N` x `super::N` matrices of 16-bit signed integers from a
// linear congruential generator seeded with the run-time argument `seed`, accumulated in
// 32 bits (wrapping), row by row. Returns h = h * 31 + c over C in row-major order.

const N: usize = super::N;

static mut A: [[i16; N]; N] = [[0; N]; N];
static mut B: [[i16; N]; N] = [[0; N]; N];

pub fn run(seed: u32) -> u32 {
    // Single-threaded kernel: no other reference to A or B exists.
    let a = unsafe { &mut *core::ptr::addr_of_mut!(A) };
    let b = unsafe { &mut *core::ptr::addr_of_mut!(B) };
    let mut x = seed;
    for m in [&mut *a, &mut *b] {
        for row in m.iter_mut() {
            for v in row.iter_mut() {
                x = x.wrapping_mul(1664525).wrapping_add(1013904223);
                *v = (x >> 16) as i16;
            }
        }
    }
    let mut h = 0u32;
    for row in a.iter() {
        for j in 0..N {
            let mut acc = 0i32;
            for k in 0..N {
                acc = acc.wrapping_add(row[k] as i32 * b[k][j] as i32);
            }
            h = h.wrapping_mul(31).wrapping_add(acc as u32);
        }
    }
    h
}
