/* Writes one byte 64 KiB past an array: past the end of a module's 64 KiB linear memory.
 * Part of the containment suite: run(seed) with seed != 0 misbehaves on purpose; run(0)
 * answers ALIVE, the second call that shows the runtime or firmware still works. */
#include <stddef.h>
#include <stdint.h>

#define ALIVE 0x600Du /* what run(0) answers: the containment suite's proof that the code still runs */

static volatile uint8_t buf[16];
static volatile uint8_t *volatile p = buf;

uint32_t run(uint32_t seed)
{
    if (seed == 0)
        return ALIVE;
    p[65536u + seed] = 0xBD;
    return p[0];
}
