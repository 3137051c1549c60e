/* Single-precision floating point: a conversion, a multiply-add, an add, a divide and a
 * multiply-accumulate per step, on values for which every operation is exact (small
 * integers and halves, divisors that are powers of two read at run time), so the result
 * does not depend on whether the compiler fuses them. Without an FPU they are library calls. */
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

static volatile float divisor = 2.0f, factor = 4.0f;

uint32_t run(uint32_t seed)
{
    float acc = (float)(seed & 1023u), d = divisor, m = factor;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        float x = (float)(i & 255u);
        float y = x * 3.0f + 1.0f;
        acc = acc + y;
        float q = y / d;
        acc = acc + q * m;
    }
    return (uint32_t)acc;
}
