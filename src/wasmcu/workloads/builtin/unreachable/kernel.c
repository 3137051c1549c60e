/* Reaches code that must never run (__builtin_trap: wasm's unreachable, a CPU's undefined
 * instruction).
 * Part of the containment suite: run(seed) with seed != 0 misbehaves on purpose; run(0)
 * answers ALIVE, the second call that shows the runtime or firmware still works. */
#include <stddef.h>
#include <stdint.h>

#define ALIVE 0x600Du /* what run(0) answers: the containment suite's proof that the code still runs */

uint32_t run(uint32_t seed)
{
    if (seed == 0)
        return ALIVE;
    __builtin_trap();
}
