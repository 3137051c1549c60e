/* Multiply chains: three 32-bit multiplies per step, each needing the one before. */
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

uint32_t run(uint32_t seed)
{
    uint32_t a = seed | 1u, b = 0x9E3779B9u, c = 3u;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        a = a * b;
        b = b * c + i;
        c = c * a;
        KEEP(a);
        KEEP(b);
        KEEP(c);
    }
    return a ^ b ^ c;
}
