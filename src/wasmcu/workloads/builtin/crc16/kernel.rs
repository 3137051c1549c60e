// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor)
// over the little-endian bytes of `super::N` 32-bit integers from a generator
// seeded with the run-time argument `seed` (bitwise heavy). Returns the CRC.

static mut DATA: [u32; super::N] = [0; super::N];

pub fn run(seed: u32) -> u32 {
    // Single-threaded kernel: no other reference to DATA exists.
    let data = unsafe { &mut *core::ptr::addr_of_mut!(DATA) };
    let mut x: u32 = seed;
    for v in data.iter_mut() {
        x = x.wrapping_mul(1664525).wrapping_add(1013904223);
        *v = x;
    }
    let mut crc: u16 = 0xFFFF;
    for w in data.iter() {
        for byte in w.to_le_bytes() {
            crc ^= (byte as u16) << 8;
            for _ in 0..8 {
                crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
            }
        }
    }
    crc as u32
}
