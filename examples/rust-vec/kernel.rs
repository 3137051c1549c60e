// Counting sort by the top four bits, with the allocations a firmware engineer would write.
mod gen;

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

pub fn run(seed: u32) -> u32 {
    let values: Vec<u32> = gen::values(seed, super::N);
    let mut counts = vec![0usize; 16];
    for v in values.iter() {
        counts[(*v >> 28) as usize] += 1;
    }
    let mut start: Vec<usize> = Vec::with_capacity(16);
    let mut total = 0;
    for c in counts.iter() {
        start.push(total);
        total += c;
    }
    let mut sorted: Box<[u32]> = vec![0u32; values.len()].into_boxed_slice();
    for v in values.iter() {
        let bucket = (*v >> 28) as usize;
        sorted[start[bucket]] = *v;
        start[bucket] += 1;
    }
    let mut h: u32 = 0;
    for v in sorted.iter() {
        h = h.wrapping_mul(31).wrapping_add(*v >> 28).wrapping_add(*v & 0xFF);
    }
    h
}
