/* Stores: four words of a block of 16 in RAM written per step (offsets 0, 5, 10, 15). Returns
 * a checksum of the array. */
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

static uint32_t buf[256];

uint32_t run(uint32_t seed)
{
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        uint32_t *q = &buf[(i * 16u) & 255u], v = i ^ seed;
        q[0] = v;
        q[5] = v + 1u;
        q[10] = v + 2u;
        q[15] = v + 3u;
        KEEP_MEMORY();
    }
    uint32_t s = 0;
    for (uint32_t i = 0; i < 256; i++)
        s = (s << 1 | s >> 31) ^ buf[i];
    return s;
}
