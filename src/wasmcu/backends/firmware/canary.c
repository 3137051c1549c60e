/*
 * The containment suite's canary: words of known value that the firmware owns, linked after
 * the kernel so that they follow the kernel's own data in RAM. A native kernel that writes
 * past its array reaches them; a wasm module cannot (its memory is the runtime's linear
 * memory). main.c sets them before the kernel runs and checks them after.
 */
#include <stdint.h>

#define CANARY_WORDS 64u
#define CANARY(i) (0xC0DEC0DEu ^ (uint32_t)(i))

volatile uint32_t wasmcu_canary[CANARY_WORDS];

void wasmcu_canary_set(void)
{
    for (uint32_t i = 0; i < CANARY_WORDS; i++)
        wasmcu_canary[i] = CANARY(i);
}

int wasmcu_canary_intact(void)
{
    for (uint32_t i = 0; i < CANARY_WORDS; i++)
        if (wasmcu_canary[i] != CANARY(i))
            return 0;
    return 1;
}
