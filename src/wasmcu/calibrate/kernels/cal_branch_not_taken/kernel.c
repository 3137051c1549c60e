/* Conditional branches taken when the low 4, 8, 12 or 16 bits of a random word are all zero (rarely): four per step on an xorshift32 word.
 * Returns the count of branches not taken. */
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
/* One conditional branch on the low (32 - shift) bits of x: BRANCH_IF_NONZERO is taken when
 * they are not all zero (almost always on random data), BRANCH_IF_ZERO when they are (rarely);
 * the fall-through path adds one to `a`. Written in assembly so that the compiler cannot turn it into a
 * conditional select or lay it out the other way round. */
#if defined(__thumb__)
#define NIBBLE_BRANCH(cond, x, a, t, shift)                                   \
    __asm__ volatile(".syntax unified\n\tlsls %[t], %[x], #" #shift "\n\tb" cond " 1f\n\tadds %[a], #1\n1:" \
                     : [a] "+l"(a), [t] "=&l"(t) : [x] "l"(x) : "cc")
#define BRANCH_IF_NONZERO(x, a, t, shift) NIBBLE_BRANCH("ne", x, a, t, shift)
#define BRANCH_IF_ZERO(x, a, t, shift) NIBBLE_BRANCH("eq", x, a, t, shift)
#elif defined(__riscv)
#define NIBBLE_BRANCH(cond, x, a, t, shift)                                   \
    __asm__ volatile("slli %[t], %[x], " #shift "\n\tb" cond "z %[t], 1f\n\taddi %[a], %[a], 1\n1:" \
                     : [a] "+r"(a), [t] "=&r"(t) : [x] "r"(x))
#define BRANCH_IF_NONZERO(x, a, t, shift) NIBBLE_BRANCH("ne", x, a, t, shift)
#define BRANCH_IF_ZERO(x, a, t, shift) NIBBLE_BRANCH("eq", x, a, t, shift)
#else
#define BRANCH_IF_NONZERO(x, a, t, shift) do { t = (x) << (shift); if (!t) a++; } while (0)
#define BRANCH_IF_ZERO(x, a, t, shift) do { t = (x) << (shift); if (t) a++; } while (0)
#endif

uint32_t run(uint32_t seed)
{
    uint32_t x = seed | 1u, a = 0, t;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        x = xorshift(x);
        BRANCH_IF_ZERO(x, a, t, 28);
        BRANCH_IF_ZERO(x, a, t, 24);
        BRANCH_IF_ZERO(x, a, t, 20);
        BRANCH_IF_ZERO(x, a, t, 16);
    }
    return a;
}
