/*
 * wasmcu firmware on the RP2040 memory map: picolibc's stdout on UART0, exit through a
 * breakpoint. Linked with picolibc's hosted crt0 (vector table, .data/.bss set-up) at
 * 0x10000100, after the 256 bytes the RP2040 boot ROM reserves for the second-stage boot.
 *
 * Built for the cross-check in rp2040js (an RP2040 emulator with a Cortex-M0+ cycle
 * counter), which starts the image at its vector table: the boot ROM and the
 * second-stage boot, which a real Pico runs first, are not part of this image.
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

void _exit(int status)
{
    (void)status;
    for (;;)
        __asm__ volatile("bkpt #0");
}
