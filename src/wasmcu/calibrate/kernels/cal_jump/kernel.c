/* Unconditional direct branches: four per step, each over one instruction that adds to the
 * sum (the branch skips it), in assembly so that the compiler cannot remove them. Returns
 * the sum of the step numbers plus the seed. */
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

#if defined(__thumb__)
#define JUMP_OVER(a) __asm__ volatile(".syntax unified\n\tb 1f\n\tadds %0, #1\n1:" : "+l"(a))
#elif defined(__riscv)
#define JUMP_OVER(a) __asm__ volatile("j 1f\n\taddi %0, %0, 1\n1:" : "+r"(a))
#else
#define JUMP_OVER(a) KEEP(a)
#endif

uint32_t run(uint32_t seed)
{
    uint32_t a = seed;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        JUMP_OVER(a);
        JUMP_OVER(a);
        JUMP_OVER(a);
        JUMP_OVER(a);
        a += i;
    }
    return a;
}
