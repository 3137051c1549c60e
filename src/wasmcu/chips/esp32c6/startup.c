/*
 * wasmcu firmware on the ESP32-C6 memory map: loaded into HP SRAM by the chip's ROM
 * loader (the image esptool's elf2image makes, written at flash offset 0, is taken for a
 * second-stage bootloader and its segments are copied to RAM), stdout on UART0 (which the
 * ROM has already set to 115200 baud from the 40 MHz crystal), exit in a wfi loop.
 *
 * Start-up, before main: the three watchdogs the ROM leaves armed off (the timer group's
 * with its configuration latched), then the CPU moved from whatever clock the ROM left
 * (the 40 MHz crystal after a power-on reset) to 160 MHz from the 480 MHz BBPLL, as
 * ESP-IDF's rtc_clk_init / rtc_clk_cpu_freq_set_config do. The call into the kernel is timed
 * by the system timer (SYSTIMER unit 0, 16 MHz from the crystal, independent of the CPU
 * clock). Register addresses and bit positions from ESP-IDF's components/soc/esp32c6
 * headers (register/soc/*_reg.h, include/modem/*_reg.h, include/soc/regi2c_bbpll.h).
 */
#include <stdint.h>
#include <stdio.h>

#define REG(a) (*(volatile uint32_t *)(a))

int wasmcu_chip_wait(uint32_t addr, uint32_t mask, uint32_t want, const char *what);

#define UART0_FIFO 0x60000000u
#define UART0_STATUS 0x6000001Cu      /* TXFIFO_CNT in bits 25:16 */
#define SYSTIMER_UNIT0_OP 0x6000A004u /* UPDATE = bit 30, VALUE_VALID = bit 29 */
#define SYSTIMER_UNIT0_VALUE_LO 0x6000A044u
#define WDT_KEY 0x50D83AA1u           /* LP_WDT_WKEY_VALUE, LP_WDT_SWD_WKEY_VALUE, TIMG's key (lpwdt_ll.h, mwdt_ll.h) */
#define LP_WDT 0x600B1C00u            /* DR_REG_LP_WDT_BASE: CONFIG0 +0x00, WPROTECT +0x18, SWD_CONFIG +0x1C, SWD_WPROTECT +0x20 */
#define TIMG0 0x60008000u             /* DR_REG_TIMERGROUP0_BASE: WDTCONFIG0 +0x48, WDTWPROTECT +0x64 */
#define TIMG_WDT_CONF_UPDATE_EN (1u << 22)
#define PCR 0x60096000u               /* DR_REG_PCR_BASE */
#define PCR_MSPI_CLK_CONF (PCR + 0x01Cu)   /* MSPI_FAST_HS_DIV_NUM bits 15:8 */
#define PCR_SYSCLK_CONF (PCR + 0x110u)     /* SOC_CLK_SEL bits 17:16: 0 XTAL, 1 PLL, 2 RC_FAST */
#define PCR_CPU_FREQ_CONF (PCR + 0x118u)   /* CPU_LS_DIV_NUM 7:0, CPU_HS_DIV_NUM 15:8, CPU_HS_120M_FORCE 16 */
#define PMU_IMM_HP_CK_POWER 0x600B00CCu    /* DR_REG_PMU_BASE + 0xcc */
#define MODEM_LPCON 0x600AF000u            /* I2C_MST_CLK_CONF +0x10 (SEL_160M bit 0), CLK_CONF +0x18 (I2C_MST_EN bit 2) */
#define I2C_ANA_MST 0x600AF800u            /* I2C0_CTRL +0x0, I2C1_CTRL +0x4, ANA_CONF0 +0x18, ANA_CONF1 +0x1C, ANA_CONF2 +0x20 */
#define ANA_CONF0 (I2C_ANA_MST + 0x18u)    /* BBPLL_STOP_FORCE_HIGH bit 2, _LOW bit 3, BBPLL_CAL_DONE bit 24 */
#define REGI2C_BUSY (1u << 25)
#define I2C_BBPLL 0x66u
#define CPU_MHZ 160u

static int uart_dead;

static int uart_putc(char c, FILE *file)
{
    (void)file;
    /* room in the 128-byte TX FIFO */
    if (!uart_dead && !wasmcu_chip_wait(UART0_STATUS, 0x380u << 16, 0u, "UART0 TX FIFO never drained"))
        uart_dead = 1;
    REG(UART0_FIFO) = (uint8_t)c;
    return (unsigned char)c;
}

static FILE uart_stdio = FDEV_SETUP_STREAM(uart_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &uart_stdio;
FILE *const stdout = &uart_stdio;
FILE *const stderr = &uart_stdio;

static uint32_t systimer_lo(void)
{
    REG(SYSTIMER_UNIT0_OP) = 1u << 30; /* UPDATE */
    wasmcu_chip_wait(SYSTIMER_UNIT0_OP, 1u << 29, 1u << 29, "SYSTIMER UNIT0_OP.VALUE_VALID never set");
    return REG(SYSTIMER_UNIT0_VALUE_LO);
}

/* The analog registers behind the internal I2C master (ESP-IDF components/esp_hal_regi2c/
 * esp32c6/regi2c_impl.c): the block is selected in ANA_CONF1, the master in ANA_CONF2 says
 * which of I2C0_CTRL / I2C1_CTRL drives it; a command is slave id | register << 8 |
 * write << 24 | data << 16, done when BUSY (bit 25) clears, read data in bits 23:16. */
static uint32_t regi2c_ctrl(void)
{
    uint32_t ctrl = (REG(I2C_ANA_MST + 0x20u) & (1u << 9)) ? I2C_ANA_MST + 0x0u : I2C_ANA_MST + 0x4u;
    REG(I2C_ANA_MST + 0x1Cu) = ~(1u << 7) & 0xFFFFFFu; /* REGI2C_BBPLL_RD_MASK */
    return ctrl;
}

static void regi2c_write(uint8_t reg, uint8_t data)
{
    uint32_t ctrl = regi2c_ctrl();
    wasmcu_chip_wait(ctrl, REGI2C_BUSY, 0u, "regi2c never idle");
    REG(ctrl) = I2C_BBPLL | ((uint32_t)reg << 8) | (1u << 24) | ((uint32_t)data << 16);
    wasmcu_chip_wait(ctrl, REGI2C_BUSY, 0u, "regi2c write never finished");
}

static void regi2c_write_mask(uint8_t reg, unsigned msb, unsigned lsb, uint8_t data)
{
    uint32_t ctrl = regi2c_ctrl();
    wasmcu_chip_wait(ctrl, REGI2C_BUSY, 0u, "regi2c never idle");
    REG(ctrl) = I2C_BBPLL | ((uint32_t)reg << 8);
    wasmcu_chip_wait(ctrl, REGI2C_BUSY, 0u, "regi2c read never finished");
    uint32_t value = (REG(ctrl) >> 16) & 0xFFu;
    uint32_t field = ((1u << (msb - lsb + 1u)) - 1u) << lsb;
    value = (value & ~field) | (((uint32_t)data << lsb) & field);
    REG(ctrl) = I2C_BBPLL | ((uint32_t)reg << 8) | (1u << 24) | (value << 16);
    wasmcu_chip_wait(ctrl, REGI2C_BUSY, 0u, "regi2c write never finished");
}

__attribute__((constructor(101))) static void esp32c6_init(void)
{
    /* The ROM arms the RTC (LP) watchdog and timer group 0's watchdog for flash boot, and the
     * super watchdog runs always: off, as ESP-IDF's bootloader does (bootloader_esp32c6.c). */
    REG(LP_WDT + 0x18u) = WDT_KEY;         /* LP_WDT_WPROTECT: unlock */
    REG(LP_WDT + 0x00u) = 0u;              /* LP_WDT_CONFIG0: WDT_EN (31) and FLASHBOOT_MOD_EN (12) off */
    REG(LP_WDT + 0x18u) = 0u;
    REG(LP_WDT + 0x20u) = WDT_KEY;         /* LP_WDT_SWD_WPROTECT */
    REG(LP_WDT + 0x1Cu) |= 1u << 18;       /* LP_WDT_SWD_CONFIG.SWD_AUTO_FEED_EN */
    REG(LP_WDT + 0x20u) = 0u;
    REG(TIMG0 + 0x64u) = WDT_KEY;          /* TIMG_WDTWPROTECT */
    REG(TIMG0 + 0x48u) = 0u;               /* TIMG_WDTCONFIG0: WDT_EN (31) and FLASHBOOT_MOD_EN (14) off ... */
    /* ... which takes effect only once latched: "Config registers are updated asynchronously"
     * (ESP-IDF esp_hal_wdt/esp32c6/include/hal/mwdt_ll.h sets wdt_conf_update_en after each change) */
    REG(TIMG0 + 0x48u) = TIMG_WDT_CONF_UPDATE_EN;
    REG(TIMG0 + 0x64u) = 0u;

    /* 160 MHz (ESP-IDF esp_hw_support/port/esp32c6/rtc_clk_init.c rtc_clk_init, rtc_clk.c
     * rtc_clk_cpu_freq_set_config, esp_hal_clock/esp32c6/include/hal/clk_tree_ll.h): */
    REG(PCR_MSPI_CLK_CONF) = (REG(PCR_MSPI_CLK_CONF) & ~(0xFFu << 8)) | (5u << 8); /* MSPI_FAST: 480 / 6 = 80 MHz */
    /* clk_ll_bbpll_enable: power the BBPLL and its I2C (PMU_TIE_HIGH_XPD_BB_I2C 28, _XPD_BBPLL_I2C 29,
     * _XPD_BBPLL 30), then its clock gate (PMU_TIE_HIGH_GLOBAL_BBPLL_ICG 25) */
    REG(PMU_IMM_HP_CK_POWER) |= (1u << 28) | (1u << 29) | (1u << 30);
    REG(PMU_IMM_HP_CK_POWER) |= 1u << 25;
    /* rtc_clk_bbpll_configure(40 MHz, 480 MHz): the analog I2C master's clock on */
    REG(MODEM_LPCON + 0x10u) |= 1u << 0;   /* CLK_I2C_MST_SEL_160M */
    REG(MODEM_LPCON + 0x18u) |= 1u << 2;   /* CLK_I2C_MST_EN */
    REG(ANA_CONF0) &= ~(1u << 2);          /* calibration start: STOP_FORCE_HIGH off ... */
    REG(ANA_CONF0) |= 1u << 3;             /* ... STOP_FORCE_LOW on */
    /* clk_ll_bbpll_set_config for a 40 MHz crystal: div_ref 0, div7_0 8, dr1 0, dr3 0, dchgp 5,
     * dcur 3, dbias 2 */
    regi2c_write(2u, (5u << 4) | 0u);                    /* I2C_BBPLL_OC_REF_DIV: dchgp << 4 | div_ref */
    regi2c_write(3u, 8u);                                /* I2C_BBPLL_OC_DIV_7_0 */
    regi2c_write_mask(5u, 2u, 0u, 0u);                   /* I2C_BBPLL_OC_DR1 */
    regi2c_write_mask(5u, 6u, 4u, 0u);                   /* I2C_BBPLL_OC_DR3 */
    regi2c_write(6u, (1u << 6) | (3u << 4) | 3u);        /* I2C_BBPLL_OC_DCUR: DLREF_SEL 1, DHREF_SEL 3, dcur */
    regi2c_write_mask(9u, 1u, 0u, 2u);                   /* I2C_BBPLL_OC_VCO_DBIAS */
    int locked = wasmcu_chip_wait(ANA_CONF0, 1u << 24, 1u << 24, "I2C_MST_BBPLL_CAL_DONE never set (BBPLL)");
    uint32_t t0 = systimer_lo();
    for (uint32_t i = 0; i < 100000u && systimer_lo() - t0 < 10u * 16u; i++) /* esp_rom_delay_us(10) */
        ;
    REG(ANA_CONF0) &= ~(1u << 3);          /* calibration stop */
    REG(ANA_CONF0) |= 1u << 2;
    REG(MODEM_LPCON + 0x18u) &= ~(1u << 2);
    if (!locked)
        return; /* stay on the crystal; main reports the failure */
    /* rtc_clk_cpu_freq_to_pll_mhz(160): CPU_HS_DIV_NUM = 480 / 160 / 3 - 1 = 0, no 120 MHz force,
     * then SOC_CLK_SEL = PLL */
    REG(PCR_CPU_FREQ_CONF) &= ~((0xFFu << 8) | (1u << 16));
    REG(PCR_SYSCLK_CONF) = (REG(PCR_SYSCLK_CONF) & ~(3u << 16)) | (1u << 16);
}

#ifdef WASMCU_MARKER_GPIO
__attribute__((constructor(102))) static void marker_init(void)
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

#ifdef WASMCU_IDLE_MS
void wasmcu_chip_idle(void)
{
    uint32_t start = systimer_lo();
    for (uint32_t i = 0; i < 100000000u && systimer_lo() - start < WASMCU_IDLE_MS * 16000u; i++)
        __asm__ volatile("nop");
}
#endif

/* The low 32 bits of the 52-bit count at 16 ticks per microsecond: main.c divides the
 * difference of two readings (exact for calls up to 2^32 / 16 MHz = 268 s), not each reading
 * (whose quotient would wrap at 2^28 us). */
int wasmcu_chip_timer_us(uint32_t *now)
{
    *now = systimer_lo();
    return 16;
}

uint32_t wasmcu_chip_clock_hz(void)
{
    return ((REG(PCR_SYSCLK_CONF) >> 16) & 3u) == 1u ? CPU_MHZ * 1000000u : 40000000u;
}

void _exit(int status)
{
    (void)status;
    for (;;)
        __asm__ volatile("wfi");
}
