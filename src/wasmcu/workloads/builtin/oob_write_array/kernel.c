/* Writes 64 words past the end of an 8-word array: natively over whatever the linker placed
 * next (the firmware's canary); in wasm over other bytes of the module's own linear memory.
 * Part of the containment suite: run(seed) with seed != 0 misbehaves on purpose; run(0)
 * answers ALIVE, the second call that shows the runtime or firmware still works. */
#include <stddef.h>
#include <stdint.h>

#define ALIVE 0x600Du /* what run(0) answers: the containment suite's proof that the code still runs */

static volatile uint32_t buf[8];
static volatile uint32_t *volatile p = buf; /* read at run time: the compiler cannot see the bounds */

uint32_t run(uint32_t seed)
{
    if (seed == 0)
        return ALIVE;
    for (uint32_t i = 0; i < 8u + 64u; i++)
        p[i] = 0xBAD0BAD0u ^ i;
    return p[3];
}
