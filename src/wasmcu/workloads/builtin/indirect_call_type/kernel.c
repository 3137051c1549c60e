/* Calls a function through a pointer of another type: wasm's call_indirect checks the type
 * and traps; native code calls it with whatever the registers hold.
 * Part of the containment suite: run(seed) with seed != 0 misbehaves on purpose; run(0)
 * answers ALIVE, the second call that shows the runtime or firmware still works. */
#include <stddef.h>
#include <stdint.h>

#define ALIVE 0x600Du /* what run(0) answers: the containment suite's proof that the code still runs */

typedef uint64_t (*wide_fn)(uint64_t, uint64_t);

static uint32_t plus_one(uint32_t x)
{
    return x + 1u;
}

static wide_fn volatile target = (wide_fn)(void (*)(void))plus_one;

uint32_t run(uint32_t seed)
{
    if (seed == 0)
        return ALIVE;
    return (uint32_t)target(seed, seed);
}
