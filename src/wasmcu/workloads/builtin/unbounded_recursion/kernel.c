/* Recurses without end, each frame holding 64 bytes in memory (in wasm: on the shadow stack
 * inside linear memory).
 * Part of the containment suite: run(seed) with seed != 0 misbehaves on purpose; run(0)
 * answers ALIVE, the second call that shows the runtime or firmware still works. */
#include <stddef.h>
#include <stdint.h>

#define ALIVE 0x600Du /* what run(0) answers: the containment suite's proof that the code still runs */

static uint32_t deeper(uint32_t x)
{
    volatile uint32_t pad[16];
    pad[x & 15u] = x;
    return deeper(x + 1u) + pad[(x + 1u) & 15u];
}

uint32_t run(uint32_t seed)
{
    if (seed == 0)
        return ALIVE;
    return deeper(seed);
}
