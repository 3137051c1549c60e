/* Calls through a table of four leaf functions in RAM (an indirect call and a return each). */
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

__attribute__((noinline)) static uint32_t f0(uint32_t a, uint32_t b) { return a + b; }
__attribute__((noinline)) static uint32_t f1(uint32_t a, uint32_t b) { return a ^ b; }
__attribute__((noinline)) static uint32_t f2(uint32_t a, uint32_t b) { return a - b; }
__attribute__((noinline)) static uint32_t f3(uint32_t a, uint32_t b) { return (a ^ b) + 1u; }

static uint32_t (*table[4])(uint32_t, uint32_t) = {f0, f1, f2, f3};

uint32_t run(uint32_t seed)
{
    uint32_t acc = seed;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        KEEP_MEMORY();  /* the table is read each time: the calls stay indirect */
        acc = table[i & 3u](acc, i);
    }
    return acc;
}
