/* wasmcu's WASI layer in firmware: the clock from the chip's timer and the report of the
 * program's output in the line protocol (see wasmcu/protocol.py). */
#include <stdio.h>

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

/* The output record: exit code, stdout's and stderr's lengths, the text kept (hex). */
void wasmcu_wasi_report(void)
{
    uint32_t len;
    const uint8_t *text = wasmcu_wasi_text(&len);
    printf("@wasmcu wasi_exit=%ld stdout_bytes=%lu stderr_bytes=%lu stdout_hex=", (long)wasmcu_wasi_exit_code(),
           (unsigned long)wasmcu_wasi_stdout_bytes(), (unsigned long)wasmcu_wasi_stderr_bytes());
    for (uint32_t i = 0; i < len; i++)
        printf("%02x", text[i]);
    printf("\n");
}
