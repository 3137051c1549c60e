/*
 * wasmcu firmware on the RP2040 memory map: picolibc's stdout on UART0, exit into the boot
 * ROM's USB boot (the BOOTSEL drive comes back for the next image). Linked with picolibc's
 * hosted crt0 (vector table, .data/.bss set-up) at 0x10000100, after the 256 bytes the
 * RP2040 boot ROM reserves for the second-stage boot.
 *
 * A Pico runs it from a UF2 file that adds wasmcu's second-stage boot (boot2.S,
 * uf2.py); the cross-check in rp2040js starts the image at its vector table.
 * The call into the kernel is timed by the RP2040's 1 MHz timer (TIMERAWL, Datasheet
 * 4.6.5), ticked by the watchdog's tick generator from the 12 MHz crystal.
 */
#include <stdint.h>
#include <stdio.h>

#define REG(a) (*(volatile uint32_t *)(a))
#define SET(a) REG((a) + 0x2000u) /* atomic bit-set alias (Datasheet 2.1.2) */
#define CLR(a) REG((a) + 0x3000u) /* atomic bit-clear alias */

int wasmcu_chip_wait(uint32_t addr, uint32_t mask, uint32_t want, const char *what);

#define UART0 0x40034000u
#define UART0_DR REG(UART0 + 0x000u)
#define UART0_FR REG(UART0 + 0x018u)
#define UART_FR_BUSY (1u << 3)
#define UART_FR_TXFF (1u << 5)
#define UART_FR_TXFE (1u << 7)
#define TIMER_TIMERAWL REG(0x40054028u)

#define RESETS 0x4000C000u   /* RESET at +0, RESET_DONE at +8 (Datasheet 2.14.3) */
#define RESET_IO_BANK0 (1u << 5)
#define RESET_PADS_BANK0 (1u << 8)
#define RESET_PLL_SYS (1u << 12)
#define RESET_TIMER (1u << 21)
#define RESET_UART0 (1u << 22)
#define CLOCKS 0x40008000u
#define CLK_REF_CTRL (CLOCKS + 0x30u)
#define CLK_REF_DIV (CLOCKS + 0x34u)
#define CLK_REF_SELECTED (CLOCKS + 0x38u)
#define CLK_SYS_CTRL (CLOCKS + 0x3Cu)
#define CLK_SYS_DIV (CLOCKS + 0x40u)
#define CLK_SYS_SELECTED (CLOCKS + 0x44u)
#define CLK_PERI_CTRL (CLOCKS + 0x48u)
#define CLK_SYS_RESUS_CTRL (CLOCKS + 0x78u)
#define XOSC 0x40024000u
#define PLL_SYS 0x40028000u

static int uart_dead; /* a TX FIFO that never drains: stop waiting for it on every byte */

static int uart_putc(char c, FILE *file)
{
    (void)file;
    if (!uart_dead && !wasmcu_chip_wait(UART0 + 0x018u, UART_FR_TXFF, 0, "UART0 FR.TXFF never cleared"))
        uart_dead = 1;
    UART0_DR = (uint8_t)c;
    return (unsigned char)c;
}

static FILE uart_stdio = FDEV_SETUP_STREAM(uart_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &uart_stdio;
FILE *const stdout = &uart_stdio;
FILE *const stderr = &uart_stdio;

/* What the Pico SDK's start-up does and a bare image must do itself, in the SDK's order
 * (pico-sdk src/rp2_common/pico_runtime_init/runtime_init_clocks.c runtime_init_clocks,
 * hardware_xosc/xosc.c xosc_init, hardware_pll/pll.c pll_init, hardware_clocks/clocks.c
 * clock_configure, pico_runtime_init/runtime_init.c runtime_init_post_clock_resets):
 * the 12 MHz crystal with the SDK's 6 ms start-up delay; clk_sys and clk_ref moved to their
 * glitchless defaults and SELECTED awaited before the PLL is touched; PLL_SYS reset, locked
 * at 1500 MHz VCO (12 MHz / 1 x 125) and divided by 6 x 2 to 125 MHz; clk_ref from the
 * crystal and clk_sys from the PLL, each switch awaited on SELECTED; clk_peri from clk_sys;
 * the 1 MHz tick; and only then IO_BANK0, PADS_BANK0, TIMER and UART0 out of reset, their
 * RESET_DONE awaited before any of their registers is written. UART0 at 115200 8N1 on
 * GPIO0/1. Runs before main (a constructor). */
__attribute__((constructor)) static void rp2040_init(void)
{
    REG(CLK_SYS_RESUS_CTRL) = 0u;
    /* xosc_init: FREQ_RANGE 1_15MHZ; STARTUP.DELAY = ((12000 + 128) / 256) x 6 (hardware/xosc.h:
     * PICO_XOSC_STARTUP_DELAY_MULTIPLIER defaults to 6) units of 256 crystal cycles = 6 ms */
    REG(XOSC + 0x00u) = 0xAA0u;
    REG(XOSC + 0x0Cu) = ((12000u + 128u) / 256u) * 6u;
    SET(XOSC + 0x00u) = 0xFABu << 12;                                      /* CTRL.ENABLE */
    int xosc = wasmcu_chip_wait(XOSC + 0x04u, 1u << 31, 1u << 31, "XOSC STATUS.STABLE never set");
    /* away from the aux sources before the PLLs change: SRC = clk_ref / rosc, SELECTED awaited */
    CLR(CLK_SYS_CTRL) = 1u;                                                /* CLK_SYS_CTRL.SRC */
    wasmcu_chip_wait(CLK_SYS_SELECTED, 0xFFFFFFFFu, 1u, "CLK_SYS_SELECTED never showed clk_ref");
    CLR(CLK_REF_CTRL) = 3u;                                                /* CLK_REF_CTRL.SRC */
    wasmcu_chip_wait(CLK_REF_SELECTED, 0xFFFFFFFFu, 1u, "CLK_REF_SELECTED never showed the ring oscillator");
    if (!xosc)
        goto peripherals; /* no crystal: stay on the ring oscillator, report it once the UART works */
    /* pll_init(pll_sys, 1, 1500 MHz, 6, 2) */
    SET(RESETS) = RESET_PLL_SYS;
    CLR(RESETS) = RESET_PLL_SYS;
    if (!wasmcu_chip_wait(RESETS + 0x08u, RESET_PLL_SYS, RESET_PLL_SYS, "RESET_DONE.pll_sys never set"))
        goto peripherals;
    REG(PLL_SYS + 0x00u) = 1u;                                             /* CS.REFDIV */
    REG(PLL_SYS + 0x08u) = 125u;                                           /* FBDIV_INT */
    CLR(PLL_SYS + 0x04u) = (1u << 0) | (1u << 5);                          /* PWR: PD, VCOPD off */
    if (!wasmcu_chip_wait(PLL_SYS + 0x00u, 1u << 31, 1u << 31, "PLL_SYS CS.LOCK never set"))
        goto peripherals;
    REG(PLL_SYS + 0x0Cu) = (6u << 16) | (2u << 12);                        /* PRIM: POSTDIV1 6, POSTDIV2 2 */
    CLR(PLL_SYS + 0x04u) = 1u << 3;                                        /* PWR: POSTDIVPD off */
    /* clock_configure(clk_ref, xosc): a glitchless mux, SELECTED is one-hot of SRC */
    REG(CLK_REF_DIV) = 1u << 8;
    REG(CLK_REF_CTRL) = 2u;                                                /* SRC = xosc_clksrc */
    wasmcu_chip_wait(CLK_REF_SELECTED, 0xFFFFFFFFu, 1u << 2, "CLK_REF_SELECTED never showed the crystal");
    /* clock_configure(clk_sys, aux pll_sys): AUXSRC first (SRC is clk_ref), then SRC = aux */
    REG(CLK_SYS_DIV) = 1u << 8;
    REG(CLK_SYS_CTRL) = 0u << 5;                                           /* AUXSRC = clksrc_pll_sys */
    REG(CLK_SYS_CTRL) = (0u << 5) | 1u;                                    /* SRC = clksrc_clk_sys_aux */
    wasmcu_chip_wait(CLK_SYS_SELECTED, 0xFFFFFFFFu, 1u << 1, "CLK_SYS_SELECTED never showed PLL_SYS");
peripherals:
    /* clock_configure(clk_peri, clk_sys): no glitchless mux; stopped, source set, started */
    CLR(CLK_PERI_CTRL) = 1u << 11;
    REG(CLK_PERI_CTRL) = 0u << 5;                                          /* AUXSRC = clk_sys */
    SET(CLK_PERI_CTRL) = 1u << 11;                                         /* ENABLE */
    REG(0x4005802Cu) = 12u | (1u << 9);                   /* WATCHDOG_TICK: 12 clk_ref cycles = 1 us, ENABLE */
    /* runtime_init_post_clock_resets: the peripherals leave reset once their clocks run */
    uint32_t blocks = RESET_IO_BANK0 | RESET_PADS_BANK0 | RESET_TIMER | RESET_UART0;
    CLR(RESETS) = blocks;
    wasmcu_chip_wait(RESETS + 0x08u, blocks, blocks, "RESET_DONE never showed io_bank0, pads_bank0, timer and uart0");
    REG(0x40014004u) = 2u;                                                 /* GPIO0_CTRL.FUNCSEL = UART0 TX */
    REG(0x4001400Cu) = 2u;                                                 /* GPIO1_CTRL.FUNCSEL = UART0 RX */
    /* uart_init / uart_set_baudrate: 8 x 125 MHz / 115200 + 1 = 8681 -> IBRD 67, FBRD 52; the
     * LCR_H write latches the divisors (Datasheet 4.2.7.1) */
    REG(UART0 + 0x024u) = 67u;                                             /* UARTIBRD */
    REG(UART0 + 0x028u) = 52u;                                             /* UARTFBRD */
    REG(UART0 + 0x02Cu) = 0x70u;                                           /* UARTLCR_H: 8 bits, FIFOs on */
    REG(UART0 + 0x030u) = 0x301u;                                          /* UARTCR: UARTEN, TXE, RXE */
}

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

/* Wait until the UART has sent everything (FR.BUSY clear, TX FIFO empty). */
static void uart_drain(void)
{
    if (!uart_dead)
        wasmcu_chip_wait(UART0 + 0x018u, UART_FR_BUSY | UART_FR_TXFE, UART_FR_TXFE, "UART0 never drained");
}

#ifdef WASMCU_IDLE_MS
/* Idle for the power trace's baseline: clk_sys (and clk_peri) from the 12 MHz clk_ref
 * instead of PLL_SYS, once the UART has sent everything; the timer keeps its 1 MHz tick. */
void wasmcu_chip_idle(void)
{
    uart_drain();
    REG(CLK_SYS_CTRL) = 0u; /* SRC = clk_ref */
    wasmcu_chip_wait(CLK_SYS_SELECTED, 0xFFFFFFFFu, 1u, "CLK_SYS_SELECTED never showed clk_ref");
    uint32_t start = TIMER_TIMERAWL;
    for (uint32_t i = 0; i < 100000000u && TIMER_TIMERAWL - start < WASMCU_IDLE_MS * 1000u; i++)
        ;
    REG(CLK_SYS_CTRL) = 1u; /* back to PLL_SYS */
    wasmcu_chip_wait(CLK_SYS_SELECTED, 0xFFFFFFFFu, 1u << 1, "CLK_SYS_SELECTED never showed PLL_SYS");
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

uint32_t wasmcu_chip_clock_hz(void)
{
    return 125000000u;
}

/* The boot ROM's function table (pico-sdk src/rp2_common/pico_bootrom/include/pico/bootrom.h
 * rom_func_lookup, boot/bootrom_constants.h): the magic 'M' 'u' 1 at 0x10, 16-bit pointers to
 * the function table at 0x14 and to rom_table_lookup at 0x18; reset_usb_boot has the code
 * ROM_TABLE_CODE('U', 'B'). */
typedef void *(*rom_table_lookup_fn)(const uint16_t *table, uint32_t code);
typedef void (*rom_reset_usb_boot_fn)(uint32_t gpio_activity_pin_mask, uint32_t disable_interface_mask);

void _exit(int status)
{
    (void)status;
    uart_drain(); /* the report's last bytes leave before USB boot resets the chip */
    const volatile uint8_t *magic = (const volatile uint8_t *)0x10u;
    if (magic[0] == 'M' && magic[1] == 'u' && magic[2] == 1u) {
        rom_table_lookup_fn lookup = (rom_table_lookup_fn)(uintptr_t) * (const volatile uint16_t *)0x18u;
        const uint16_t *table = (const uint16_t *)(uintptr_t) * (const volatile uint16_t *)0x14u;
        rom_reset_usb_boot_fn usb_boot = (rom_reset_usb_boot_fn)lookup(table, 'U' | ('B' << 8));
        if (usb_boot)
            usb_boot(0u, 0u); /* no activity LED; both the BOOTSEL drive and PICOBOOT enabled */
    }
    for (;;) /* no boot ROM (an emulator): stop at a breakpoint */
        __asm__ volatile("bkpt #0");
}
