/* Independent loads: four running sums over words of an array in RAM (offsets 0, 5, 10, 15 of
 * a block of 16, so that no two loads are adjacent and none merges into a load multiple). */
/* Each kernel file stands alone (its build is keyed by its own text): the size, a generator
 * without multiplies, and barriers that keep the compiler from folding or moving the work. */
#include <stdint.h>

#ifndef WASMCU_N
#error "build with -DWASMCU_N=<size>"
#endif

#define KEEP(v) __asm__ volatile("" : "+r"(v))
#define KEEP_MEMORY() __asm__ volatile("" ::: "memory")

/* xorshift32: shifts and exclusive-ors only (no multiply in the loop it drives) */
static inline uint32_t xorshift(uint32_t x)
{
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

static uint32_t arr[256];

uint32_t run(uint32_t seed)
{
    for (uint32_t i = 0; i < 256; i++)
        arr[i] = i * seed + i;
    KEEP_MEMORY();
    uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        const uint32_t *q = &arr[(i * 16u) & 255u];
        s0 += q[0];
        s1 += q[5];
        s2 += q[10];
        s3 += q[15];
    }
    return s0 ^ (s1 << 1) ^ (s2 << 2) ^ (s3 << 3);
}
