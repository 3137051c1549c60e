// The kernel's input: n values from a linear congruential generator seeded at run time.
use alloc::vec::Vec;

pub fn values(seed: u32, n: usize) -> Vec<u32> {
    let mut out = Vec::new();
    let mut x = seed;
    for _ in 0..n {
        x = x.wrapping_mul(1664525).wrapping_add(1013904223);
        out.push(x);
    }
    out
}
