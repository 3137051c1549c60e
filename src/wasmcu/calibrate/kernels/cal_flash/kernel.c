/* Straight-line code larger than any of the boards' flash caches (24,576 one-instruction
 * additions, 48 KB of 16-bit instructions), run n times from flash: every pass misses the
 * cache on each line. Returns the seed plus n x 24,576. */
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

#define ADDS "24576"

/* in a function of its own: the loop's branch back stays short */
__attribute__((noinline, noclone)) static uint32_t straight(uint32_t x)
{
#if defined(__thumb__)
    __asm__ volatile(".syntax unified\n\t.rept " ADDS "\n\tadds %0, #1\n\t.endr" : "+l"(x) : : "cc");
#elif defined(__riscv)
    __asm__ volatile(".rept " ADDS "\n\taddi %0, %0, 1\n\t.endr" : "+r"(x));
#else
    x += 24576u;
#endif
    return x;
}

uint32_t run(uint32_t seed)
{
    uint32_t x = seed;
    for (uint32_t i = 0; i < WASMCU_N; i++)
        x = straight(x);
    return x;
}
