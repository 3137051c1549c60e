/* Load and store multiple of 1, 2, 3 and 4 registers (LDMIA/STMIA with write-back): ten words
 * copied per step from one array to another in RAM. Without such instructions (RISC-V) the
 * words are copied one by one. Returns a checksum of the copy. */
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

static uint32_t src[10], dst[10];

uint32_t run(uint32_t seed)
{
    for (uint32_t k = 0; k < 10; k++)
        src[k] = seed + k;
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        uint32_t *s = src, *d = dst;
#if defined(__thumb__)
        __asm__ volatile(".syntax unified\n\tldmia %0!, {r4}\n\tstmia %1!, {r4}\n\t"
                         "ldmia %0!, {r4, r5}\n\tstmia %1!, {r4, r5}\n\t"
                         "ldmia %0!, {r4, r5, r6}\n\tstmia %1!, {r4, r5, r6}\n\t"
                         "ldmia %0!, {r4, r5, r6, r7}\n\tstmia %1!, {r4, r5, r6, r7}"
                         : "+l"(s), "+l"(d) : : "r4", "r5", "r6", "r7", "memory");
#else
        for (uint32_t k = 0; k < 10; k++)
            d[k] = s[k];
        KEEP_MEMORY();
#endif
        src[i & 7u] += dst[(i * 3u) & 7u];
    }
    uint32_t s = 0;
    for (uint32_t k = 0; k < 10; k++)
        s = (s << 3 | s >> 29) ^ dst[k];
    return s;
}
