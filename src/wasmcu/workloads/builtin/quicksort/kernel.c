/* Quicksort of WASMCU_N 32-bit integers from a linear congruential generator seeded with
 * the run-time argument `seed`: Hoare partition around the middle element, the smaller
 * side first on an explicit stack (depth at most log2 n), insertion sort below 16
 * elements. Returns a position-weighted checksum of the sorted array. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

static uint32_t data[WASMCU_N];

static void insertion(uint32_t lo, uint32_t hi)  /* sorts data[lo..hi] inclusive */
{
    for (uint32_t i = lo + 1; i <= hi; i++) {
        uint32_t v = data[i], j = i;
        while (j > lo && data[j - 1] > v) {
            data[j] = data[j - 1];
            j--;
        }
        data[j] = v;
    }
}

uint32_t run(uint32_t seed)
{
    uint32_t x = seed;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        x = x * 1664525u + 1013904223u;
        data[i] = x;
    }
    uint32_t stack[2 * 32];
    uint32_t sp = 0;
    uint32_t lo = 0, hi = WASMCU_N - 1;
    for (;;) {
        while (hi - lo + 1 > 16) {
            uint32_t pivot = data[lo + (hi - lo) / 2];
            uint32_t i = lo - 1, j = hi + 1;  /* Hoare: wraps below 0 for lo = 0, then increments first */
            for (;;) {
                do i++; while (data[i] < pivot);
                do j--; while (data[j] > pivot);
                if (i >= j)
                    break;
                uint32_t t = data[i];
                data[i] = data[j];
                data[j] = t;
            }
            /* [lo, j] and [j + 1, hi]: push the larger, continue with the smaller */
            if (j - lo < hi - j - 1) {
                stack[sp++] = j + 1;
                stack[sp++] = hi;
                hi = j;
            } else {
                stack[sp++] = lo;
                stack[sp++] = j;
                lo = j + 1;
            }
        }
        insertion(lo, hi);
        if (sp == 0)
            break;
        hi = stack[--sp];
        lo = stack[--sp];
    }
    uint32_t h = 0;
    for (uint32_t i = 0; i < WASMCU_N; i++)
        h = h * 31u + data[i];
    return h;
}
