/* Two cascaded biquad IIR sections (direct form I) in single-precision floating point
 * over WASMCU_N samples: int16 values from a linear congruential generator seeded with the
 * run-time argument `seed`, scaled by 2^-15. Low-pass sections at 0.1 and 0.2 of the sample
 * rate; every coefficient is k / 65536, exact in binary32. Each product and sum is one
 * IEEE-754 single-precision operation in the order written (no fused multiply-add: none of
 * the targets has one, and the statements are kept apart). Returns h = h * 31 + bits
 * over the second section's outputs. On a core without an FPU this is soft float. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

typedef struct {
    float b0, b1, b2, a1, a2;  /* y = b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2 */
    float x1, x2, y1, y2;
} biquad;

static float step(biquad *q, float in)
{
    float acc = q->b0 * in;
    float p = q->b1 * q->x1;
    acc = acc + p;
    p = q->b2 * q->x2;
    acc = acc + p;
    p = q->a1 * q->y1;
    acc = acc - p;
    p = q->a2 * q->y2;
    acc = acc - p;
    q->x2 = q->x1;
    q->x1 = in;
    q->y2 = q->y1;
    q->y1 = acc;
    return acc;
}

static uint32_t bits(float f)
{
    union { float f; uint32_t u; } v;
    v.f = f;
    return v.u;
}

uint32_t run(uint32_t seed)
{
    const float s = 1.0f / 65536.0f;
    biquad q1 = {4427 * s, 8854 * s, 4427 * s, -74907 * s, 27054 * s, 0, 0, 0, 0};
    biquad q2 = {13540 * s, 27080 * s, 13540 * s, -24216 * s, 12832 * s, 0, 0, 0, 0};
    uint32_t x = seed, h = 0;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        x = x * 1664525u + 1013904223u;
        float in = (float)(int16_t)(x >> 16) * (1.0f / 32768.0f);
        float y = step(&q2, step(&q1, in));
        h = h * 31u + bits(y);
    }
    return h;
}
