// Bubble sort of N 32-bit integers (control-flow heavy).
// `super::N` is the size, set by the build. Input comes from a linear
// congruential generator seeded with the run-time argument `seed`; returns a position-weighted
// checksum of the sorted array.

static mut DATA: [u32; super::N] = [0; super::N];

pub fn run(seed: u32) -> u32 {
    // Single-threaded kernel: no other reference to DATA exists.
    let data = unsafe { &mut *core::ptr::addr_of_mut!(DATA) };
    let mut x: u32 = seed;
    for v in data.iter_mut() {
        x = x.wrapping_mul(1664525).wrapping_add(1013904223);
        *v = x;
    }
    let n = data.len();
    let mut i = 0;
    while i + 1 < n {
        let mut j = 0;
        while j + 1 < n - i {
            if data[j] > data[j + 1] {
                data.swap(j, j + 1);
            }
            j += 1;
        }
        i += 1;
    }
    let mut h: u32 = 0;
    for v in data.iter() {
        h = h.wrapping_mul(31).wrapping_add(*v);
    }
    h
}
