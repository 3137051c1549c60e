/*
 * wasmcu firmware on the nRF5340 application core's memory map: vector table (picolibc's
 * crt0) at 0x00000000 in its 1 MB flash, RAM at 0x20000000, stdout on UARTE0 at 115200
 * baud on P0.20 (the nRF5340 DK's virtual COM port wired to the application core), exit in
 * a wfi loop. The core starts secure, so the secure aliases (0x5xxxxxxx) are used.
 *
 * Start-up, in this order, as the MDK's SystemInit (nrfx bsp/stable/mdk/
 * system_nrf5340_application.c, system_nrf53_approtect.h) and Zephyr's nRF53 SoC start-up do:
 *  1. APPROTECT and SECUREAPPROTECT re-opened from UICR before anything else, so that the
 *     debug port stays open for the next programming (nrf53_handle_approtect);
 *  2. the FICR TRIMCNF trims copied, and the errata workarounds of each silicon revision;
 *  3. the 32 MHz crystal (HFXO) started and HFCLKSTARTED awaited, so the core, UARTE and the
 *     timers run from the trimmed crystal instead of the internal RC oscillator;
 *  4. HFCLKCTRL = Div1: the application core at 128 MHz (nrfx_clock_divider_set(
 *     NRF_CLOCK_DOMAIN_HFCLK, NRF_CLOCK_HFCLK_DIV_1), what nRF Connect SDK applications do);
 *  5. the instruction/data cache on (CACHE.ENABLE resets to 0; Zephyr's soc.c enables it);
 *  6. UARTE0, then the DWT cycle counter and TIMER0 (1 MHz from the 16 MHz peripheral clock),
 *     which times the call independently of the CPU clock.
 * Register addresses and bit positions: nrfx bsp/stable/mdk/nrf5340_application.h and
 * nrf5340_application_bitfields.h.
 */
#include <stdint.h>
#include <stdio.h>

#define REG(a) (*(volatile uint32_t *)(a))

int wasmcu_chip_wait(uint32_t addr, uint32_t mask, uint32_t want, const char *what);

#define FICR 0x00FF0000u         /* NRF_FICR_S_BASE: INFO.PART at +0x130, INFO.VARIANT at +0x134, TRIMCNF[32] at +0x300 */
#define UICR 0x00FF8000u         /* NRF_UICR_S_BASE: APPROTECT at +0x000, SECUREAPPROTECT at +0x01C */
#define CTRLAP 0x50006000u       /* NRF_CTRLAP_S_BASE: APPROTECT.DISABLE at +0x544, SECUREAPPROTECT.DISABLE at +0x54C */
#define CACHE 0x50001000u        /* NRF_CACHE_S_BASE: ENABLE at +0x500 */
#define CLOCK 0x50005000u        /* NRF_CLOCK_S_BASE (shared with POWER and RESET) */
#define CLOCK_TASKS_HFCLKSTART (CLOCK + 0x000u)
#define CLOCK_TASKS_LFCLKSTART (CLOCK + 0x008u)
#define CLOCK_TASKS_LFCLKSTOP (CLOCK + 0x00Cu)
#define CLOCK_EVENTS_HFCLKSTARTED (CLOCK + 0x100u)
#define CLOCK_EVENTS_LFCLKSTARTED (CLOCK + 0x104u)
#define CLOCK_HFCLKSTAT (CLOCK + 0x40Cu) /* SRC bit 0 (1 = HFXO), STATE bit 16 */
#define CLOCK_HFCLKSRC (CLOCK + 0x514u) /* SRC: 0 = HFINT, 1 = HFXO: what HFCLKSTART starts */
#define CLOCK_LFCLKSRC (CLOCK + 0x518u)
#define CLOCK_HFCLKCTRL (CLOCK + 0x558u) /* HCLK: 0 = Div1 (128 MHz), 1 = Div2 (64 MHz) */
#define POWER_EVENTS_SLEEPENTER (CLOCK + 0x114u)
#define POWER_EVENTS_SLEEPEXIT (CLOCK + 0x118u)
#define RESET_RESETREAS (CLOCK + 0x400u)  /* RESETPIN = bit 0 */
#define UARTE0 0x50008000u
#define TIMER0 0x5000F000u
#define P0 0x50842500u
#define TX_PIN 20u
#define CPU_MHZ 128u

static volatile uint8_t tx_byte;
static int uart_dead; /* ENDTX never came: do not wait for it on every byte */

static int uart_putc(char c, FILE *file)
{
    (void)file;
    tx_byte = (uint8_t)c;
    REG(UARTE0 + 0x120u) = 0u;                  /* EVENTS_ENDTX */
    REG(UARTE0 + 0x544u) = (uint32_t)&tx_byte;  /* TXD.PTR */
    REG(UARTE0 + 0x548u) = 1u;                  /* TXD.MAXCNT */
    REG(UARTE0 + 0x008u) = 1u;                  /* TASKS_STARTTX */
    if (!uart_dead && !wasmcu_chip_wait(UARTE0 + 0x120u, 1u, 1u, "UARTE0 EVENTS_ENDTX never set"))
        uart_dead = 1;
    return (unsigned char)c;
}

static FILE uart_stdio = FDEV_SETUP_STREAM(uart_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &uart_stdio;
FILE *const stdout = &uart_stdio;
FILE *const stderr = &uart_stdio;

/* The silicon revision, as the MDK's nrf53_errata_N() tell them apart (nrfx
 * bsp/stable/mdk/nrf53_erratas.h): INFO.PART 0x07 and INFO.VARIANT 2 (engineering A), 3, 4,
 * 5 or later (the current production silicon). */
static uint32_t revision(void)
{
    return REG(FICR + 0x130u) == 0x07u ? REG(FICR + 0x134u) : 0u;
}

#define NVMC 0x50039000u         /* NRF_NVMC_S_BASE: READY at +0x400, CONFIG at +0x504 (1 = Wen, 0 = Ren) */
#define UNPROTECTED 0x50FA50FAu

static void uicr_unprotect(uint32_t word)
{
    if (REG(word) != 0xFFFFFFFFu)
        return; /* written already (by this firmware or the user): left as it is */
    REG(NVMC + 0x504u) = 1u;
    wasmcu_chip_wait(NVMC + 0x400u, 1u, 1u, "NVMC READY never set");
    REG(word) = UNPROTECTED;
    wasmcu_chip_wait(NVMC + 0x400u, 1u, 1u, "NVMC READY never set");
    REG(NVMC + 0x504u) = 0u;
}

__attribute__((constructor(101))) static void nrf5340_init(void)
{
    /* 1. UICR.APPROTECT and SECUREAPPROTECT must read 0x50FA50FA (UICR_APPROTECT_PALL_Unprotected)
     * for the debug port to open: still erased (0xFFFFFFFF, protected on current silicon), they
     * are written once through the NVMC (Wen, wait READY, write, wait READY, Ren); then
     * nrf53_handle_approtect: the soft branches follow UICR */
    uicr_unprotect(UICR + 0x000u);
    uicr_unprotect(UICR + 0x01Cu);
    REG(CTRLAP + 0x544u) = REG(UICR + 0x000u);  /* CTRLAP.APPROTECT.DISABLE = UICR.APPROTECT */
    REG(CTRLAP + 0x54Cu) = REG(UICR + 0x01Cu);  /* CTRLAP.SECUREAPPROTECT.DISABLE = UICR.SECUREAPPROTECT */
    /* 2. SystemInit's trims and errata workarounds, in its order */
    uint32_t rev = revision();
    int current = rev != 0u && (rev < 2u || rev > 4u); /* variant 5 and later */
    if (rev == 2u && REG(0x50004A20u) == 0u) {  /* errata 97 */
        REG(0x50004A20u) = 0xDu;
        REG(0x5000491Cu) = 1u;
        REG(0x5000491Cu) = 0u;
    }
    for (uint32_t i = 0; i < 32u && REG(FICR + 0x300u + 8u * i) != 0xFFFFFFFFu; i++)
        REG(REG(FICR + 0x300u + 8u * i)) = REG(FICR + 0x304u + 8u * i); /* TRIMCNF[i]: *ADDR = DATA */
    if (rev == 2u) {                            /* errata 64, then 42 */
        REG(0x5000470Cu) = 0x29u;
        REG(0x5000473Cu) = 0x3u;
        REG(0x50039530u) = 0xBEEF0044u;
        REG(CLOCK_HFCLKCTRL) = 1u;
    }
    if (rev == 2u || rev == 3u)                 /* errata 46 */
        REG(0x5003254Cu) = 0u;
    if (rev == 2u && (REG(RESET_RESETREAS) & 1u)) { /* errata 49 */
        REG(POWER_EVENTS_SLEEPENTER) = 0u;
        REG(POWER_EVENTS_SLEEPEXIT) = 0u;
    }
    if (rev != 0u && (REG(RESET_RESETREAS) & 1u)) /* errata 55 */
        REG(RESET_RESETREAS) = ~1u;
    if (rev == 2u)                              /* errata 69 */
        REG(0x5000470Cu) = 0x65u;
    if (rev != 0u && (REG(0x50032420u) & 0x80000000u)) { /* errata 140: reset during calibration */
        REG(CLOCK_LFCLKSRC) = 3u;               /* LFSYNT */
        REG(CLOCK_TASKS_LFCLKSTART) = 1u;
        wasmcu_chip_wait(CLOCK_EVENTS_LFCLKSTARTED, 1u, 1u, "CLOCK EVENTS_LFCLKSTARTED never set (errata 140)");
        REG(CLOCK_EVENTS_LFCLKSTARTED) = 0u;
        REG(CLOCK_TASKS_LFCLKSTOP) = 1u;
        REG(CLOCK_LFCLKSRC) = 1u;               /* LFRC */
    }
    if (current) {                              /* errata 160 */
        REG(0x5000470Cu) = 0x7Eu;
        REG(0x5000493Cu) = 0x7Eu;
        REG(0x50002118u) = 0x7Fu;
        REG(0x50039E04u) = 0u;
        REG(0x50039E08u) = 0u;
        REG(0x50101110u) = 0u;
        REG(0x50002124u) = 0u;
        REG(0x5000212Cu) = 0u;
        REG(0x502012A0u) = 0u;
    }
    /* 3. HFXO: HFCLKSRC = HFXO (nrfx_clock_hfclk_init: nrf_clock_hf_src_set(HIGH_ACCURACY); HFINT,
     * the RC oscillator, is what HFCLKSTART starts otherwise), start it and wait for
     * HFCLKSTARTED (nrfx_clock_hfclk_start), then for HFCLKSTAT to show the HFXO running */
    REG(CLOCK_HFCLKSRC) = 1u;
    REG(CLOCK_EVENTS_HFCLKSTARTED) = 0u;
    REG(CLOCK_TASKS_HFCLKSTART) = 1u;
    if (wasmcu_chip_wait(CLOCK_EVENTS_HFCLKSTARTED, 1u, 1u, "CLOCK EVENTS_HFCLKSTARTED never set (HFXO)")) {
        REG(CLOCK_EVENTS_HFCLKSTARTED) = 0u;
        wasmcu_chip_wait(CLOCK_HFCLKSTAT, (1u << 16) | 1u, (1u << 16) | 1u, "CLOCK HFCLKSTAT never showed the HFXO running");
    }
    /* 4. 128 MHz */
    REG(CLOCK_HFCLKCTRL) = 0u;
    /* 5. cache */
    REG(CACHE + 0x500u) = 1u;
    /* 6. UARTE0 on P0.20, then the counters */
    REG(P0 + 0x008u) = 1u << TX_PIN;          /* OUTSET: TX idles high */
    REG(P0 + 0x018u) = 1u << TX_PIN;          /* DIRSET */
    REG(UARTE0 + 0x50Cu) = TX_PIN;            /* PSEL.TXD = P0.20 */
    REG(UARTE0 + 0x524u) = 0x01D60000u;       /* BAUDRATE 115200 (from the 16 MHz peripheral clock) */
    REG(UARTE0 + 0x56Cu) = 0u;                /* CONFIG: 8N1, no flow control */
    REG(UARTE0 + 0x500u) = 8u;                /* ENABLE */
    REG(0xE000EDFCu) |= 1u << 24;             /* DEMCR.TRCENA */
    REG(0xE0001004u) = 0u;                    /* DWT_CYCCNT */
    REG(0xE0001000u) |= 1u;                   /* DWT_CTRL.CYCCNTENA */
    REG(TIMER0 + 0x504u) = 0u;                /* MODE = Timer */
    REG(TIMER0 + 0x508u) = 3u;                /* BITMODE = 32 bit */
    REG(TIMER0 + 0x510u) = 4u;                /* PRESCALER: 16 MHz / 2^4 = 1 MHz */
    REG(TIMER0 + 0x00Cu) = 1u;                /* TASKS_CLEAR */
    REG(TIMER0 + 0x000u) = 1u;                /* TASKS_START */
}

#ifdef WASMCU_MARKER_GPIO
__attribute__((constructor(102))) static void marker_init(void)
{
    REG(P0 + 0x00Cu) = 1u << WASMCU_MARKER_GPIO; /* OUTCLR */
    REG(P0 + 0x018u) = 1u << WASMCU_MARKER_GPIO; /* DIRSET */
}

void wasmcu_chip_marker(int on)
{
    REG(P0 + (on ? 0x008u : 0x00Cu)) = 1u << WASMCU_MARKER_GPIO; /* OUTSET / OUTCLR */
}
#endif

static uint32_t timer_now(void)
{
    REG(TIMER0 + 0x040u) = 1u;                /* TASKS_CAPTURE[0] */
    return REG(TIMER0 + 0x540u);              /* CC[0] */
}

#ifdef WASMCU_IDLE_MS
void wasmcu_chip_idle(void)
{
    uint32_t start = timer_now();
    for (uint32_t i = 0; i < 100000000u && timer_now() - start < WASMCU_IDLE_MS * 1000u; i++)
        ;
}
#endif

int wasmcu_chip_cycles(uint32_t *now)
{
    *now = REG(0xE0001004u); /* DWT_CYCCNT: wraps after 33.5 s at 128 MHz (the host checks) */
    return 32;
}

int wasmcu_chip_timer_us(uint32_t *now)
{
    *now = timer_now(); /* 1 MHz, 32 bits */
    return 1;
}

uint32_t wasmcu_chip_clock_hz(void)
{
    return (REG(CLOCK_HFCLKCTRL) & 3u) == 0u ? CPU_MHZ * 1000000u : 64000000u;
}

void _exit(int status)
{
    (void)status;
    for (;;)
        __asm__ volatile("wfi");
}
