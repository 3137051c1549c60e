/* Divisions with operands of varied sizes (the divisor shifted right by 0 to 31 bits, so the
 * quotient has from 1 to 32 significant bits): one unsigned and one signed per step. On a core
 * without a divide instruction they are library calls. */
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
    uint32_t x = seed | 1u, acc = 0;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        x = xorshift(x);
        uint32_t d = (x >> (i & 31u)) | 1u;
        KEEP(d);
        acc += x / d;
        int32_t sd = (int32_t)((d >> 1) | 1u);
        acc ^= (uint32_t)((int32_t)x / sd);
    }
    return acc;
}
