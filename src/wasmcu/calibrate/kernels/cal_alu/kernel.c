/* Chains of single-cycle ALU operations: adds, subtracts, exclusive-ors, shifts, a rotate. */
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
    uint32_t a = seed, b = seed ^ 0x9E3779B9u, c = 0x12345u;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        a += b;
        b ^= a;
        c += a >> 3;
        b = (b << 5) | (b >> 27);
        a -= c;
        c ^= b << 2;
        a ^= c >> 7;
        b += a;
        KEEP(a);
        KEEP(b);
        KEEP(c);
    }
    return a ^ b ^ c;
}
