/*
 * wasmcu's timing loop in C (see the protocol in wasmcu/runtimes/base.py): n calls of a
 * kernel timed together inside the host program, every result compared with the
 * reference, so that no binding (ctypes) call is inside the timed region.
 */
#include <stdint.h>
#include <time.h>

typedef uint32_t (*kernel_fn)(uint32_t);

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Returns the elapsed nanoseconds; *bad is set to 1 and *got to the result when a call
 * returned something other than `expect`. */
uint64_t wasmcu_loop(kernel_fn fn, uint32_t seed, uint32_t expect, uint32_t n, uint32_t *bad, uint32_t *got)
{
    uint64_t t0 = now_ns();
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = fn(seed);
        if (r != expect && !*bad) {
            *bad = 1;
            *got = r;
        }
    }
    return now_ns() - t0;
}

/* The cheapest function a binding can call: its per-call time is the binding's cost. */
uint32_t wasmcu_identity(uint32_t x)
{
    return x;
}
