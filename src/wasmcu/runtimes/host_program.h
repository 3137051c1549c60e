/* What wasmcu's host programs (each runtime's bench.c and contain.c) share: a monotonic clock in
 * microseconds, JSON text without quotes or control characters, the error record on stdout that
 * ends the program (read by wasmcu/runtimes/harness_output.py) and reading the module file. */
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
#endif

#endif
