/* Bubble sort of WASMCU_N 32-bit integers (control-flow heavy).
 * Input: a linear congruential generator seeded with the run-time argument `seed`,
 * so every platform sorts the same data and no compiler can precompute it. Returns a position-weighted checksum of the
 * sorted array. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

static uint32_t data[WASMCU_N];

uint32_t run(uint32_t seed)
{
    uint32_t x = seed;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        x = x * 1664525u + 1013904223u;
        data[i] = x;
    }
    for (uint32_t i = 0; i + 1 < WASMCU_N; i++) {
        for (uint32_t j = 0; j + 1 < WASMCU_N - i; j++) {
            if (data[j] > data[j + 1]) {
                uint32_t t = data[j];
                data[j] = data[j + 1];
                data[j + 1] = t;
            }
        }
    }
    uint32_t h = 0;
    for (uint32_t i = 0; i < WASMCU_N; i++)
        h = h * 31u + data[i];
    return h;
}
