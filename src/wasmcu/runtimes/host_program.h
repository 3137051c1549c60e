/* What wasmcu's host programs (each runtime's bench.c and contain.c) share: a monotonic clock in
 * microseconds, JSON text without quotes or control characters, the error record on stdout that
 * ends the program (read by wasmcu/runtimes/harness_output.py), reading the module file and the
 * timing protocol. */
#ifndef WASMCU_HOST_PROGRAM_H
#define WASMCU_HOST_PROGRAM_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* `s` as JSON string content: a quote, a backslash or a control character becomes a space. */
static inline void json_text(const char *s)
{
    for (const char *c = s ? s : ""; *c; c++)
        putchar(*c == '"' || *c == '\\' || *c < ' ' ? ' ' : *c);
}

static inline void quoted(const char *s)
{
    putchar('"');
    json_text(s);
    putchar('"');
}

#ifndef WASMCU_HOST_PROGRAM_OWN_ERRORS /* a containment program reports its errors its own way */
/* {"kind": WHAT, "error": "WHAT: DETAIL"}, then exit 3. */
static inline void fail(const char *what, const char *detail)
{
    printf("{\"kind\": \"%s\", \"error\": \"%s: ", what, what);
    json_text(detail);
    printf("\"}\n");
    exit(3);
}

static inline uint8_t *read_file(const char *path, uint32_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail("cannot open the module", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? n : 1);
    if (!buf || fread(buf, 1, n, f) != (size_t)n)
        fail("cannot read the module", path);
    fclose(f);
    *size = (uint32_t)n;
    return buf;
}

/* wasmcu's timing protocol (wasmcu/runtimes/base.py) over `call(seed)`, which returns the
 * kernel's result or ends the program through fail: a run-once kernel (`once`) is one timed call
 * in this fresh instance; otherwise warm-up calls (at least `warmup`, for at least
 * `min_warmup_us`), then `repeat` samples of as many calls as make `min_sample_us`, every result
 * checked against the first. Prints the result's JSON with the `nload` load times. */
static inline int time_calls(uint32_t (*call)(uint32_t), uint32_t seed, int once, int repeat, int warmup,
                             double min_sample, double min_warmup_us, const double *load_us, int nload)
{
    if (once) {
        double t0 = now_us();
        uint32_t result = call(seed);
        double t1 = now_us();
        printf("{\"checksum\": %lu, \"calls_per_sample\": 1, \"samples_us\": [%.4f], \"load_samples_us\": [%.3f]}\n",
               (unsigned long)result, t1 - t0, load_us[0]);
        return 0;
    }
    uint32_t first = call(seed);
    double deadline = now_us() + min_warmup_us;
    for (int i = 0; i < warmup || now_us() < deadline; i++) {
        if (call(seed) != first)
            fail("not-repeatable", "the kernel returned another result when called again in the same instance");
    }
    double t0 = now_us();
    call(seed);
    double one = now_us() - t0;
    if (one < 0.01)
        one = 0.01;
    int inner = one < min_sample ? (int)(min_sample / one) + 1 : 1;
    if (inner > 10000)
        inner = 10000;
    printf("{\"checksum\": %lu, \"calls_per_sample\": %d, \"samples_us\": [", (unsigned long)first, inner);
    for (int s = 0; s < (repeat < 1 ? 1 : repeat); s++) {
        int bad = 0;
        t0 = now_us();
        for (int i = 0; i < inner; i++)
            bad |= call(seed) != first; /* every call's result, as the protocol says */
        double t1 = now_us();
        if (bad)
            fail("not-repeatable", "the kernel returned another result when called again in the same instance");
        printf("%s%.4f", s ? ", " : "", (t1 - t0) / inner);
    }
    printf("], \"load_samples_us\": [");
    for (int i = 0; i < nload; i++)
        printf("%s%.3f", i ? ", " : "", load_us[i]);
    printf("]}\n");
    return 0;
}
#endif

#endif
