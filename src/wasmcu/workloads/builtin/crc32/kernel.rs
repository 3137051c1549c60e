// CRC-32 (IEEE 802.3: reflected, polynomial 0xEDB88320, initial value and final xor
// 0xFFFFFFFF), table-driven, over `super::N` bytes: the little-endian bytes of words from a
// linear congruential generator seeded with the run-time argument `seed`. The 256-entry
// table is built at run time in RAM (1 KB). Returns the CRC.

static mut TABLE: [u32; 256] = [0; 256];

pub fn run(seed: u32) -> u32 {
    // Single-threaded kernel: no other reference to TABLE exists.
    let table = unsafe { &mut *core::ptr::addr_of_mut!(TABLE) };
    for (i, slot) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { (c >> 1) ^ 0xEDB8_8320 } else { c >> 1 };
        }
        *slot = c;
    }
    let mut crc: u32 = 0xFFFF_FFFF;
    let mut x = seed;
    let mut w = 0u32;
    for i in 0..super::N {
        if i & 3 == 0 {
            x = x.wrapping_mul(1664525).wrapping_add(1013904223);
            w = x;
        }
        crc = table[((crc ^ w) & 0xFF) as usize] ^ (crc >> 8);
        w >>= 8;
    }
    !crc
}
