/* Calls to functions that save and restore callee-saved registers (PUSH/POP, or the stores
 * and loads of a RISC-V prologue and epilogue): a function holding eight values at once,
 * called twice by one that saves its return address. */
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

__attribute__((noinline, noclone)) static uint32_t heavy(uint32_t a, uint32_t b)
{
    uint32_t c = a ^ b, d = a + b, e = a - b, f = b ^ 0x55u, g = a ^ 0xAAu, h = b + 7u;
    __asm__ volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d), "+r"(e), "+r"(f), "+r"(g), "+r"(h));
    return a + b + c + d + e + f + g + h;
}

__attribute__((noinline, noclone)) static uint32_t twice(uint32_t a, uint32_t b)
{
    uint32_t r = heavy(a, b);
    return heavy(r, a) ^ r;
}

uint32_t run(uint32_t seed)
{
    uint32_t acc = seed;
    for (uint32_t i = 0; i < WASMCU_N; i++)
        acc = twice(acc, i);
    return acc;
}
