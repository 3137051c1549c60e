/*
 * wasmcu firmware on the ESP32-C6 memory map: loaded into HP SRAM by the chip's ROM
 * loader (the image esptool's elf2image makes, written at flash offset 0, is taken for a
 * second-stage bootloader and its segments are copied to RAM), stdout on UART0 (which the
 * ROM has already set to 115200 baud), exit in a wfi loop. The CPU runs from the 40 MHz
 * crystal as the ROM leaves it. The call into the kernel is timed by the system timer
 * (SYSTIMER unit 0, 16 MHz). Register addresses from the ESP32-C6 Technical Reference
 * Manual (UART 27, SYSTIMER 15, watchdogs 16) and ESP-IDF's soc register headers.
 */
#include <stdint.h>
#include <stdio.h>

#define REG(a) (*(volatile uint32_t *)(a))
#define UART0_FIFO 0x60000000u
#define UART0_STATUS 0x6000001Cu /* TXFIFO_CNT in bits 25:16 */
#define SYSTIMER_UNIT0_OP 0x6000A004u
#define SYSTIMER_UNIT0_VALUE_LO 0x6000A044u
#define WDT_KEY 0x50D83AA1u

static int uart_putc(char c, FILE *file)
{
    (void)file;
    for (uint32_t i = 0; i < 1000000u && ((REG(UART0_STATUS) >> 16) & 0x3FFu) >= 120u; i++)
        ;
    REG(UART0_FIFO) = (uint8_t)c;
    return (unsigned char)c;
}

static FILE uart_stdio = FDEV_SETUP_STREAM(uart_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &uart_stdio;
FILE *const stdout = &uart_stdio;
FILE *const stderr = &uart_stdio;

/* The ROM arms the RTC watchdog and timer group 0's watchdog for flash boot, and the super
 * watchdog runs always: without ESP-IDF's bootloader, the image turns them off itself. */
__attribute__((constructor)) static void esp32c6_init(void)
{
    REG(0x600B1C18u) = WDT_KEY;            /* LP_WDT_WPROTECT: unlock */
    REG(0x600B1C00u) = 0u;                 /* LP_WDT_CONFIG0: RWDT off, flash-boot mode off */
    REG(0x600B1C18u) = 0u;
    REG(0x600B1C20u) = WDT_KEY;            /* LP_WDT_SWD_WPROTECT */
    REG(0x600B1C1Cu) |= 1u << 18;          /* LP_WDT_SWD_CONFIG.SWD_AUTO_FEED_EN */
    REG(0x600B1C20u) = 0u;
    REG(0x60008064u) = WDT_KEY;            /* TIMG0_WDTWPROTECT */
    REG(0x60008048u) = 0u;                 /* TIMG0_WDTCONFIG0: MWDT off, flash-boot mode off */
    REG(0x60008064u) = 0u;
}

#ifdef WASMCU_MARKER_GPIO
__attribute__((constructor)) static void marker_init(void)
{
    REG(0x60090004u + 4u * WASMCU_MARKER_GPIO) = 1u << 12;  /* IO_MUX_GPIOn: MCU_SEL = 1 (GPIO) */
    REG(0x60091554u + 4u * WASMCU_MARKER_GPIO) = 128u;      /* GPIO_FUNCn_OUT_SEL_CFG: simple output */
    REG(0x6009100Cu) = 1u << WASMCU_MARKER_GPIO;            /* GPIO_OUT_W1TC */
    REG(0x60091024u) = 1u << WASMCU_MARKER_GPIO;            /* GPIO_ENABLE_W1TS */
}

void wasmcu_chip_marker(int on)
{
    REG(on ? 0x60091008u : 0x6009100Cu) = 1u << WASMCU_MARKER_GPIO; /* GPIO_OUT_W1TS / W1TC */
}
#endif

static uint32_t systimer_lo(void)
{
    REG(SYSTIMER_UNIT0_OP) = 1u << 30; /* UPDATE */
    for (uint32_t i = 0; i < 1000u && !(REG(SYSTIMER_UNIT0_OP) & (1u << 29)); i++) /* VALUE_VALID */
        ;
    return REG(SYSTIMER_UNIT0_VALUE_LO);
}

#ifdef WASMCU_IDLE_MS
void wasmcu_chip_idle(void)
{
    uint32_t start = systimer_lo();
    for (uint32_t i = 0; i < 100000000u && systimer_lo() - start < WASMCU_IDLE_MS * 16000u; i++)
        __asm__ volatile("nop");
}
#endif

int wasmcu_chip_timer_us(uint32_t *now)
{
    *now = systimer_lo() / 16u; /* 16 MHz; wraps after 268 s, longer than any cell */
    return 1;
}

void _exit(int status)
{
    (void)status;
    for (;;)
        __asm__ volatile("wfi");
}
