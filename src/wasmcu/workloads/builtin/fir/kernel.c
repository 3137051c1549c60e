/* 32-tap FIR low-pass filter (cut-off 1/8 of the sample rate, Hamming window) in Q15 fixed
 * point over WASMCU_N 16-bit samples from a linear congruential generator seeded with the
 * run-time argument `seed`; samples before the first are zero. Each output is the 32-bit
 * sum of products (the taps' absolute sum is below 2^16, so it cannot overflow), rounded,
 * shifted right by 15 and saturated to 16 bits. Returns h = h * 31 + y over the outputs
 * as unsigned 16-bit values. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

#define TAPS 32

static const int16_t H[TAPS] = {
    -21, -60, -84, -52, 78, 273, 387, 221, -301, -974, -1305, -731, 1017, 3642, 6306, 7987,
    7987, 6306, 3642, 1017, -731, -1305, -974, -301, 221, 387, 273, 78, -52, -84, -60, -21,
};

static int16_t xs[WASMCU_N];

uint32_t run(uint32_t seed)
{
    uint32_t x = seed;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        x = x * 1664525u + 1013904223u;
        xs[i] = (int16_t)(x >> 16);
    }
    uint32_t h = 0;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        uint32_t kmax = i < TAPS - 1 ? i : TAPS - 1;
        int32_t acc = 1 << 14;
        for (uint32_t k = 0; k <= kmax; k++)
            acc += (int32_t)H[k] * (int32_t)xs[i - k];
        int32_t y = acc >> 15;
        if (y > 32767)
            y = 32767;
        else if (y < -32768)
            y = -32768;
        h = h * 31u + (uint16_t)y;
    }
    return h;
}
