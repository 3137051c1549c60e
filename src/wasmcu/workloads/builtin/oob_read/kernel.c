/* Reads a word 64 KiB past an array: past the end of a module's linear memory.
 * Part of the containment suite: run(seed) with seed != 0 misbehaves on purpose; run(0)
 * answers ALIVE, the second call that shows the runtime or firmware still works. */
#include <stddef.h>
#include <stdint.h>

#define ALIVE 0x600Du /* what run(0) answers: the containment suite's proof that the code still runs */

static volatile uint32_t buf[4];
static volatile uint32_t *volatile p = buf;

uint32_t run(uint32_t seed)
{
    if (seed == 0)
        return ALIVE;
    return p[16384u + seed];
}
