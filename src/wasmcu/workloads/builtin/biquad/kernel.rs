// Two cascaded biquad IIR sections (direct form I) in single-precision floating point
// over `super::N` samples: i16 values from a linear congruential generator seeded with the
// run-time argument `seed`, scaled by 2^-15. Low-pass sections at 0.1 and 0.2 of the sample
// rate; every coefficient is k / 65536, exact in binary32. Each product and sum is one
// IEEE-754 single-precision operation in the order written (Rust never fuses them).
// Returns h = h * 31 + bits over the second section's outputs. On a core without an FPU
// this is soft float.

struct Biquad {
    b0: f32,
    b1: f32,
    b2: f32,
    a1: f32,
    a2: f32, // y = b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2
    x1: f32,
    x2: f32,
    y1: f32,
    y2: f32,
}

impl Biquad {
    fn new(k: [i32; 5]) -> Biquad {
        let s = 1.0f32 / 65536.0;
        Biquad {
            b0: k[0] as f32 * s,
            b1: k[1] as f32 * s,
            b2: k[2] as f32 * s,
            a1: k[3] as f32 * s,
            a2: k[4] as f32 * s,
            x1: 0.0,
            x2: 0.0,
            y1: 0.0,
            y2: 0.0,
        }
    }

    fn step(&mut self, input: f32) -> f32 {
        let mut acc = self.b0 * input;
        acc = acc + self.b1 * self.x1;
        acc = acc + self.b2 * self.x2;
        acc = acc - self.a1 * self.y1;
        acc = acc - self.a2 * self.y2;
        self.x2 = self.x1;
        self.x1 = input;
        self.y2 = self.y1;
        self.y1 = acc;
        acc
    }
}

pub fn run(seed: u32) -> u32 {
    let mut q1 = Biquad::new([4427, 8854, 4427, -74907, 27054]);
    let mut q2 = Biquad::new([13540, 27080, 13540, -24216, 12832]);
    let (mut x, mut h) = (seed, 0u32);
    for _ in 0..super::N {
        x = x.wrapping_mul(1664525).wrapping_add(1013904223);
        let input = ((x >> 16) as i16) as f32 * (1.0 / 32768.0);
        let y = q2.step(q1.step(input));
        h = h.wrapping_mul(31).wrapping_add(y.to_bits());
    }
    h
}
