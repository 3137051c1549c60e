/*
 * wasmcu bare-metal firmware main: load the kernel, call it once, report through the
 * line protocol (see wasmcu/protocol.py) on semihosting stdout, exit.
 *
 * The marker functions bracket the two measured windows; the event-count plugin finds
 * them by symbol. Stack use is measured by painting the stack region; heap use by
 * tracking the highest program break (sbrk is wrapped at link time).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmcu_fw.h"

#define PAINT 0xA5A5A5A5u
/* A guard at the bottom of the stack region, so that an overflowing stack faults at once
 * instead of silently running through the heap and the data: a PMP region on RISC-V, an
 * MPU region on ARMv6-M/ARMv7-M (256 bytes, the MPU's smallest region on the RP2040, at
 * the first 256-byte boundary of the stack region), a read-only MPU region on ARMv8-M
 * (PMSAv8 has no no-access permission; the core's stores are what overflow).
 * Frames larger than the guard can jump over it: a second, 64 KB guard just below RAM
 * catches those. On Arm the fault locks the core up and QEMU dumps the registers. */
#if defined(__riscv)
#define GUARD_BYTES 64u
#elif defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8M_BASE__)
#define GUARD_BYTES (64u + 31u) /* room for a 32-byte aligned region */
#else
#define GUARD_BYTES (256u + 255u) /* room for a 256-byte aligned region */
#endif

extern char __heap_start[], __heap_end[], __stack[], __ram[], __data_source_end[];

#define MARKER(name) \
    __attribute__((noinline, used)) void name(void) { __asm__ volatile("" ::: "memory"); }
MARKER(wasmcu_mark_run_begin)
MARKER(wasmcu_mark_run_end)
MARKER(wasmcu_mark_load_begin)
MARKER(wasmcu_mark_load_end)

static char *heap_top;

/* An image of a given size, for the tests of the memory guards: -DWASMCU_PAD_BYTES=N adds N
 * bytes of read-only data. */
#ifdef WASMCU_PAD_BYTES
__attribute__((used)) const uint8_t wasmcu_pad[WASMCU_PAD_BYTES] = {1};
#endif

/* The argument of run(seed): read at run time (volatile), so no compiler can fold the
 * kernel's work into a constant. The build sets it to wasmcu.workloads.SEED. */
#ifndef WASMCU_SEED
#error "build with -DWASMCU_SEED=<seed>"
#endif
const volatile uint32_t wasmcu_seed = WASMCU_SEED;

/* A runtime's glue may report more records (e.g. its own memory pool). */
__attribute__((weak)) void wasmcu_glue_report(void) {}

/* A real chip's layer reads its hardware timer here (a free-running count of 32 bits) and
 * returns its ticks per microsecond; 0 = no timer, as under QEMU, where time is estimated
 * from event counts instead. The difference of two readings is divided, never each reading
 * (a count divided first wraps early: at 2^28 us for 16 ticks per us). */
__attribute__((weak)) int wasmcu_chip_timer_us(uint32_t *now)
{
    (void)now;
    return 0;
}

/* A real chip's layer says the CPU clock it set up (Hz), reported as `clock_hz`; 0 = not known. */
__attribute__((weak)) uint32_t wasmcu_chip_clock_hz(void)
{
    return 0;
}

/* A real chip's start-up waits boundedly for its status bits (chips/common.c); the first wait
 * that timed out is reported here once the UART works. */
__attribute__((weak)) const char *wasmcu_chip_bringup_error(void)
{
    return 0;
}

/* A real chip with a cycle counter reads it here too (the cycles are then measured): it
 * returns the counter's width in bits (0: none), and counts up. */
__attribute__((weak)) int wasmcu_chip_cycles(uint32_t *now)
{
    (void)now;
    return 0;
}

/* With a power meter, a real chip's layer drives a GPIO high while the kernel runs (the
 * meter's logic input marks the window) and idles before and after (the trace's baseline);
 * without one, or under QEMU, they do nothing. */
__attribute__((weak)) void wasmcu_chip_marker(int on)
{
    (void)on;
}

__attribute__((weak)) void wasmcu_chip_idle(void) {}

void *__real_sbrk(ptrdiff_t incr);
void *__wrap_sbrk(ptrdiff_t incr)
{
    char *p = __real_sbrk(incr);
    if (p != (void *)-1 && p + incr > heap_top)
        heap_top = p + incr;
    return p;
}

static uintptr_t guard_top; /* lowest address the stack may use */

#if !defined(__riscv)
#define REG(addr) (*(volatile uint32_t *)(addr))
static void arm_stack_guard(uintptr_t bottom)
{
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8M_BASE__)
    uintptr_t base = (bottom + 31u) & ~(uintptr_t)31u, below = ((uintptr_t)__ram - 65536u) & ~(uintptr_t)31u;
    guard_top = base + 64u;
    /* MPU (PMSAv8): RBAR = base | AP (read-only, privileged) | XN; RLAR = limit | AttrIndx 0 |
     * enable. AttrIndx 0 selects MAIR0's Attr0, UNKNOWN at reset (Armv8-M ARM, MPU_MAIR0):
     * set to normal memory, write-back non-transient read/write-allocate (0xFF), as SRAM is. */
    REG(0xE000EDC0) = 0xFFu;                                   /* MPU_MAIR0.Attr0 */
    REG(0xE000ED98) = 0;                                       /* MPU_RNR */
    REG(0xE000ED9C) = base | (2u << 1) | 1u;                   /* MPU_RBAR */
    REG(0xE000EDA0) = ((guard_top - 32u) & ~(uintptr_t)31u) | 1u; /* MPU_RLAR */
    REG(0xE000ED98) = 1;
    REG(0xE000ED9C) = below | (2u << 1) | 1u;
    REG(0xE000EDA0) = (((uintptr_t)__ram - 32u) & ~(uintptr_t)31u) | 1u;
    REG(0xE000ED94) = (1u << 2) | 1u;                          /* MPU_CTRL: PRIVDEFENA, ENABLE */
    __asm__ volatile("dsb\n isb" ::: "memory");
#else
    uintptr_t base = (bottom + 255u) & ~(uintptr_t)255u;
    guard_top = base + 256u;
    /* MPU (PMSAv7 registers, also on the Cortex-M0+): region 0 the guard, region 1 the
     * 64 KB below RAM; both no access, execute never; the default map elsewhere. */
    REG(0xE000ED98) = 0;                                       /* MPU_RNR */
    REG(0xE000ED9C) = base;                                    /* MPU_RBAR */
    REG(0xE000EDA0) = (1u << 28) | (7u << 1) | 1u;             /* MPU_RASR: XN, AP=0, 256 B */
    REG(0xE000ED98) = 1;
    REG(0xE000ED9C) = ((uintptr_t)__ram - 65536u) & ~(uintptr_t)0xFFFFu;
    REG(0xE000EDA0) = (1u << 28) | (15u << 1) | 1u;            /* 64 KB */
    REG(0xE000ED94) = (1u << 2) | 1u;                          /* MPU_CTRL: PRIVDEFENA, ENABLE */
    __asm__ volatile("dsb\n isb" ::: "memory");
#endif
}
#endif

static __attribute__((noinline)) void paint_stack(void)
{
    uint32_t *p = (uint32_t *)(((uintptr_t)__heap_end + 3) & ~(uintptr_t)3);
    uint32_t *sp = (uint32_t *)__builtin_frame_address(0) - 64; /* keep clear of this frame */
    while (p < sp)
        *p++ = PAINT;
}

static uint32_t stack_used(void)
{
    uint32_t *p = (uint32_t *)((guard_top + 3) & ~(uintptr_t)3);
    while (p < (uint32_t *)__stack && *p == PAINT)
        p++;
    return (uint32_t)((uintptr_t)__stack - (uintptr_t)p);
}

#ifdef WASMCU_CONTAINMENT
static void print_quoted(const char *msg)
{
    for (const char *c = msg ? msg : "unknown"; *c; c++)
        putchar(*c == '"' || *c == '\\' || *c == '\n' ? ' ' : *c);
}

/* The containment suite (canary.c): after the misbehaving call, say what happened, whether the
 * canary beside the kernel's data is intact, and call the kernel again with 0 (a contained
 * kernel answers 0x600D): the same runtime instance, after a trap too. */
void wasmcu_canary_set(void);
int wasmcu_canary_intact(void);

static int contain_report(int rc, uint32_t result, const char *error)
{
    printf("@wasmcu contain_rc=%d checksum=%lu canary=%d\n", rc, (unsigned long)result, wasmcu_canary_intact());
    if (rc) {
        printf("@wasmcu trap=\"");
        print_quoted(error);
        printf("\"\n");
    }
    uint32_t again = 0;
    const char *again_error = NULL;
    int again_rc = wasmcu_glue_run(0, &again, &again_error);
    printf("@wasmcu alive=%lu alive_rc=%d\n@wasmcu end=1\n", (unsigned long)again, again_rc);
    return 0;
}
#endif

static void report_error(const char *where, const char *msg)
{
    printf("@wasmcu error=\"%s: ", where);
    for (const char *c = msg ? msg : "unknown"; *c; c++)
        putchar(*c == '"' || *c == '\\' || *c == '\n' ? ' ' : *c);
    printf("\"\n@wasmcu end=1\n");
}

#if defined(__riscv)
/* Machine-mode trap handler with a stack of its own, so that a trap caused by a
 * stack overflow can still be reported. */
static uint32_t trap_stack[256] __attribute__((aligned(16)));
void *wasmcu_trap_stack_top = &trap_stack[256];

__attribute__((used)) static void trap_report(uint32_t sp)
{
    uint32_t cause, tval, epc;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    __asm__ volatile("csrr %0, mtval" : "=r"(tval));
    __asm__ volatile("csrr %0, mepc" : "=r"(epc));
    char msg[160];
    uintptr_t bottom = (uintptr_t)__heap_end + GUARD_BYTES;
    if (sp < bottom + 256 || sp > (uintptr_t)__stack)
        snprintf(msg, sizeof msg, "native stack overflow: sp=0x%08lx is outside the %lu-byte stack region",
                 (unsigned long)sp, (unsigned long)((uintptr_t)__stack - bottom));
    else
        snprintf(msg, sizeof msg, "CPU exception mcause=%lu mtval=0x%08lx mepc=0x%08lx", (unsigned long)cause,
                 (unsigned long)tval, (unsigned long)epc);
    report_error("fault", msg);
    exit(4);
}

/* mtvec's BASE: the ESP32-C6 core ignores its low 8 bits (ESP-IDF's riscv/vectors.S aligns the
 * table to 256 bytes), so the handler starts on a 256-byte boundary; elsewhere 4 would do. */
__attribute__((naked, aligned(256))) static void trap_entry(void)
{
    __asm__ volatile("mv a0, sp\n"
                     "lw sp, wasmcu_trap_stack_top\n"
                     "j trap_report\n");
}
#endif

int main(void)
{
    const char *error = NULL;
    uint32_t result = 0;
    paint_stack();
#ifdef WASMCU_PAD_BYTES
    (void)*(const volatile uint8_t *)&wasmcu_pad[WASMCU_PAD_BYTES - 1]; /* kept by the linker */
#endif
#if !defined(__riscv)
    arm_stack_guard((uintptr_t)__heap_end);
#else
    __asm__ volatile("csrw mtvec, %0" ::"r"(trap_entry));
    /* Locked, inaccessible PMP regions (TOR): one at the bottom of the stack region,
     * one just below RAM. An overflowing stack traps at the first, or, with frames
     * larger than it, at the second after running through the heap and data. The second
     * starts above the image's last loaded byte: where the flash region ends just below
     * RAM (the ESP32-C6's SRAM holds both), the 64 KB under RAM can be the image's own code. */
    uintptr_t guard = ((uintptr_t)__heap_end + 3) & ~(uintptr_t)3;
    __asm__ volatile("csrw pmpaddr0, %0" ::"r"(guard >> 2));
    guard_top = guard + GUARD_BYTES;
    __asm__ volatile("csrw pmpaddr1, %0" ::"r"(guard_top >> 2));
    uintptr_t below = (uintptr_t)__ram - 65536u, image_end = ((uintptr_t)__data_source_end + 3) & ~(uintptr_t)3;
    if (image_end > below && image_end <= (uintptr_t)__ram)
        below = image_end;
    __asm__ volatile("csrw pmpaddr2, %0" ::"r"(below >> 2));
    __asm__ volatile("csrw pmpaddr3, %0" ::"r"((uintptr_t)__ram >> 2));
    __asm__ volatile("csrw pmpcfg0, %0" ::"r"((0x88u << 8) | (0x88u << 24)));
#endif
    printf("@wasmcu runtime=%s\n", wasmcu_glue_runtime);
#ifdef WASMCU_CONTAINMENT
    wasmcu_canary_set();
#endif
    if (wasmcu_chip_bringup_error()) {
        report_error("bring-up", wasmcu_chip_bringup_error());
        return 5;
    }
#ifdef WASMCU_TIME_LOAD /* a real chip's timer around load and instantiation (emulated boards estimate it) */
    uint32_t l0 = 0, l1 = 0;
    int load_timed = wasmcu_chip_timer_us(&l0);
#endif
    wasmcu_mark_load_begin();
    int rc = wasmcu_glue_load(&error);
    wasmcu_mark_load_end();
#ifdef WASMCU_TIME_LOAD
    if (load_timed)
        wasmcu_chip_timer_us(&l1);
#endif
    if (rc) {
        report_error("load", error);
        return 2;
    }
    uint32_t seed = wasmcu_seed, t0 = 0, t1 = 0, c0 = 0, c1 = 0;
    wasmcu_chip_idle();
    wasmcu_chip_marker(1);
    int counted = wasmcu_chip_cycles(&c0);
    int timed = wasmcu_chip_timer_us(&t0);
    wasmcu_mark_run_begin();
    rc = wasmcu_glue_run(seed, &result, &error);
    wasmcu_mark_run_end();
    if (timed) /* ticks per microsecond */
        wasmcu_chip_timer_us(&t1);
    if (counted)
        wasmcu_chip_cycles(&c1);
    wasmcu_chip_marker(0);
    wasmcu_chip_idle();
#ifdef WASMCU_CONTAINMENT
    return contain_report(rc, result, error);
#endif
    if (rc) {
        report_error("trap", error);
        return 3;
    }
    if (timed)
        printf("@wasmcu time_us=%lu\n", (unsigned long)((t1 - t0) / (uint32_t)timed));
#ifdef WASMCU_TIME_LOAD
    if (load_timed)
        printf("@wasmcu load_us=%lu\n", (unsigned long)((l1 - l0) / (uint32_t)load_timed));
#endif
    if (wasmcu_chip_clock_hz())
        printf("@wasmcu clock_hz=%lu\n", (unsigned long)wasmcu_chip_clock_hz());
    if (counted) /* the host checks that the time did not exceed one wrap of a narrow counter */
        printf("@wasmcu cycles=%lu cycles_bits=%d\n",
               (unsigned long)((c1 - c0) & (counted >= 32 ? 0xFFFFFFFFu : (1u << counted) - 1u)), counted);
    unsigned long heap = heap_top ? (unsigned long)(heap_top - __heap_start) : 0ul;
    printf("@wasmcu checksum=%lu stack_hwm=%lu heap_hwm=%lu\n", (unsigned long)result,
           (unsigned long)stack_used(), heap);
    wasmcu_glue_report();
    printf("@wasmcu end=1\n");
    return 0;
}
