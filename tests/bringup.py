"""Bring-up without a board: a chip's firmware image run in Unicorn (a CPU emulator) from
reset, its peripherals a small register model per chip that answers the status bits the
start-up code waits for and logs every register access in order.

A model is a set of registers (a dict, address -> value) with hooks: `on_read[addr]` returns
the value a read sees (a status bit the model sets, a counter), `on_write[addr]` reacts to a
write (a task that raises an event, a byte sent on the UART). `stuck` lists status bits the
model never sets, to check that the firmware's wait for them is bounded."""

from __future__ import annotations

from dataclasses import dataclass, field

from elftools.elf.elffile import ELFFile
from unicorn import UC_ARCH_ARM, UC_ARCH_RISCV, UC_HOOK_CODE, UC_MODE_MCLASS, UC_MODE_RISCV32, UC_MODE_THUMB, Uc, UcError
from unicorn import arm_const as arm
from unicorn import riscv_const as rv

PAGE = 0x1000


@dataclass
class Access:
    op: str       # "r" or "w"
    addr: int
    value: int


@dataclass
class Chip:
    """A running image: the CPU, the register model, what the UART sent."""
    uc: Uc
    regs: dict[int, int] = field(default_factory=dict)
    log: list[Access] = field(default_factory=list)
    uart: bytearray = field(default_factory=bytearray)
    on_read: dict = field(default_factory=dict)
    on_write: dict = field(default_factory=dict)
    stopped: str | None = None
    symbols: dict[str, int] = field(default_factory=dict)
    image_end: int = 0
    arch: str = "thumb"
    entry: int = 0

    # the register model
    def mmio(self, base: int, size: int, alias=None):
        """Registers at [base, base + size): reads and writes go through the model. `alias(addr,
        value, old)` maps an address to (register, new value) for atomic set/clear aliases."""
        def read(uc, offset, size_, _):
            addr = base + offset
            value = self.on_read[addr](self) if addr in self.on_read else self.regs.get(addr, 0)
            self.log.append(Access("r", addr, value))
            return value

        def write(uc, offset, size_, value, _):
            addr = base + offset
            if alias:
                addr, value = alias(addr, value, self.regs)
            self.log.append(Access("w", addr, value))
            self.regs[addr] = value
            if addr in self.on_write:
                self.on_write[addr](self, value)

        self.uc.mmio_map(base, size, read, None, write, None)

    def writes(self, addr: int) -> list[int]:
        return [a.value for a in self.log if a.op == "w" and a.addr == addr]

    def index(self, op: str, addr: int, match=lambda v: True, start: int = 0) -> int:
        """Position in the log of the first access `op` to `addr` whose value matches, from `start`; -1 if none."""
        for i in range(start, len(self.log)):
            a = self.log[i]
            if a.op == op and a.addr == addr and match(a.value):
                return i
        return -1

    def first_uart_byte(self, uart_data: int) -> int:
        return self.index("w", uart_data)

    def stop_at(self, name: str, why: str):
        addr = self.symbols[name] & ~1

        def hook(uc, address, size, _):
            self.stopped = why
            uc.emu_stop()

        self.uc.hook_add(UC_HOOK_CODE, hook, None, addr, addr)

    def text(self) -> str:
        return self.uart.decode(errors="replace")


def load(path, uc_arch: str, ram: list[tuple[int, int]]) -> Chip:
    """The ELF's loadable segments in `ram` regions ((base, size), mapped as plain memory)."""
    if uc_arch == "thumb":
        uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
    else:
        uc = Uc(UC_ARCH_RISCV, UC_MODE_RISCV32)
    chip = Chip(uc, arch=uc_arch)
    for base, size in ram:
        uc.mem_map(base, size)
    with open(path, "rb") as f:
        elf = ELFFile(f)
        for seg in elf.iter_segments():
            if seg["p_type"] == "PT_LOAD" and seg["p_filesz"]:
                uc.mem_write(seg["p_paddr"], seg.data())
                chip.image_end = max(chip.image_end, seg["p_paddr"] + seg["p_filesz"])
        for sym in elf.get_section_by_name(".symtab").iter_symbols():
            if sym.name:
                chip.symbols[sym.name] = sym["st_value"]
        chip.entry = elf.header.e_entry
    return chip


def run(chip: Chip, start: int, *, max_instructions: int = 30_000_000):
    try:
        chip.uc.emu_start(start, 0xFFFFFFFF, count=max_instructions)
    except UcError as exc:
        pc = chip.uc.reg_read(arm.UC_ARM_REG_PC if chip.arch == "thumb" else rv.UC_RISCV_REG_PC)
        raise AssertionError(f"the CPU stopped at {pc:#x}: {exc}; the UART said {chip.text()!r}") from None
    return chip


def arm_reset(chip: Chip, vector_table: int):
    """What an Armv6-M/Armv8-M core does at reset: SP and PC from the vector table."""
    sp, pc = (int.from_bytes(chip.uc.mem_read(vector_table + 4 * i, 4), "little") for i in range(2))
    chip.uc.reg_write(arm.UC_ARM_REG_SP, sp)
    return pc


# --- the register models, one per chip: each answers what the start-up code waits for,
# unless the bit is named in `stuck` (then the model never sets it)

def _atomic_alias(addr, value, regs):
    """RP2040 atomic register aliases (Datasheet 2.1.2): +0x1000 XOR, +0x2000 set, +0x3000 clear."""
    kind, reg = (addr >> 12) & 3, addr & ~0x3000
    old = regs.get(reg, 0)
    return reg, {0: value, 1: old ^ value, 2: old | value, 3: old & ~value}[kind]


RP = dict(RESET=0x4000C000, RESET_DONE=0x4000C008, XOSC_CTRL=0x40024000, XOSC_STATUS=0x40024004,
          XOSC_STARTUP=0x4002400C, CLK_REF_CTRL=0x40008030, CLK_REF_SELECTED=0x40008038,
          CLK_SYS_CTRL=0x4000803C, CLK_SYS_SELECTED=0x40008044, CLK_PERI_CTRL=0x40008048, PLL_CS=0x40028000,
          PLL_PWR=0x40028004, PLL_FBDIV=0x40028008, PLL_PRIM=0x4002800C, UART_DR=0x40034000, UART_FR=0x40034018,
          UART_IBRD=0x40034024, UART_LCR_H=0x4003402C, UART_CR=0x40034030, TIMERAWL=0x40054028,
          WATCHDOG_TICK=0x4005802C)
ROM_LOOKUP, ROM_USB_BOOT, ROM_TABLE = 0x300, 0x200, 0x100


def pico(elf, stuck=(), boot_rom=True) -> Chip:
    """An RP2040 from its image: the boot ROM's table (a lookup function and reset_usb_boot, as
    code hooks), the resets, crystal, PLL, clock muxes, UART0 and the timer."""
    chip = load(elf, "thumb", [(0x10000000, 0x200000), (0x20000000, 0x43000), (0, 0x4000)])
    chip.mmio(0x40000000, 0x70000, _atomic_alias)
    chip.mmio(0xD0000000, PAGE)
    chip.mmio(0xE0000000, 0x100000)
    chip.regs[RP["RESET"]] = 0x1FFFFFF  # everything in reset but what the boot ROM released
    chip.on_read[RP["RESET_DONE"]] = lambda c: ~c.regs[RP["RESET"]] & 0x1FFFFFF
    xosc_on = lambda c: (c.regs.get(RP["XOSC_CTRL"], 0) >> 12) & 0xFFF == 0xFAB
    chip.on_read[RP["XOSC_STATUS"]] = lambda c: (1 << 31) if xosc_on(c) and "xosc" not in stuck else 0
    chip.on_read[RP["CLK_REF_SELECTED"]] = lambda c: 1 << (c.regs.get(RP["CLK_REF_CTRL"], 0) & 3)
    chip.on_read[RP["CLK_SYS_SELECTED"]] = lambda c: 1 << (c.regs.get(RP["CLK_SYS_CTRL"], 0) & 1)
    pll_up = lambda c: not c.regs.get(RP["PLL_PWR"], 0x2D) & 0x21 and c.regs.get(RP["PLL_FBDIV"], 0)
    chip.regs[RP["PLL_PWR"]] = 0x2D
    chip.on_read[RP["PLL_CS"]] = lambda c: c.regs.get(RP["PLL_CS"], 0) | (
        1 << 31 if pll_up(c) and "pll" not in stuck else 0)
    chip.on_read[RP["UART_FR"]] = lambda c: 0x90  # TXFE, RXFE: sent at once

    def uart(c, value):
        if c.regs[RP["RESET"]] & (1 << 22):
            raise AssertionError("UART0 written while in reset")
        c.uart.append(value & 0xFF)

    chip.on_write[RP["UART_DR"]] = uart
    ticks = [0]

    def timer(c):
        ticks[0] += 1
        return ticks[0]

    chip.on_read[RP["TIMERAWL"]] = timer
    if boot_rom:  # the magic 'M' 'u' 1 at 0x10, then (pico-sdk boot/bootrom_constants.h)
        # at 0x14 the function table, 0x16 the data table (none here), 0x18 the lookup function
        # (function pointers are Thumb addresses: bit 0 set)
        chip.uc.mem_write(0x10, b"Mu\x01\x00" + ROM_TABLE.to_bytes(2, "little") + bytes(2) +
                          (ROM_LOOKUP | 1).to_bytes(2, "little"))
        chip.uc.mem_write(ROM_TABLE, (ord("U") | ord("B") << 8).to_bytes(2, "little") +
                          (ROM_USB_BOOT | 1).to_bytes(2, "little") + bytes(4))

        def lookup(uc, address, size, _):
            table, code = uc.reg_read(arm.UC_ARM_REG_R0), uc.reg_read(arm.UC_ARM_REG_R1)
            found = 0
            while True:
                entry = int.from_bytes(uc.mem_read(table, 2), "little")
                if entry == 0:
                    break
                if entry == code:
                    found = int.from_bytes(uc.mem_read(table + 2, 2), "little")
                    break
                table += 4
            uc.reg_write(arm.UC_ARM_REG_R0, found)
            uc.reg_write(arm.UC_ARM_REG_PC, uc.reg_read(arm.UC_ARM_REG_LR))

        def usb_boot(uc, address, size, _):
            chip.usb_boot = (uc.reg_read(arm.UC_ARM_REG_R0), uc.reg_read(arm.UC_ARM_REG_R1))
            chip.log.append(Access("usb_boot", ROM_USB_BOOT, 0))
            chip.stopped = "reset_usb_boot"
            uc.emu_stop()

        chip.uc.hook_add(UC_HOOK_CODE, lookup, None, ROM_LOOKUP, ROM_LOOKUP)
        chip.uc.hook_add(UC_HOOK_CODE, usb_boot, None, ROM_USB_BOOT, ROM_USB_BOOT)
    exit_code = bytes(chip.uc.mem_read(chip.symbols["_exit"] & ~1, 0x100))
    bkpt = (chip.symbols["_exit"] & ~1) + next(i for i in range(0, 0x100, 2) if exit_code[i:i + 2] == b"\x00\xbe")

    def at_bkpt(uc, address, size, _):  # no boot ROM: the firmware stops at its breakpoint
        chip.stopped = "bkpt"
        uc.emu_stop()

    chip.uc.hook_add(UC_HOOK_CODE, at_bkpt, None, bkpt, bkpt)
    chip.start = arm_reset(chip, 0x10000100) | 1
    return chip


NRF = dict(UICR_APPROTECT=0x00FF8000, UICR_SECUREAPPROTECT=0x00FF801C, CTRLAP_APPROTECT_DISABLE=0x50006544,
           CTRLAP_SECUREAPPROTECT_DISABLE=0x5000654C, NVMC_READY=0x50039400, NVMC_CONFIG=0x50039504,
           TASKS_HFCLKSTART=0x50005000, EVENTS_HFCLKSTARTED=0x50005100, HFCLKCTRL=0x50005558,
           HFCLKSRC=0x50005514, HFCLKSTAT=0x5000540C,
           CACHE_ENABLE=0x50001500, UARTE_STARTTX=0x50008008, UARTE_ENDTX=0x50008120, UARTE_PTR=0x50008544,
           UARTE_MAXCNT=0x50008548, UARTE_ENABLE=0x50008500, TIMER0_START=0x5000F000, TIMER0_CAPTURE0=0x5000F040,
           TIMER0_CC0=0x5000F540, DEMCR=0xE000EDFC, DWT_CTRL=0xE0001000, DWT_CYCCNT=0xE0001004,
           MPU_CTRL=0xE000ED94, MPU_MAIR0=0xE000EDC0, FICR_PART=0x00FF0130, FICR_VARIANT=0x00FF0134,
           TRIMCNF=0x00FF0300)


def nrf5340(elf, stuck=(), variant=5, uicr=0xFFFFFFFF, trims=((0x50004A38, 0x1234),)) -> Chip:
    """An nRF5340 application core: FICR (revision, trims), UICR behind the NVMC, CTRL-AP,
    CLOCK (HFXO), CACHE, UARTE0 (EasyDMA from RAM), TIMER0, DWT."""
    chip = load(elf, "thumb", [(0x0, 0x100000), (0x20000000, 0x80000)])
    chip.mmio(0x00FF0000, 0x10000)
    chip.mmio(0x50000000, 0x900000)
    chip.mmio(0xE0000000, 0x100000)
    for r in range(0, 0x20, 4):
        chip.regs[NRF["UICR_APPROTECT"] + r] = 0xFFFFFFFF
    chip.regs[NRF["UICR_APPROTECT"]] = chip.regs[NRF["UICR_SECUREAPPROTECT"]] = uicr
    for i in range(32):
        addr, data = trims[i] if i < len(trims) else (0xFFFFFFFF, 0xFFFFFFFF)
        chip.regs[NRF["TRIMCNF"] + 8 * i], chip.regs[NRF["TRIMCNF"] + 8 * i + 4] = addr, data
    chip.regs[NRF["FICR_PART"]], chip.regs[NRF["FICR_VARIANT"]] = 7, variant
    chip.regs[NRF["NVMC_READY"]] = 1
    chip.regs[NRF["HFCLKCTRL"]] = 1  # Div2 after reset

    def uicr_write(word):
        def check(c, value):
            if c.regs.get(NRF["NVMC_CONFIG"]) != 1:
                raise AssertionError(f"UICR {word:#x} written while the NVMC is not write-enabled")
        return check

    for word in (NRF["UICR_APPROTECT"], NRF["UICR_SECUREAPPROTECT"]):
        chip.on_write[word] = uicr_write(word)

    def starttx(c, value):
        c.uart += c.uc.mem_read(c.regs[NRF["UARTE_PTR"]], c.regs[NRF["UARTE_MAXCNT"]])
        if "endtx" not in stuck:
            c.regs[NRF["UARTE_ENDTX"]] = 1

    chip.on_write[NRF["UARTE_STARTTX"]] = starttx

    def hfclkstart(c, value):  # starts what HFCLKSRC selects: the HFXO (1) or the RC oscillator HFINT (0)
        src = c.regs.get(NRF["HFCLKSRC"], 0) & 1
        if src == 0 or "hfxo" not in stuck:
            c.regs[NRF["EVENTS_HFCLKSTARTED"]] = 1
            c.regs[NRF["HFCLKSTAT"]] = (1 << 16) | src  # STATE running, SRC

    chip.on_write[NRF["TASKS_HFCLKSTART"]] = hfclkstart
    ticks = [0]

    def capture(c, value):
        ticks[0] += 1
        c.regs[NRF["TIMER0_CC0"]] = ticks[0]

    chip.on_write[NRF["TIMER0_CAPTURE0"]] = capture
    chip.stop_at("_exit", "exit")
    chip.start = arm_reset(chip, 0) | 1
    return chip


ESP = dict(UART_FIFO=0x60000000, UART_STATUS=0x6000001C, SYSTIMER_OP=0x6000A004, SYSTIMER_LO=0x6000A044,
           LP_WDT_CONFIG0=0x600B1C00, LP_WDT_WPROTECT=0x600B1C18, SWD_CONFIG=0x600B1C1C, SWD_WPROTECT=0x600B1C20,
           TIMG0_WDTCONFIG0=0x60008048, TIMG0_WDTWPROTECT=0x60008064, PCR_SYSCLK_CONF=0x60096110,
           PCR_CPU_FREQ_CONF=0x60096118, PCR_MSPI_CLK_CONF=0x6009601C, PMU_IMM_HP_CK_POWER=0x600B00CC,
           MODEM_LPCON_CLK_CONF=0x600AF018, I2C0_CTRL=0x600AF800, I2C1_CTRL=0x600AF804, ANA_CONF0=0x600AF818,
           ANA_CONF1=0x600AF81C, ANA_CONF2=0x600AF820)


def esp32c6(elf, stuck=()) -> Chip:
    """An ESP32-C6: UART0's FIFO, SYSTIMER, the LP and timer-group watchdogs (whose
    configuration latches only on WDT_CONF_UPDATE_EN), PCR's clock muxes, the PMU, and the
    internal I2C master with the BBPLL's analog registers behind it."""
    chip = load(elf, "rv32", [(0x40800000, 0x80000)])
    chip.mmio(0x60000000, 0xC0000)
    chip.on_write[ESP["UART_FIFO"]] = lambda c, v: c.uart.append(v & 0xFF)
    chip.regs[ESP["TIMG0_WDTCONFIG0"]] = (1 << 31) | (1 << 14)  # armed by the ROM for flash boot
    chip.wdt_latched = chip.regs[ESP["TIMG0_WDTCONFIG0"]]

    def wdt_config(c, value):
        if value & (1 << 22):  # WDT_CONF_UPDATE_EN: the other fields take effect now
            c.wdt_latched = value & ~(1 << 22)

    chip.on_write[ESP["TIMG0_WDTCONFIG0"]] = wdt_config
    ticks = [0]

    def systimer(c):
        ticks[0] += 16
        return ticks[0]

    chip.on_read[ESP["SYSTIMER_LO"]] = systimer
    chip.on_read[ESP["SYSTIMER_OP"]] = lambda c: c.regs.get(ESP["SYSTIMER_OP"], 0) | (1 << 29)
    chip.analog = {}  # (block, register) -> value

    def regi2c(ctrl):
        def write(c, value):
            block, reg = value & 0xFF, (value >> 8) & 0xFF
            if value & (1 << 24):
                c.analog[block, reg] = (value >> 16) & 0xFF
            else:  # a read: the data comes back in bits 23:16
                c.regs[ctrl] = (value & 0xFFFF) | (c.analog.get((block, reg), 0) << 16)
        return write

    for ctrl in (ESP["I2C0_CTRL"], ESP["I2C1_CTRL"]):
        chip.on_write[ctrl] = regi2c(ctrl)
    chip.regs[ESP["ANA_CONF2"]] = 1 << 9  # the BBPLL's master is I2C0
    chip.on_read[ESP["ANA_CONF0"]] = lambda c: c.regs.get(ESP["ANA_CONF0"], 0) | (
        1 << 24 if "bbpll" not in stuck and c.analog.get((0x66, 3)) == 8 else 0)
    chip.stop_at("_exit", "exit")
    chip.start = chip.entry
    return chip


def riscv_csr_writes(chip: Chip, csr: int) -> list[int]:
    """Hook every `csrw <csr>, rs` in the image (csrrw x0, csr, rs) and collect what it writes."""
    seen: list[int] = []
    code = bytes(chip.uc.mem_read(0x40800000, chip.image_end - 0x40800000))
    for off in range(0, len(code) - 3, 2):
        word = int.from_bytes(code[off:off + 4], "little")
        if word & 0xFFF0707F == (csr << 20) | 0x1073:
            rs = (word >> 15) & 31

            def hook(uc, address, size, _, rs=rs):
                seen.append(uc.reg_read(rv.UC_RISCV_REG_X0 + rs))

            chip.uc.hook_add(UC_HOOK_CODE, hook, None, 0x40800000 + off, 0x40800000 + off)
    return seen


SSI = dict(CTRLR0=0x18000000, CTRLR1=0x18000004, SSIENR=0x18000008, BAUDR=0x18000014, SR=0x18000028,
           DR0=0x18000060, RX_SAMPLE_DLY=0x180000F0, SPI_CTRLR0=0x180000F4)


def boot2(code: bytes, quad_enabled: bool, busy_polls: int = 3) -> Chip:
    """The RP2040's second-stage boot where the boot ROM runs it (SRAM at 0x20041f00), with the
    SSI and a W25Q080 behind it: in TMOD 0 each frame sent clocks one back; the first frame of a
    transfer is the command (35h status register 2, 05h status register 1, 06h write enable, 01h
    write status), the following ones its data. A transfer ends when the receive FIFO is read
    empty. Writing the status register sets BUSY for `busy_polls` reads of status register 1."""
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
    chip = Chip(uc, arch="thumb")
    uc.mem_map(0x20000000, 0x43000)
    uc.mem_map(0x10000000, 0x1000)
    uc.mem_write(0x20041F00, code)
    uc.mem_write(0x10000100, (0x20042000).to_bytes(4, "little") + (0x10000201).to_bytes(4, "little"))
    chip.mmio(0x18000000, PAGE)
    chip.mmio(0x40020000, PAGE)
    chip.mmio(0xE0000000, 0x100000)
    flash = {"sr2": 0x02 if quad_enabled else 0, "busy": 0, "wel": False}
    chip.flash = flash
    rx: list[int] = []
    frames: list[int] = []

    def dr0_write(c, value):
        frames.append(value & 0xFF)
        cmd = frames[0]
        if len(frames) == 1:
            rx.append(0)
        elif cmd == 0x35:
            rx.append(flash["sr2"])
        elif cmd == 0x05:
            rx.append(1 if flash["busy"] else 0)
            flash["busy"] = max(0, flash["busy"] - 1)
        else:
            rx.append(0)

    def dr0_read(c):
        value = rx.pop(0) if rx else 0
        if not rx:  # the transfer ends: its effect on the flash
            if frames[:1] == [0x06]:
                flash["wel"] = True
            elif frames[:1] == [0x01] and len(frames) == 3 and flash["wel"]:
                flash["sr2"], flash["busy"], flash["wel"] = frames[2], busy_polls, False
            frames.clear()
        return value

    chip.on_write[SSI["DR0"]] = dr0_write
    chip.on_read[SSI["DR0"]] = dr0_read
    chip.on_read[SSI["SR"]] = lambda c: 0x6  # TFE, TFNF; never BUSY
    chip.symbols["reset"] = 0x10000200
    chip.stop_at("reset", "image")
    chip.start = 0x20041F00 | 1
    return chip
