/*
 * What every real chip's firmware needs besides its own layer:
 *
 * - abort() (a failed assertion in a runtime) raises SIGABRT, and there are no processes
 *   here, so the signal is reported through the line protocol and ends the program like
 *   _exit (which each chip layer provides: it stops the core in its own way);
 * - bounded waits for the status bits that the start-up code polls: a bit that never comes
 *   (a dead crystal, a PLL that does not lock, an emulator that does not model it) ends the
 *   wait after WASMCU_WAIT_LOOPS reads instead of hanging, and the first such failure is
 *   reported by main.c as `@wasmcu error="bring-up: ..."` once the UART works.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef WASMCU_WAIT_LOOPS
#define WASMCU_WAIT_LOOPS 200000u
#endif

int getpid(void)
{
    return 1;
}

int kill(int pid, int sig)
{
    (void)pid;
    printf("@wasmcu error=\"abort: signal %d\"\n@wasmcu end=1\n", sig);
    _exit(128 + sig);
}

static const char *bringup_error;

/* Wait until (*addr & mask) == want; 0 (and the first failure remembered) when it never does. */
int wasmcu_chip_wait(uint32_t addr, uint32_t mask, uint32_t want, const char *what)
{
    for (uint32_t i = 0; i < WASMCU_WAIT_LOOPS; i++)
        if ((*(volatile uint32_t *)addr & mask) == want)
            return 1;
    if (!bringup_error)
        bringup_error = what;
    return 0;
}

const char *wasmcu_chip_bringup_error(void)
{
    return bringup_error;
}
