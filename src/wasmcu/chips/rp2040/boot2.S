/*
 * wasmcu's second-stage boot for the RP2040 (the 256 bytes at the start of flash that the
 * boot ROM copies to SRAM at 0x20041f00, checks by CRC-32 and runs; RP2040 Datasheet,
 * 2.8.1). It sets the flash interface (SSI, Datasheet 4.10) up for execute-in-place in the
 * W25Q080's quad I/O continuous-read mode, the mode the Pico SDK's default boot2 uses
 * (pico-sdk src/rp2040/boot_stage2/boot2_w25q080.S) and that the Pico profile's XIP miss
 * cost assumes, written from the flash's datasheet (Winbond W25Q80DV: Read Status
 * Register-2 35h, QE = bit 1; Write Enable 06h; Write Status Register 01h with two data
 * bytes; Read Status Register-1 05h, BUSY = bit 0; Fast Read Quad I/O EBh with the mode
 * bits Ax that keep the flash in continuous read, 4 dummy clocks) at SCK = clk_sys / 4:
 *
 * 1. the QSPI pads: SCLK 8 mA and fast slew, no input Schmitt triggers on SD0-3;
 * 2. if QE is not set yet, set it (write enable, write status) and wait, boundedly, while BUSY;
 * 3. one EBh read with mode bits A0h puts the flash in continuous-read mode;
 * 4. the SSI then sends only the address and A0h for each XIP access (no command byte);
 *
 * then enters the image through its vector table at 0x10000100.
 */
    .syntax unified
    .cpu cortex-m0plus
    .thumb
    .section .text.boot2, "ax"
    .global wasmcu_boot2
    .type wasmcu_boot2, %function

    .equ SSI, 0x18000000        /* XIP_SSI_BASE */
    .equ CTRLR0, 0x00
    .equ CTRLR1, 0x04
    .equ SSIENR, 0x08
    .equ BAUDR, 0x14
    .equ SR, 0x28               /* BUSY = bit 0, TFE = bit 2 */
    .equ DR0, 0x60
    .equ RX_SAMPLE_DLY, 0xf0
    .equ SPI_CTRLR0, 0xf4       /* XIP_CMD 31:24, WAIT_CYCLES 15:11, INST_L 9:8, ADDR_L 5:2, TRANS_TYPE 1:0 */
    .equ PADS_QSPI, 0x40020000  /* GPIO_QSPI_SCLK at 0x04, SD0-SD3 at 0x08-0x14 */

wasmcu_boot2:
    ldr r3, =PADS_QSPI
    movs r0, #((2 << 4) | 1)    /* DRIVE = 8 mA, SLEWFAST */
    str r0, [r3, #0x04]
    ldr r0, [r3, #0x08]
    movs r1, #2                 /* SCHMITT */
    bics r0, r1
    str r0, [r3, #0x08]
    str r0, [r3, #0x0c]
    str r0, [r3, #0x10]
    str r0, [r3, #0x14]

    ldr r3, =SSI
    movs r1, #0
    str r1, [r3, #SSIENR]       /* the SSI must be off to be configured */
    movs r1, #4
    str r1, [r3, #BAUDR]        /* SCK = clk_sys / 4 */
    movs r1, #1
    movs r2, #RX_SAMPLE_DLY
    str r1, [r3, r2]            /* sample one system clock later */
    ldr r1, =(7 << 16)          /* DFS_32 = 7: 8-bit frames; TMOD = 0: transmit and receive */
    str r1, [r3, #CTRLR0]
    movs r1, #1
    str r1, [r3, #SSIENR]

    movs r0, #0x35              /* status register 2 */
    bl read_status
    movs r1, #2
    tst r0, r1
    bne quad_enabled            /* QE already set: no write (the status register wears) */
    movs r1, #0x06              /* write enable */
    str r1, [r3, #DR0]
    bl wait_ready
    ldr r1, [r3, #DR0]
    movs r1, #0x01              /* write status: SR1 = 0, SR2 = QE */
    str r1, [r3, #DR0]
    movs r1, #0
    str r1, [r3, #DR0]
    movs r1, #2
    str r1, [r3, #DR0]
    bl wait_ready
    ldr r1, [r3, #DR0]
    ldr r1, [r3, #DR0]
    ldr r1, [r3, #DR0]
    ldr r4, =200000             /* the write takes at most 15 ms (tW); then give up waiting */
1:  movs r0, #0x05              /* status register 1 */
    bl read_status
    movs r1, #1
    tst r0, r1
    beq quad_enabled
    subs r4, #1
    bne 1b
quad_enabled:
    movs r1, #0
    str r1, [r3, #SSIENR]

    /* SPI_FRF = 2 (quad), DFS_32 = 31 (32-bit frames), TMOD = 3 (EEPROM read); NDF = 0 */
    ldr r1, =((2 << 21) | (31 << 16) | (3 << 8))
    str r1, [r3, #CTRLR0]
    movs r1, #0
    str r1, [r3, #CTRLR1]
    /* the command serially, the address and mode bits in quad: TRANS_TYPE 1, ADDR_L 8 (x4 bits:
     * 24 address and 8 mode bits), INST_L 2 (8 bits), WAIT_CYCLES 4 */
    ldr r1, =((4 << 11) | (2 << 8) | (8 << 2) | 1)
    ldr r0, =(SSI + SPI_CTRLR0)
    str r1, [r0]
    movs r1, #1
    str r1, [r3, #SSIENR]
    movs r1, #0xeb              /* Fast Read Quad I/O */
    str r1, [r3, #DR0]
    movs r1, #0xa0              /* address 0, mode bits A0h: stay in continuous read */
    str r1, [r3, #DR0]
    bl wait_ready
    movs r1, #0
    str r1, [r3, #SSIENR]
    /* XIP from now on: no command (INST_L 0), A0h sent as the mode bits, all in quad (TRANS_TYPE 2) */
    ldr r1, =((0xa0 << 24) | (4 << 11) | (0 << 8) | (8 << 2) | 2)
    str r1, [r0]
    movs r1, #1
    str r1, [r3, #SSIENR]

    ldr r0, =0x10000100         /* the image's vector table */
    ldr r1, =0xe000ed08
    str r0, [r1]                /* VTOR */
    ldmia r0!, {r1, r2}         /* initial stack pointer, reset handler */
    msr msp, r1
    bx r2

/* No stack is used: where the boot ROM leaves the stack pointer is not this code's concern.
 * r0 = a read-status command; returns the register in r0 (the command's own frame is dropped);
 * uses r1, r2, r5, r6 */
read_status:
    mov r6, lr
    str r0, [r3, #DR0]
    str r0, [r3, #DR0]          /* a second frame clocks the register out */
    bl wait_ready
    ldr r0, [r3, #DR0]
    ldr r0, [r3, #DR0]
    bx r6

/* until the TX FIFO is empty (SR.TFE) and the SSI idle (not SR.BUSY), boundedly; uses r1, r2, r5 */
wait_ready:
    ldr r5, =100000
1:  ldr r1, [r3, #SR]
    movs r2, #5
    ands r1, r2
    cmp r1, #4
    beq 2f
    subs r5, #1
    bne 1b
2:  bx lr
    .ltorg
