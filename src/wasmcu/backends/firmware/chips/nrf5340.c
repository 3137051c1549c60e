/*
 * wasmcu firmware on the nRF5340 application core's memory map: vector table (picolibc's
 * crt0) at 0x00000000 in its 1 MB flash, RAM at 0x20000000, stdout on UARTE0 at 115200
 * baud on P0.20 (the nRF5340 DK's virtual COM port of the application core), exit in a
 * wfi loop. The core runs at 64 MHz as it leaves reset. The call into the kernel is timed
 * by the DWT cycle counter (Armv8-M ARM, DWT_CYCCNT), so the cycles are measured too.
 * Register addresses: nRF5340 Product Specification (UARTE 7.x, GPIO 6.x, memory map;
 * secure aliases at 0x5xxxxxxx, as the core starts secure).
 */
#include <stdint.h>
#include <stdio.h>

#define REG(a) (*(volatile uint32_t *)(a))
#define UARTE0 0x50008000u
#define P0 0x50842500u
#define TX_PIN 20u
#define CPU_MHZ 64u

static volatile uint8_t tx_byte;

static int uart_putc(char c, FILE *file)
{
    (void)file;
    tx_byte = (uint8_t)c;
    REG(UARTE0 + 0x120u) = 0u;                  /* EVENTS_ENDTX */
    REG(UARTE0 + 0x544u) = (uint32_t)&tx_byte;  /* TXD.PTR */
    REG(UARTE0 + 0x548u) = 1u;                  /* TXD.MAXCNT */
    REG(UARTE0 + 0x008u) = 1u;                  /* TASKS_STARTTX */
    for (uint32_t i = 0; i < 1000000u && !REG(UARTE0 + 0x120u); i++)
        ;
    return (unsigned char)c;
}

static FILE uart_stdio = FDEV_SETUP_STREAM(uart_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &uart_stdio;
FILE *const stdout = &uart_stdio;
FILE *const stderr = &uart_stdio;

__attribute__((constructor)) static void nrf5340_init(void)
{
    REG(P0 + 0x008u) = 1u << TX_PIN;          /* OUTSET: TX idles high */
    REG(P0 + 0x018u) = 1u << TX_PIN;          /* DIRSET */
    REG(UARTE0 + 0x50Cu) = TX_PIN;            /* PSEL.TXD = P0.20 */
    REG(UARTE0 + 0x524u) = 0x01D60000u;       /* BAUDRATE 115200 */
    REG(UARTE0 + 0x56Cu) = 0u;                /* CONFIG: 8N1, no flow control */
    REG(UARTE0 + 0x500u) = 8u;                /* ENABLE */
    REG(0xE000EDFCu) |= 1u << 24;             /* DEMCR.TRCENA */
    REG(0xE0001004u) = 0u;                    /* DWT_CYCCNT */
    REG(0xE0001000u) |= 1u;                   /* DWT_CTRL.CYCCNTENA */
}

#ifdef WASMCU_MARKER_GPIO
__attribute__((constructor)) static void marker_init(void)
{
    REG(P0 + 0x00Cu) = 1u << WASMCU_MARKER_GPIO; /* OUTCLR */
    REG(P0 + 0x018u) = 1u << WASMCU_MARKER_GPIO; /* DIRSET */
}

void wasmcu_chip_marker(int on)
{
    REG(P0 + (on ? 0x008u : 0x00Cu)) = 1u << WASMCU_MARKER_GPIO; /* OUTSET / OUTCLR */
}
#endif

#ifdef WASMCU_IDLE_MS
void wasmcu_chip_idle(void)
{
    uint32_t start = REG(0xE0001004u);
    while (REG(0xE0001004u) - start < WASMCU_IDLE_MS * 1000u * CPU_MHZ)
        ;
}
#endif

int wasmcu_chip_cycles(uint32_t *now)
{
    *now = REG(0xE0001004u); /* DWT_CYCCNT: wraps after 67 s at 64 MHz */
    return 32;
}

int wasmcu_chip_timer_us(uint32_t *now)
{
    *now = REG(0xE0001004u) / CPU_MHZ;
    return 1;
}

void _exit(int status)
{
    (void)status;
    for (;;)
        __asm__ volatile("wfi");
}
