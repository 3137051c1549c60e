/* wasmcu's WASI layer in firmware: the clock from the chip's timer. */
#include "wasi_core.h"

int wasmcu_chip_timer_us(uint32_t *now); /* firmware/main.c: ticks per microsecond, 0 without a timer */

uint64_t wasmcu_wasi_clock_ns(uint32_t clock_id)
{
    (void)clock_id;
    static uint32_t last;
    static uint64_t ticks, fake_us;
    uint32_t now = 0;
    int per_us = wasmcu_chip_timer_us(&now);
    if (!per_us) /* no timer (an emulated board): a clock that advances 1 us per reading, the same every run */
        return ++fake_us * 1000u;
    ticks += (uint32_t)(now - last); /* a 32-bit count, extended (read at least once per wrap) */
    last = now;
    return ticks * 1000u / (uint32_t)per_us;
}
