/*
 * wasmcu firmware on the RP2040 memory map: picolibc's stdout on UART0, exit through a
 * breakpoint. Linked with picolibc's hosted crt0 (vector table, .data/.bss set-up) at
 * 0x10000100, after the 256 bytes the RP2040 boot ROM reserves for the second-stage boot.
 *
 * A Pico runs it from a UF2 file that adds wasmcu's second-stage boot (rp2040_boot2.S,
 * toolchains/uf2.py); the cross-check in rp2040js starts the image at its vector table.
 * The call into the kernel is timed by the RP2040's 1 MHz timer (TIMERAWL, Datasheet
 * 4.6.5), which the boot ROM leaves running from the 12 MHz crystal's watchdog tick.
 */
#include <stdint.h>
#include <stdio.h>

#define UART0_DR (*(volatile uint32_t *)0x40034000u)
#define UART0_FR (*(volatile uint32_t *)0x40034018u)
#define UART0_LCR_H (*(volatile uint32_t *)0x4003402cu)
#define UART0_CR (*(volatile uint32_t *)0x40034030u)
#define UART_FR_TXFF (1u << 5)

static int uart_putc(char c, FILE *file)
{
    static int ready;
    (void)file;
    if (!ready) {
        UART0_LCR_H = 0x70u; /* 8 bits, FIFOs on (RP2040 Datasheet, 4.2.8 UARTLCR_H) */
        UART0_CR = 0x301u;   /* UARTEN, TXE, RXE */
        ready = 1;
    }
    while (UART0_FR & UART_FR_TXFF)
        ;
    UART0_DR = (uint8_t)c;
    return (unsigned char)c;
}

static FILE uart_stdio = FDEV_SETUP_STREAM(uart_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &uart_stdio;
FILE *const stdout = &uart_stdio;
FILE *const stderr = &uart_stdio;

#define REG(a) (*(volatile uint32_t *)(a))
#define CLR(a) REG((a) + 0x3000u) /* atomic bit-clear alias (Datasheet 2.1.2) */
#define TIMER_TIMERAWL REG(0x40054028u)

/* Wait for a status bit, boundedly (an emulator that does not model it must not hang). */
static void wait_set(uint32_t addr, uint32_t mask)
{
    for (uint32_t i = 0; i < 1000000u && !(REG(addr) & mask); i++)
        ;
}

/* What the Pico SDK's start-up does and a bare image must do itself (Datasheet 2.14-2.18,
 * 4.2, 4.6): the 12 MHz crystal, clk_sys at 125 MHz from PLL_SYS (12 MHz / 1 x 125 = 1500
 * MHz VCO, / 6 / 2), clk_peri from clk_sys, the 1 MHz timer tick, UART0 at 115200 baud on
 * GPIO0/1. Runs before main (a constructor). */
__attribute__((constructor)) static void rp2040_init(void)
{
    REG(0x40024000u) = 0xAA0u;                 /* XOSC_CTRL: 1-15 MHz range */
    REG(0x4002400Cu) = 47u;                    /* XOSC_STARTUP: about 1 ms */
    REG(0x40024000u) = 0xAA0u | (0xFABu << 12); /* ENABLE */
    wait_set(0x40024004u, 1u << 31);           /* XOSC_STATUS.STABLE */
    REG(0x40008030u) = 2u;                     /* CLK_REF_CTRL.SRC = xosc */
    REG(0x4000803Cu) = 0u;                     /* CLK_SYS_CTRL.SRC = clk_ref while the PLL starts */
    CLR(0x4000C000u) = (1u << 12) | (1u << 5) | (1u << 8) | (1u << 21) | (1u << 22); /* out of reset: pll_sys, io_bank0, pads_bank0, timer, uart0 */
    wait_set(0x4000C008u, 1u << 12);           /* RESET_DONE.pll_sys */
    REG(0x40028000u) = 1u;                     /* PLL_CS.REFDIV = 1 */
    REG(0x40028008u) = 125u;                   /* PLL_FBDIV_INT */
    CLR(0x40028004u) = (1u << 0) | (1u << 5);  /* PLL_PWR: power up PD and VCOPD */
    wait_set(0x40028000u, 1u << 31);           /* PLL_CS.LOCK */
    REG(0x4002800Cu) = (6u << 16) | (2u << 12); /* PLL_PRIM: POSTDIV1 6, POSTDIV2 2 */
    CLR(0x40028004u) = 1u << 3;                /* power up POSTDIVPD */
    REG(0x4000803Cu) = 1u;                     /* CLK_SYS_CTRL: AUXSRC pll_sys, SRC aux */
    wait_set(0x40008044u, 1u << 1);            /* CLK_SYS_SELECTED */
    REG(0x40008048u) = 1u << 11;               /* CLK_PERI_CTRL: ENABLE, AUXSRC clk_sys */
    REG(0x4005802Cu) = 12u | (1u << 9);        /* WATCHDOG_TICK: 12 clk_ref cycles = 1 us, ENABLE */
    REG(0x40014004u) = 2u;                     /* GPIO0_CTRL: UART0 TX */
    REG(0x4001400Cu) = 2u;                     /* GPIO1_CTRL: UART0 RX */
    REG(0x40034024u) = 67u;                    /* UARTIBRD: 125 MHz / (16 x 115200) = 67.82 */
    REG(0x40034028u) = 52u;                    /* UARTFBRD: 0.82 x 64 */
}

#define UART_FR_BUSY (1u << 3)

#ifdef WASMCU_MARKER_GPIO
/* The power meter's marker: a GPIO driven through SIO (Datasheet 2.3.1.2, 2.19.2), high
 * while the kernel runs. */
__attribute__((constructor)) static void marker_init(void)
{
    REG(0x40014004u + 8u * WASMCU_MARKER_GPIO) = 5u; /* GPIOn_CTRL.FUNCSEL = SIO */
    REG(0xD0000018u) = 1u << WASMCU_MARKER_GPIO;     /* GPIO_OUT_CLR */
    REG(0xD0000024u) = 1u << WASMCU_MARKER_GPIO;     /* GPIO_OE_SET */
}

void wasmcu_chip_marker(int on)
{
    REG(on ? 0xD0000014u : 0xD0000018u) = 1u << WASMCU_MARKER_GPIO; /* GPIO_OUT_SET / GPIO_OUT_CLR */
}
#endif

#ifdef WASMCU_IDLE_MS
/* Idle for the power trace's baseline: clk_sys (and clk_peri) from the 12 MHz clk_ref
 * instead of PLL_SYS, once the UART has sent everything; the timer keeps its 1 MHz tick. */
void wasmcu_chip_idle(void)
{
    for (uint32_t i = 0; i < 1000000u && (UART0_FR & UART_FR_BUSY); i++)
        ;
    REG(0x4000803Cu) = 0u; /* CLK_SYS_CTRL.SRC = clk_ref */
    uint32_t start = TIMER_TIMERAWL;
    for (uint32_t i = 0; i < 100000000u && TIMER_TIMERAWL - start < WASMCU_IDLE_MS * 1000u; i++)
        ;
    REG(0x4000803Cu) = 1u; /* back to PLL_SYS */
    wait_set(0x40008044u, 1u << 1);
}
#endif

/* The Cortex-M0+ has no cycle counter, but SysTick counts clk_sys cycles down from 2^24 - 1
 * (Armv6-M ARM B3.3): 134 ms at 125 MHz before it wraps, which the host checks. */
__attribute__((constructor)) static void systick_init(void)
{
    REG(0xE000E014u) = 0xFFFFFFu; /* SYST_RVR */
    REG(0xE000E018u) = 0u;        /* SYST_CVR: reload */
    REG(0xE000E010u) = 5u;        /* SYST_CSR: ENABLE, CLKSOURCE = processor clock, no interrupt */
}

int wasmcu_chip_cycles(uint32_t *now)
{
    *now = 0xFFFFFFu - REG(0xE000E018u); /* counting up */
    return 24;
}

int wasmcu_chip_timer_us(uint32_t *now)
{
    *now = TIMER_TIMERAWL;
    return 1;
}

void _exit(int status)
{
    (void)status;
    for (;;)
        __asm__ volatile("bkpt #0");
}
