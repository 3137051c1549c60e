/*
 * wasmcu's second-stage boot for the RP2040 (the 256 bytes at the start of flash that the
 * boot ROM copies to SRAM at 0x20041f00, checks by CRC-32 and runs; RP2040 Datasheet,
 * 2.8.1). It sets the flash interface (SSI, 2.3.8) up for execute-in-place with the
 * standard serial read command 03h, which every QSPI flash chip accepts, then enters the
 * image through its vector table at 0x10000100.
 */
    .syntax unified
    .cpu cortex-m0plus
    .thumb
    .section .text.boot2, "ax"
    .global wasmcu_boot2
    .type wasmcu_boot2, %function
wasmcu_boot2:
    ldr r3, =0x18000000         /* XIP_SSI_BASE */
    movs r1, #0
    str r1, [r3, #0x08]         /* SSIENR = 0: the SSI must be off to be configured */
    movs r1, #4
    str r1, [r3, #0x14]         /* BAUDR = 4: SCK = clk_sys / 4 */
    ldr r1, =((31 << 16) | (3 << 8))
    str r1, [r3, #0x00]         /* CTRLR0: DFS_32 = 31 (32-bit frames), TMOD = 3 (EEPROM read), standard SPI */
    ldr r1, =((0x03 << 24) | (2 << 8) | (6 << 2))
    ldr r2, =0x180000f4
    str r1, [r2]                /* SPI_CTRLR0: XIP_CMD = 03h, INST_L = 8 bits, ADDR_L = 24 bits, no wait cycles */
    movs r1, #0
    str r1, [r3, #0x04]         /* CTRLR1: NDF = 0, one data frame per XIP access */
    movs r1, #1
    str r1, [r3, #0x08]         /* SSIENR = 1 */
    ldr r0, =0x10000100         /* the image's vector table */
    ldr r1, =0xe000ed08
    str r0, [r1]                /* VTOR */
    ldmia r0!, {r1, r2}         /* initial stack pointer, reset handler */
    msr msp, r1
    bx r2
    .ltorg
