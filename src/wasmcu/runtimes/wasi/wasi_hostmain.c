/* wasmcu's host program for a WASI module under wasm3, WAMR or wasm2c: the runtime's WASI glue
 * (the same as in firmware) with the module compiled in, run once: load and instantiate, call,
 * report in the firmware's line protocol (load and call times measured by the host's clock).
 * usage: wasi_host SEED */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wasi_core.h"
#include "wasmcu_fw.h"

void wasmcu_glue_report(void);

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

uint64_t wasmcu_wasi_clock_ns(uint32_t clock_id)
{
    struct timespec ts;
    clock_gettime(clock_id == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void report_error(const char *where, const char *msg)
{
    printf("@wasmcu error=\"%s: ", where);
    for (const char *c = msg ? msg : "unknown"; *c; c++)
        putchar(*c == '"' || *c == '\\' || *c == '\n' ? ' ' : *c);
    printf("\"\n@wasmcu end=1\n");
}

int main(int argc, char **argv)
{
    const char *error = NULL;
    uint32_t result = 0, seed = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 0;
    double t0 = now_us();
    if (wasmcu_glue_load(&error)) {
        report_error("load", error);
        return 2;
    }
    double t1 = now_us();
    int rc = wasmcu_glue_run(seed, &result, &error);
    double t2 = now_us();
    if (rc) {
        report_error("trap", error);
        return 3;
    }
    printf("@wasmcu runtime=%s checksum=%lu load_us=%.3f time_us=%.4f\n", wasmcu_glue_runtime, (unsigned long)result,
           t1 - t0, t2 - t1);
    wasmcu_glue_report();
    printf("@wasmcu end=1\n");
    return 0;
}
