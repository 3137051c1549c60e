/* Dependent loads: each load's address is the word the previous load returned (a pointer
 * chase through a ring of 256 pointers in RAM, i -> (97 i + seed) mod 256). Returns the index
 * reached after 8n steps. */
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

static uintptr_t ring[256];

uint32_t run(uint32_t seed)
{
    for (uint32_t i = 0; i < 256; i++)
        ring[i] = (uintptr_t)&ring[(i * 97u + seed) & 255u];
    KEEP_MEMORY();
    uintptr_t *p = &ring[seed & 255u];
    for (uint32_t i = 0; i < WASMCU_N; i++) {
        p = (uintptr_t *)*p;
        p = (uintptr_t *)*p;
        p = (uintptr_t *)*p;
        p = (uintptr_t *)*p;
        p = (uintptr_t *)*p;
        p = (uintptr_t *)*p;
        p = (uintptr_t *)*p;
        p = (uintptr_t *)*p;
    }
    return (uint32_t)(p - ring);
}
