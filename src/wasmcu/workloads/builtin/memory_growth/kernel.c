/* Grows memory until refused: in wasm memory.grow a page at a time (the module's maximum
 * stops it), natively malloc 4 KiB at a time (the heap's end stops it; at most 64 MiB, so a
 * host with memory to spare answers the KiB it got). Returns REFUSED when refused.
 * Part of the containment suite: run(seed) with seed != 0 misbehaves on purpose; run(0)
 * answers ALIVE, the second call that shows the runtime or firmware still works. */
#include <stddef.h>
#include <stdint.h>

#define ALIVE 0x600Du /* what run(0) answers: the containment suite's proof that the code still runs */

#if !defined(__wasm__)
#include <stdlib.h>
#endif

#define REFUSED 0x5EF05EFu

uint32_t run(uint32_t seed)
{
    if (seed == 0)
        return ALIVE;
#if defined(__wasm__)
    for (;;)
        if (__builtin_wasm_memory_grow(0, 1) == (size_t)-1)
            return REFUSED;
#else
    uint32_t got = 0;
    for (uint32_t i = 0; i < 16384u; i++) {
        volatile uint8_t *block = malloc(4096);
        if (!block)
            return REFUSED;
        block[0] = 1;
        got += 4u;
    }
    return got;
#endif
}
