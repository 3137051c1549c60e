/* Direct calls to a leaf function (no stack frame) and its returns: two per step. */
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

__attribute__((noinline, noclone)) static uint32_t leaf(uint32_t a, uint32_t b)
{
    KEEP(a);
    return (a ^ b) + 1u;
}

uint32_t run(uint32_t seed)
{
    uint32_t acc = seed;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        acc = leaf(acc, i);
        acc = leaf(acc, seed);
    }
    return acc;
}
