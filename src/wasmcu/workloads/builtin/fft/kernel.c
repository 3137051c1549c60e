/* Q15 fixed-point complex FFT of 256 points (radix 2, decimation in time, in place after a
 * bit-reversal permutation), each butterfly scaled by 1/2 so the result is the DFT / 256,
 * over WASMCU_N frames of real 16-bit samples from a linear congruential generator seeded
 * with the run-time argument `seed`. Twiddles come from a quarter-wave table of
 * round(32767 sin(2 pi k / 256)); products are rounded (+2^14, >> 15). Returns
 * h = h * 31 + v over each frame's bins, real then imaginary part. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

#define POINTS 256u
#define LOG2_POINTS 8

static const int16_t SIN_Q[65] = {
    0, 804, 1608, 2410, 3212, 4011, 4808, 5602, 6393, 7179, 7962, 8739, 9512, 10278, 11039, 11793,
    12539, 13279, 14010, 14732, 15446, 16151, 16846, 17530, 18204, 18868, 19519, 20159, 20787, 21403,
    22005, 22594, 23170, 23731, 24279, 24811, 25329, 25832, 26319, 26790, 27245, 27683, 28105, 28510,
    28898, 29268, 29621, 29956, 30273, 30571, 30852, 31113, 31356, 31580, 31785, 31971, 32137, 32285,
    32412, 32521, 32609, 32678, 32728, 32757, 32767,
};

static int32_t re[POINTS], im[POINTS];

uint32_t run(uint32_t seed)
{
    uint32_t x = seed, h = 0;
    for (uint32_t frame = 0; frame < WASMCU_N; frame++) {
        for (uint32_t i = 0; i < POINTS; i++) {
            uint32_t r = 0;
            for (int b = 0; b < LOG2_POINTS; b++)
                r |= ((i >> b) & 1u) << (LOG2_POINTS - 1 - b);
            x = x * 1664525u + 1013904223u;
            re[r] = (int16_t)(x >> 16);
            im[r] = 0;  /* real input */
        }
        for (uint32_t m = 2; m <= POINTS; m <<= 1) {
            uint32_t half = m >> 1, step = POINTS / m;
            for (uint32_t k = 0; k < half; k++) {
                uint32_t t = k * step;  /* angle 2 pi t / 256, t < 128 */
                int32_t c = t <= 64 ? SIN_Q[64 - t] : -SIN_Q[t - 64];
                int32_t s = t <= 64 ? SIN_Q[t] : SIN_Q[128 - t];
                for (uint32_t j = k; j < POINTS; j += m) {
                    uint32_t q = j + half;
                    /* (c - i s)(re + i im) */
                    int32_t tr = (c * re[q] + s * im[q] + (1 << 14)) >> 15;
                    int32_t ti = (c * im[q] - s * re[q] + (1 << 14)) >> 15;
                    re[q] = (re[j] - tr) >> 1;
                    im[q] = (im[j] - ti) >> 1;
                    re[j] = (re[j] + tr) >> 1;
                    im[j] = (im[j] + ti) >> 1;
                }
            }
        }
        for (uint32_t i = 0; i < POINTS; i++) {
            h = h * 31u + (uint32_t)re[i];
            h = h * 31u + (uint32_t)im[i];
        }
    }
    return h;
}
