/* Product C = A x B of two WASMCU_N x WASMCU_N matrices of 16-bit signed integers from a
 * linear congruential generator seeded with the run-time argument `seed`, accumulated in
 * 32 bits (wrapping), row by row. Returns h = h * 31 + c over C in row-major order. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

static int16_t a[WASMCU_N][WASMCU_N];
static int16_t b[WASMCU_N][WASMCU_N];

uint32_t run(uint32_t seed)
{
    uint32_t x = seed;
    for (uint32_t i = 0; i < WASMCU_N; i++)
        for (uint32_t j = 0; j < WASMCU_N; j++) {
            x = x * 1664525u + 1013904223u;
            a[i][j] = (int16_t)(x >> 16);
        }
    for (uint32_t i = 0; i < WASMCU_N; i++)
        for (uint32_t j = 0; j < WASMCU_N; j++) {
            x = x * 1664525u + 1013904223u;
            b[i][j] = (int16_t)(x >> 16);
        }
    uint32_t h = 0;
    for (uint32_t i = 0; i < WASMCU_N; i++)
        for (uint32_t j = 0; j < WASMCU_N; j++) {
            uint32_t acc = 0;
            for (uint32_t k = 0; k < WASMCU_N; k++)
                acc += (uint32_t)((int32_t)a[i][k] * (int32_t)b[k][j]);
            h = h * 31u + acc;
        }
    return h;
}
