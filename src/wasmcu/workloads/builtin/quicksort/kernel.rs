// Quicksort of `super::N` 32-bit integers from a linear congruential generator seeded with
// the run-time argument `seed`: Hoare partition around the middle element, the smaller
// side first on an explicit stack (depth at most log2 n), insertion sort below 16
// elements. Returns a position-weighted checksum of the sorted array.

static mut DATA: [u32; super::N] = [0; super::N];

fn insertion(d: &mut [u32]) {
    for i in 1..d.len() {
        let v = d[i];
        let mut j = i;
        while j > 0 && d[j - 1] > v {
            d[j] = d[j - 1];
            j -= 1;
        }
        d[j] = v;
    }
}

/// Hoare partition of a slice of at least 2 elements: returns j with d[..=j] <= pivot <= d[j+1..].
fn partition(d: &mut [u32]) -> usize {
    let pivot = d[(d.len() - 1) / 2];
    let mut i = 0usize;
    let mut j = d.len() - 1;
    loop {
        while d[i] < pivot {
            i += 1;
        }
        while d[j] > pivot {
            j -= 1;
        }
        if i >= j {
            return j;
        }
        d.swap(i, j);
        i += 1;
        j -= 1;
    }
}

pub fn run(seed: u32) -> u32 {
    // Single-threaded kernel: no other reference to DATA exists.
    let data = unsafe { &mut *core::ptr::addr_of_mut!(DATA) };
    let mut x = seed;
    for v in data.iter_mut() {
        x = x.wrapping_mul(1664525).wrapping_add(1013904223);
        *v = x;
    }
    let mut stack = [(0usize, 0usize); 32];
    let mut sp = 0;
    let (mut lo, mut hi) = (0usize, super::N - 1);
    loop {
        while hi - lo + 1 > 16 {
            let j = lo + partition(&mut data[lo..=hi]);
            // [lo, j] and [j + 1, hi]: push the larger, continue with the smaller
            if j - lo < hi - j - 1 {
                stack[sp] = (j + 1, hi);
                hi = j;
            } else {
                stack[sp] = (lo, j);
                lo = j + 1;
            }
            sp += 1;
        }
        insertion(&mut data[lo..=hi]);
        if sp == 0 {
            break;
        }
        sp -= 1;
        lo = stack[sp].0;
        hi = stack[sp].1;
    }
    let mut h: u32 = 0;
    for v in data.iter() {
        h = h.wrapping_mul(31).wrapping_add(*v);
    }
    h
}
