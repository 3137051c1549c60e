"""Each real chip's start-up code run in Unicorn from reset to the first UART byte and through
the end of the run, against a small register model per chip (tests/bringup.py): the order of
the register writes and waits is the vendor's, the clocks are the ones users run, and a
status bit that never comes ends in the bounded wait's error instead of a hang."""

import shutil

import pytest

from wasmcu import devices, workloads

from unicorn import arm_const as arm

from bringup import ESP, NRF, RP, esp32c6, nrf5340, pico, riscv_csr_writes, run

pytest.importorskip("unicorn")
BOARDS = {"rp2040": "pico-board", "nrf5340": "nrf5340-board", "esp32c6": "esp32c6-board"}
CC = {"rp2040": "arm-none-eabi-gcc", "nrf5340": "arm-none-eabi-gcc", "esp32c6": "riscv64-unknown-elf-gcc"}


@pytest.fixture(scope="module")
def env():
    return workloads.discover(), devices.discover()


def image(env, chip, defines=()):
    if not shutil.which(CC[chip]):
        pytest.skip(f"needs {CC[chip]} (scripts/setup.sh installs it)")
    wls, devs = env
    from wasmcu.backends.image import build_image
    from wasmcu.workloads.kernel_source import kernel_source

    elf, _ = build_image("native", kernel_source(wls["crc16"], 40, "c"), devs[BOARDS[chip]], "-O2", chip=chip,
                         defines=list(defines))
    return elf


# a status bit that never comes: the bounded waits made shorter than the chips' 200000 reads, so
# that each timed-out wait takes a fraction of a second under the register model
SHORT_WAITS = ["-DWASMCU_WAIT_LOOPS=20000"]


def report(chip):
    text = chip.text()
    assert "@wasmcu end=1" in text, text
    return text


# --- RP2040

def test_rp2040_start_up_follows_the_sdk_order_and_ends_in_usb_boot(env):
    chip = pico(image(env, "rp2040"))
    run(chip, chip.start)
    text = report(chip)
    assert "checksum=" in text and "clock_hz=125000000" in text
    uart = chip.first_uart_byte(RP["UART_DR"])
    # the crystal: the SDK's 6 ms start-up delay ((12000 + 128) / 256 x 6 units of 256 cycles)
    assert chip.writes(RP["XOSC_STARTUP"]) == [282]
    xosc_on = chip.index("w", RP["XOSC_CTRL"], lambda v: (v >> 12) & 0xFFF == 0xFAB)
    stable = chip.index("r", RP["XOSC_STATUS"], lambda v: v >> 31, xosc_on)
    assert 0 <= xosc_on < stable
    # clk_ref switched to the crystal, then SELECTED awaited before clk_sys moves to the PLL
    ref = chip.index("w", RP["CLK_REF_CTRL"], lambda v: v & 3 == 2)
    ref_sel = chip.index("r", RP["CLK_REF_SELECTED"], lambda v: v == 4, ref)
    sys_pll = chip.index("w", RP["CLK_SYS_CTRL"], lambda v: v & 1 == 1)
    assert 0 <= ref < ref_sel < sys_pll
    # the PLL locked before it is selected
    lock = chip.index("r", RP["PLL_CS"], lambda v: v >> 31)
    assert chip.writes(RP["PLL_FBDIV"]) == [125] and chip.writes(RP["PLL_PRIM"]) == [(6 << 16) | (2 << 12)]
    assert 0 <= lock < sys_pll
    assert chip.index("r", RP["CLK_SYS_SELECTED"], lambda v: v == 2, sys_pll) > sys_pll
    # clk_peri runs before UART0 and the timer leave reset; RESET_DONE awaited before UART0 is written
    peri = chip.index("w", RP["CLK_PERI_CTRL"], lambda v: v & (1 << 11))
    unreset = chip.index("w", RP["RESET"], lambda v: not v & (1 << 22))
    done = chip.index("r", RP["RESET_DONE"], lambda v: v & (1 << 22) and v & (1 << 21), unreset)
    first_uart_reg = min(i for i, a in enumerate(chip.log) if a.op == "w" and 0x40034000 <= a.addr < 0x40035000)
    assert 0 <= peri < unreset < done < first_uart_reg < uart
    assert chip.index("w", RP["WATCHDOG_TICK"], lambda v: v == 12 | 1 << 9) < uart
    # end of the run: the UART drained after the last byte, then reset_usb_boot(0, 0) from the ROM table
    last_byte = max(i for i, a in enumerate(chip.log) if a.op == "w" and a.addr == RP["UART_DR"])
    drained = chip.index("r", RP["UART_FR"], lambda v: v & 0x80 and not v & 0x08, last_byte)
    assert chip.stopped == "reset_usb_boot" and chip.usb_boot == (0, 0)
    assert last_byte < drained < len(chip.log) - 1 and chip.log[-1].op == "usb_boot"


def test_rp2040_without_a_boot_rom_stops_at_its_breakpoint(env):
    chip = pico(image(env, "rp2040"), boot_rom=False)  # as in rp2040js, which ships no boot ROM
    run(chip, chip.start)
    assert chip.stopped == "bkpt" and "@wasmcu end=1" in chip.text()


@pytest.mark.parametrize("stuck, message", [("xosc", "XOSC STATUS.STABLE never set"),
                                            ("pll", "PLL_SYS CS.LOCK never set")])
def test_rp2040_a_status_bit_that_never_comes_is_a_bring_up_error(env, stuck, message):
    chip = pico(image(env, "rp2040", SHORT_WAITS), stuck={stuck})
    run(chip, chip.start)
    assert f'@wasmcu error="bring-up: {message}"' in report(chip)
    assert "checksum=" not in chip.text()  # no kernel run on a chip whose clocks are not what the profile says
    assert chip.writes(RP["CLK_SYS_CTRL"]).count(1) == 0  # never switched to a PLL that is not running


# --- nRF5340

def test_nrf5340_start_up_opens_the_debug_port_first_runs_at_128_mhz_from_the_crystal_with_the_cache_on(env):
    chip = nrf5340(image(env, "nrf5340"))
    run(chip, chip.start)
    text = report(chip)
    assert "checksum=" in text and "clock_hz=128000000" in text
    uart = chip.index("w", NRF["UARTE_STARTTX"])
    # UICR still erased: programmed once to 0x50FA50FA through the NVMC (asserted by the model),
    # then copied to CTRL-AP, before any other peripheral is touched (crt0 only enables the FPU)
    assert chip.writes(NRF["UICR_APPROTECT"]) == [0x50FA50FA] == chip.writes(NRF["UICR_SECUREAPPROTECT"])
    assert chip.writes(NRF["CTRLAP_APPROTECT_DISABLE"]) == [0x50FA50FA]
    assert chip.writes(NRF["CTRLAP_SECUREAPPROTECT_DISABLE"]) == [0x50FA50FA]
    copied = chip.index("w", NRF["CTRLAP_SECUREAPPROTECT_DISABLE"])
    before = {a.addr for a in chip.log[:copied] if a.op == "w" and a.addr < 0xE0000000}
    assert before <= {NRF["NVMC_CONFIG"], NRF["UICR_APPROTECT"], NRF["UICR_SECUREAPPROTECT"],
                      NRF["CTRLAP_APPROTECT_DISABLE"]}, sorted(map(hex, before))
    # FICR trims copied; current silicon (variant 5): errata 160's writes, not the engineering-A ones
    assert chip.writes(0x50004A38) == [0x1234]
    assert chip.writes(0x50039E04) == [0] and chip.writes(0x50039530) == []
    # the HFXO selected (not the RC oscillator HFINT), started, its event awaited and HFCLKSTAT
    # showing it, before the counters start and before 128 MHz
    start = chip.index("w", NRF["TASKS_HFCLKSTART"])
    assert 0 <= chip.index("w", NRF["HFCLKSRC"], lambda v: v == 1) < start
    assert chip.index("r", NRF["HFCLKSTAT"], lambda v: v == 0x10001, start) > start
    started = chip.index("r", NRF["EVENTS_HFCLKSTARTED"], lambda v: v == 1, start)
    div1 = chip.index("w", NRF["HFCLKCTRL"], lambda v: v == 0)
    cyccnt = chip.index("w", NRF["DWT_CTRL"], lambda v: v & 1)
    timer = chip.index("w", NRF["TIMER0_START"])
    assert 0 <= start < started < div1 < cyccnt and started < timer < uart
    # the cache on before the program runs
    assert 0 <= chip.index("w", NRF["CACHE_ENABLE"], lambda v: v == 1) < uart
    # the MPU guard's memory attributes (MAIR0) set before the MPU is enabled
    mair = chip.index("w", NRF["MPU_MAIR0"])
    assert 0 <= mair < chip.index("w", NRF["MPU_CTRL"], lambda v: v & 1)


def test_nrf5340_a_written_uicr_is_left_alone(env):
    chip = nrf5340(image(env, "nrf5340"), uicr=0x50FA50FA)
    run(chip, chip.start)
    assert chip.writes(NRF["UICR_APPROTECT"]) == [] and chip.writes(NRF["NVMC_CONFIG"]) == []
    assert chip.writes(NRF["CTRLAP_APPROTECT_DISABLE"]) == [0x50FA50FA]


def test_nrf5340_engineering_silicon_gets_its_errata_workarounds(env):
    chip = nrf5340(image(env, "nrf5340"), variant=2)
    run(chip, chip.start)
    assert chip.writes(0x50039530) == [0xBEEF0044] and chip.writes(0x50039E04) == []  # errata 42, not 160


def test_nrf5340_a_crystal_that_never_starts_is_a_bring_up_error(env):
    chip = nrf5340(image(env, "nrf5340", SHORT_WAITS), stuck={"hfxo"})
    run(chip, chip.start)
    assert '@wasmcu error="bring-up: CLOCK EVENTS_HFCLKSTARTED never set (HFXO)"' in report(chip)


def test_nrf5340_a_uart_that_never_ends_a_transfer_does_not_hang(env):
    chip = nrf5340(image(env, "nrf5340", SHORT_WAITS), stuck={"endtx"})
    run(chip, chip.start, max_instructions=20_000_000)
    assert chip.stopped == "exit"  # bounded: one timed-out wait, then no more waiting per byte


# --- ESP32-C6

def test_esp32c6_start_up_latches_the_watchdog_off_and_runs_at_160_mhz_from_the_pll(env):
    chip = esp32c6(image(env, "esp32c6"))
    mtvec = riscv_csr_writes(chip, 0x305)
    pmpaddr2 = riscv_csr_writes(chip, 0x3B2)
    run(chip, chip.start)
    text = report(chip)
    assert "checksum=" in text and "clock_hz=160000000" in text
    uart = chip.first_uart_byte(ESP["UART_FIFO"])
    # the timer group's watchdog: off, and the update bit written after the config
    config = chip.writes(ESP["TIMG0_WDTCONFIG0"])
    assert config == [0, 1 << 22] and chip.wdt_latched == 0
    unlock = chip.index("w", ESP["TIMG0_WDTWPROTECT"], lambda v: v == 0x50D83AA1)
    update = chip.index("w", ESP["TIMG0_WDTCONFIG0"], lambda v: v & (1 << 22))
    assert 0 <= unlock < update < chip.index("w", ESP["TIMG0_WDTWPROTECT"], lambda v: v == 0, update)
    assert chip.writes(ESP["LP_WDT_CONFIG0"]) == [0]
    # the BBPLL: powered, configured for 480 MHz from 40 MHz, calibrated; then the CPU at 480 / 3
    assert chip.analog[0x66, 2] == 0x50 and chip.analog[0x66, 3] == 8 and chip.analog[0x66, 6] == 0x73
    assert chip.analog[0x66, 9] & 3 == 2
    power = chip.index("w", ESP["PMU_IMM_HP_CK_POWER"], lambda v: v & (7 << 28) == 7 << 28)
    cal = chip.index("r", ESP["ANA_CONF0"], lambda v: v & (1 << 24))
    pll = chip.index("w", ESP["PCR_SYSCLK_CONF"], lambda v: (v >> 16) & 3 == 1)
    assert 0 <= power < cal < pll < uart
    assert chip.regs[ESP["PCR_CPU_FREQ_CONF"]] & 0x1FF00 == 0  # CPU_HS_DIV_NUM 0 (divide by 3), no 120 MHz force
    assert (chip.regs[ESP["PCR_MSPI_CLK_CONF"]] >> 8) & 0xFF == 5  # MSPI_FAST 480 / 6 before the switch
    # the trap vector 256-byte aligned; the PMP guard below RAM clear of the image
    assert mtvec and all(v % 256 == 0 for v in mtvec)
    assert pmpaddr2 and pmpaddr2[-1] << 2 >= chip.image_end


def test_esp32c6_guard_below_ram_stays_outside_an_image_over_256_kb(env):
    chip = esp32c6(image(env, "esp32c6", ["-DWASMCU_PAD_BYTES=280000"]))
    pmpaddr2 = riscv_csr_writes(chip, 0x3B2)
    assert chip.image_end > 0x40800000 + 256 * 1024
    run(chip, chip.start)
    assert "checksum=" in report(chip)
    assert pmpaddr2[-1] << 2 >= chip.image_end  # below RAM, but above the image's last byte


def test_esp32c6_a_pll_that_never_calibrates_is_a_bring_up_error(env):
    chip = esp32c6(image(env, "esp32c6", SHORT_WAITS), stuck={"bbpll"})
    run(chip, chip.start)
    assert '@wasmcu error="bring-up: I2C_MST_BBPLL_CAL_DONE never set (BBPLL)"' in report(chip)
    assert chip.writes(ESP["PCR_SYSCLK_CONF"]) == []  # stays on the crystal


# --- RP2040 second-stage boot

@pytest.mark.parametrize("quad_enabled", [False, True])
def test_rp2040_boot2_puts_the_flash_in_quad_continuous_read_and_enters_the_image(quad_enabled):
    if not shutil.which("arm-none-eabi-gcc"):
        pytest.skip("needs arm-none-eabi-gcc")
    from bringup import SSI, boot2
    from wasmcu.chips.rp2040.uf2 import boot2 as boot2_block

    chip = boot2(boot2_block()[:252], quad_enabled)
    run(chip, chip.start, max_instructions=1_000_000)
    # SP stayed 0 (unmapped): no stack is used; then the image's initial SP from its vector table
    assert chip.stopped == "image" and chip.uc.reg_read(arm.UC_ARM_REG_SP) == 0x20042000
    assert chip.writes(0xE000ED08) == [0x10000100]  # VTOR: the image's vector table
    sent = chip.writes(SSI["DR0"])
    # QE (status register 2, bit 1) set once when it was not: write enable, then write status 00h 02h
    if quad_enabled:
        assert sent[:2] == [0x35, 0x35] and 0x06 not in sent and 0x01 not in sent
    else:
        assert sent[:7] == [0x35, 0x35, 0x06, 0x01, 0x00, 0x02, 0x05] and chip.flash["sr2"] == 0x02
        assert chip.flash["busy"] == 0  # BUSY polled until it cleared
    assert sent[-2:] == [0xEB, 0xA0]  # Fast Read Quad I/O, address 0 with mode bits A0h
    eb = chip.index("w", SSI["DR0"], lambda v: v == 0xEB)
    # sent in quad, 32-bit frames, EEPROM read: the SSI off while it was configured
    ctrlr0 = [a for a in chip.log[:eb] if a.op == "w" and a.addr == SSI["CTRLR0"]][-1].value
    assert (ctrlr0 >> 21) & 3 == 2 and (ctrlr0 >> 16) & 31 == 31 and (ctrlr0 >> 8) & 3 == 3
    enables = [(i, a.value) for i, a in enumerate(chip.log) if a.op == "w" and a.addr == SSI["SSIENR"]]
    for i, a in enumerate(chip.log):
        if a.op == "w" and a.addr in (SSI["CTRLR0"], SSI["SPI_CTRLR0"], SSI["BAUDR"]):
            assert [v for j, v in enables if j < i][-1] == 0, f"SSI configured while enabled at {a}"
    assert chip.writes(SSI["BAUDR"]) == [4]
    # XIP: no command, mode bits A0h after the 24-bit address (ADDR_L 8), 4 wait cycles, all in quad
    xip = chip.writes(SSI["SPI_CTRLR0"])[-1]
    assert xip >> 24 == 0xA0 and (xip >> 8) & 3 == 0 and (xip >> 2) & 15 == 8 and (xip >> 11) & 31 == 4 and xip & 3 == 2
    assert chip.log[-1].addr != SSI["SSIENR"] or chip.writes(SSI["SSIENR"])[-1] == 1
    assert chip.writes(SSI["SSIENR"])[-1] == 1
