/*
 * wasmcu bare-metal firmware main: load the kernel, call it once, report through the
 * line protocol (see wasmcu/protocol.py) on semihosting stdout, exit.
 *
 * The marker functions bracket the two measured windows; the cycle-model plugin finds
 * them by symbol. Stack use is measured by painting the stack region; heap use by
 * tracking the highest program break (sbrk is wrapped at link time).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmcu_fw.h"

#define PAINT 0xA5A5A5A5u

extern char __heap_start[], __heap_end[], __stack[];

#define MARKER(name) \
    __attribute__((noinline, used)) void name(void) { __asm__ volatile("" ::: "memory"); }
MARKER(wasmcu_mark_run_begin)
MARKER(wasmcu_mark_run_end)
MARKER(wasmcu_mark_load_begin)
MARKER(wasmcu_mark_load_end)

static char *heap_top;

/* A runtime's glue may report more records (e.g. its own memory pool). */
__attribute__((weak)) void wasmcu_glue_report(void) {}

void *__real_sbrk(ptrdiff_t incr);
void *__wrap_sbrk(ptrdiff_t incr)
{
    char *p = __real_sbrk(incr);
    if (p != (void *)-1 && p + incr > heap_top)
        heap_top = p + incr;
    return p;
}

static __attribute__((noinline)) void paint_stack(void)
{
    uint32_t *p = (uint32_t *)(((uintptr_t)__heap_end + 3) & ~(uintptr_t)3);
    uint32_t *sp = (uint32_t *)__builtin_frame_address(0) - 64; /* keep clear of this frame */
    while (p < sp)
        *p++ = PAINT;
}

static uint32_t stack_used(void)
{
    uint32_t *p = (uint32_t *)(((uintptr_t)__heap_end + 3) & ~(uintptr_t)3);
    while (p < (uint32_t *)__stack && *p == PAINT)
        p++;
    return (uint32_t)((uintptr_t)__stack - (uintptr_t)p);
}

static void report_error(const char *where, const char *msg)
{
    printf("@wasmcu error=\"%s: ", where);
    for (const char *c = msg ? msg : "unknown"; *c; c++)
        putchar(*c == '"' || *c == '\\' || *c == '\n' ? ' ' : *c);
    printf("\"\n@wasmcu end=1\n");
}

int main(void)
{
    const char *error = NULL;
    uint32_t result = 0;
    paint_stack();
    printf("@wasmcu runtime=%s\n", wasmcu_glue_runtime);
    wasmcu_mark_load_begin();
    int rc = wasmcu_glue_load(&error);
    wasmcu_mark_load_end();
    if (rc) {
        report_error("load", error);
        return 2;
    }
    wasmcu_mark_run_begin();
    rc = wasmcu_glue_run(&result, &error);
    wasmcu_mark_run_end();
    if (rc) {
        report_error("trap", error);
        return 3;
    }
    unsigned long heap = heap_top ? (unsigned long)(heap_top - __heap_start) : 0ul;
    printf("@wasmcu checksum=%lu stack_hwm=%lu heap_hwm=%lu\n", (unsigned long)result,
           (unsigned long)stack_used(), heap);
    wasmcu_glue_report();
    printf("@wasmcu end=1\n");
    return 0;
}
