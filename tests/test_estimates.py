"""Cycle estimates that can be checked by hand: hand-written instruction sequences run
under the event-count plugin, whose exact counts and cycles follow from the manuals."""

import json
import shutil
import subprocess

import pytest

from wasmcu import devices
from wasmcu.backends.qemu import machine_args, plugin_library
from wasmcu.errors import ConfigError
from wasmcu.measure.cycles import CostModel, recost
from wasmcu.measure.footprint import symbol_address
from wasmcu.model import Cell, Result


# the instruction-class counts every sequence checks exactly
EXACT = ("insns", "alu", "load", "store", "mul", "div", "branch", "taken_branches", "jump", "call", "indirect",
         "multi", "multi_regs", "pop_pc")

LINK = "ENTRY(_start)\nSECTIONS {{ . = {origin}; .text : {{ KEEP(*(.vectors)) *(.text*) }} }}\n"

THUMB_EXIT = """
    movs r0, #0x18
    ldr r1, =0x20026
    bkpt 0xab
"""

# vector table, then: call the begin marker, the kernel, the end marker; exit by semihosting
THUMB_HEAD = """
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20001000
    .word _start
    .text
    .thumb_func
    .global _start
_start:
    bl mark_begin
    bl kernel
    bl mark_end
""" + THUMB_EXIT + """
    .ltorg
"""

# ARMv6-M: the Pico's core. Every count below is read off the listing.
THUMB_V6M = THUMB_HEAD + """    .thumb_func
kernel:
    push {r4, lr}
    movs r0, #0
    movs r1, #3
1:  adds r0, #1
    subs r1, #1
    bne 1b
    ldr r2, =0x20000100
    str r0, [r2]
    ldr r3, [r2]
    muls r3, r0, r3
    b 2f
    nop
2:  pop {r4, pc}
    .ltorg
    .thumb_func
mark_begin: bx lr
    .thumb_func
mark_end: bx lr
"""

# ARMv8-M mainline: the nRF5340's core. IT block, CBZ, UDIV, LDRD, LDM with pc.
THUMB_V8M = THUMB_HEAD + """    .thumb_func
kernel:
    push {r4, r5, lr}
    movs r0, #6
    movs r1, #2
    udiv r2, r0, r1
    cmp r2, #3
    ite eq
    moveq r3, #1
    movne r3, #2
    cbz r3, 1f
    ldrd r4, r5, [sp]
    ldmia.w sp!, {r4, r5, pc}
1:  b 1b
    .thumb_func
mark_begin: bx lr
    .thumb_func
mark_end: bx lr
"""

# ARMv8-M mainline: what the Cortex-M33 model needs beyond the instruction classes. Pairs of
# adjacent independent 16-bit data-processing instructions (taken greedily) and loads whose
# register the next instruction reads (16- and 32-bit, as data or as an address).
THUMB_V8M_PAIRS = THUMB_HEAD + """    .thumb_func
kernel:
    sub sp, #8             @ room for the two stores below
    push {r4, lr}
    movs r0, #1            @ pair 1 (the two moves)
    movs r1, #2
    adds r2, r0, r1        @ no pair: the next reads r2
    adds r3, r2, #1        @ pair 2 (with subs)
    subs r4, r0, #1
    add r2, sp, #8         @ no pair: a store follows
    str r0, [r2]
    ldr r3, [r2]
    adds r3, #1            @ load-use 1 (16-bit load, ALU use)
    ldr r0, =0x12345678
    str r0, [r2, #4]       @ load-use 2 (literal load, stored)
    ldr.w r1, [r2]
    add.w r0, r0, r1       @ load-use 3 (32-bit load and use)
    ldr r0, [r2]
    movs r1, #0            @ not a load-use: r0 is not read; no pair: the next reads r1
    cmp r1, #0
    beq 1f
    nop
1:  pop {r4, pc}
    .ltorg
    .thumb_func
mark_begin: bx lr
    .thumb_func
mark_end: bx lr
"""

# A 16-bit instruction in the last word of a 1 KB page (QEMU's Arm target page), followed by a
# 16-bit one: QEMU peeks at the second to see whether the page ends inside an instruction and
# reports the peeked bytes as part of the first (the plugin sizes instructions itself).
THUMB_PAGE_END = THUMB_HEAD + """    .thumb_func
kernel:
    push {r4, lr}
    bl pagefn
    pop {r4, pc}
    .balign 1024
    .space 1020
    .thumb_func
pagefn:
    push {r4, lr}          @ at page offset 0x3fc
    movs r4, #1
    pop {r4, pc}           @ the next page
    .thumb_func
mark_begin: bx lr
    .thumb_func
mark_end: bx lr
"""

# RV32IMAC: the ESP32-C6's core; compressed instructions are chosen explicitly.
RV32 = """
    .option norvc
    .text
    .global _start
_start:
    li sp, 0x80010000
    jal ra, mark_begin
    jal ra, kernel
    jal ra, mark_end
    li a0, 0x18
    li a1, 0x20026
    slli x0, x0, 0x1f
    ebreak
    srai x0, x0, 7
kernel:
    .option rvc
    c.li a0, 0
    c.li a1, 3
1:  c.addi a0, 1
    c.addi a1, -1
    c.bnez a1, 1b
    .option norvc
    lui a2, 0x80008
    .option rvc
    c.sw a0, 0(a2)
    c.lw a3, 0(a2)
    .option norvc
    mul a3, a3, a0
    .option rvc
    c.j 2f
    c.nop
2:  c.jr ra
    .option norvc
mark_begin: ret
mark_end: ret
"""


# Cache lines are 8 bytes; the kernel starts on a line (A), its loop spans A and B, and
# the marker functions follow in line B.
THUMB_CACHE = THUMB_HEAD + """    .balign 8
    .thumb_func
kernel:
    movs r1, #3
    nop
    nop
1:  subs r1, #1
    bne 1b
    bx lr
    .thumb_func
mark_begin: bx lr
    .thumb_func
mark_end: bx lr
"""


def run_sequence(tmp_path, device_name, source, cflags, cache=None, data=False):
    dev = devices.discover()[device_name]
    cc = "riscv64-unknown-elf-gcc" if dev.arch == "rv32imac" else "arm-none-eabi-gcc"
    if shutil.which(cc) is None:
        pytest.skip(f"{cc} is not installed")
    origin = dev.section("qemu").get("flash_origin", 0)
    (tmp_path / "seq.S").write_text(source)
    (tmp_path / "seq.ld").write_text(LINK.format(origin=hex(origin)))
    elf = tmp_path / "seq.elf"
    subprocess.run([cc, *cflags, "-nostdlib", "-nostartfiles", "-T", str(tmp_path / "seq.ld"), str(tmp_path / "seq.S"),
                    "-o", str(elf)], check=True, capture_output=True, text=True)
    out = tmp_path / "counts.json"
    isa = "rv32" if dev.arch == "rv32imac" else "thumb"
    qemu = "qemu-system-riscv32" if dev.arch == "rv32imac" else "qemu-system-arm"
    plugin = (f"{plugin_library()},isa={isa},out={out},begin0={symbol_address(elf, 'mark_begin'):#x},"
              f"end0={symbol_address(elf, 'mark_end'):#x}")
    if cache:  # (cache bytes, ways): only the kernel's two lines are fetched through it
        plugin += f",cache={symbol_address(elf, 'kernel'):#x}:16:{cache[0]}:{cache[1]}:8"
    if data:  # loads by region: "flash" is the image, RAM the 64 KB at 0x20000000
        plugin += f",cache={origin:#x}:0x10000:64:2:8,ram=0x20000000:0x10000,data=1"
    proc = subprocess.run([qemu, *machine_args(dev), "-nographic", "-monitor", "none", "-icount", "shift=0",
                           "-semihosting-config", "enable=on,target=native", "-kernel", str(elf), "-plugin", plugin],
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    window = json.loads(out.read_text())["windows"][0]
    assert window["complete"]
    return dev, {"insns": window["insns"], **window["events"]}


@pytest.mark.qemu
@pytest.mark.slow
def test_armv6m_sequence_counts_and_cortex_m0plus_cycles(tmp_path):
    dev, ev = run_sequence(tmp_path, "pico", THUMB_V6M, ["-mcpu=cortex-m0plus", "-mthumb"])
    assert ev["push_lr"] == 1
    assert {k: ev[k] for k in ev if k in EXACT} == {
        "insns": 22, "alu": 8, "load": 2, "store": 1, "mul": 1, "div": 0, "branch": 3, "taken_branches": 2,
        "jump": 1, "call": 2, "indirect": 2, "multi": 2, "multi_regs": 4, "pop_pc": 1}
    # Cortex-M0+ TRM table 3-1: MOVS/ADDS/SUBS 1, LDR/STR 2, MULS 1 (RP2040's fast multiplier),
    # B<cond> 2 taken / 1 not, B 2, BL 3, BX 2, PUSH 1+N, POP {..pc} 3+N
    est = dev.cycle_model.estimate(ev)
    assert (est.cycles, est.low, est.high) == (40, 40, 40)


@pytest.mark.qemu
@pytest.mark.slow
def test_armv8m_it_block_cbz_udiv_ldrd_and_ldm_with_pc(tmp_path):
    dev, ev = run_sequence(tmp_path, "nrf5340", THUMB_V8M, ["-mcpu=cortex-m33", "-mthumb"])
    assert {k: ev[k] for k in ev if k in EXACT} == {
        "insns": 15, "alu": 6, "load": 1, "store": 0, "mul": 0, "div": 1, "branch": 1, "taken_branches": 0,
        "jump": 0, "call": 2, "indirect": 2, "multi": 2, "multi_regs": 7, "pop_pc": 1}
    assert (ev["pair16"], ev["load_use"]) == (1, 0)  # movs r0, movs r1
    est = dev.cycle_model.estimate(ev)
    # Cortex-M33 table: alu 4 + a pair 1 [1..2] + LDRD 1 [1..2] + UDIV 7 [2..12] + CBZ not taken 1
    # + BL 2x2 [2x2..2x3] + BX 2x2 [2x2..2x3] + PUSH/LDM 2x1 + 7 registers (3 + 3 + LDRD's second)
    # + pc refill 1 [1..2]
    assert (est.cycles, est.low, est.high) == (32, 27, 44)


@pytest.mark.qemu
@pytest.mark.slow
def test_armv8m_dual_issue_pairs_and_load_use_are_counted_exactly(tmp_path):
    dev, ev = run_sequence(tmp_path, "nrf5340", THUMB_V8M_PAIRS, ["-mcpu=cortex-m33", "-mthumb"])
    assert {k: ev[k] for k in ev if k in EXACT or k in ("pair16", "load_use", "push_lr")} == {
        "insns": 24, "alu": 11, "load": 4, "store": 2, "mul": 0, "div": 0, "branch": 1, "taken_branches": 1,
        "jump": 0, "call": 2, "indirect": 2, "multi": 2, "multi_regs": 4, "pop_pc": 1, "push_lr": 1,
        "pair16": 2, "load_use": 3}
    est = dev.cycle_model.estimate(ev)
    # alu 11 - 2x2 paired = 7 + 2 pairs x 1 [1..2] + 4 loads x 1 [1..2] + 3 load-use x 1 [0..1]
    # + 2 stores x 1 [1..2] + beq taken 2 [2..3] + BL 2x2 [2x2..2x3] + BX 2x2 [2x2..2x3]
    # + PUSH/POP 2x1 + 4 registers + pc refill 1 [1..2]
    assert (est.cycles, est.low, est.high) == (35, 32, 49)
    # a table without a dual_pair cost (the Cortex-M0+'s) costs a pair as two ALU instructions
    m0 = devices.discover()["pico"].cycle_model
    assert m0.costs["dual_pair"].value == 2 * m0.costs["alu"].value
    assert m0.estimate(ev).cycles == m0.estimate({**ev, "pair16": 0}).cycles


@pytest.mark.qemu
@pytest.mark.slow
def test_an_instruction_at_the_end_of_a_page_is_decoded_as_itself(tmp_path):
    dev, ev = run_sequence(tmp_path, "pico", THUMB_PAGE_END, ["-mcpu=cortex-m0plus", "-mthumb"])
    assert {k: ev[k] for k in ev if k in EXACT or k == "push_lr"} == {
        "insns": 10, "alu": 1, "load": 0, "store": 0, "mul": 0, "div": 0, "branch": 0, "taken_branches": 0,
        "jump": 0, "call": 3, "indirect": 2, "multi": 4, "multi_regs": 8, "pop_pc": 2, "push_lr": 2}


@pytest.mark.qemu
@pytest.mark.slow
def test_rv32_compressed_instructions_and_taken_branches(tmp_path):
    dev, ev = run_sequence(tmp_path, "esp32c6", RV32, ["-march=rv32imac", "-mabi=ilp32"])
    assert {k: ev[k] for k in ev if k in EXACT or k in ("compressed", "load_use")} == {
        "insns": 21, "alu": 9, "load": 1, "store": 1, "mul": 1, "div": 0, "branch": 3, "taken_branches": 2,
        "jump": 1, "call": 2, "indirect": 3, "multi": 0, "multi_regs": 0, "pop_pc": 0, "compressed": 15,
        "load_use": 1}  # c.lw a3 then mul a3, a3, a0
    est = dev.cycle_model.estimate(ev)
    # alu 9 + load 1 [1..2] + load-use 1 [0..2] + store 1 [1..2] + mul 1 [1..3] + not taken 1 + taken 2x3
    # [2x2..2x4] + c.j 2 [1..3] + jal 2x2 [2x1..2x3] + jr/ret 3x3 [3x2..3x4]
    assert (est.cycles, est.low, est.high) == (35, 26, 48)


@pytest.mark.qemu
@pytest.mark.slow
def test_loads_are_counted_by_region_and_flash_loads_go_through_the_cache(tmp_path):
    # the v6-M sequence: LDR literal (flash), LDR from 0x20000100 (RAM), POP {r4, pc} (two RAM reads)
    dev, ev = run_sequence(tmp_path, "pico", THUMB_V6M, ["-mcpu=cortex-m0plus", "-mthumb"], data=True)
    assert (ev["load_flash"], ev["load_ram"], ev["load_other"]) == (1, 3, 0)
    assert ev["dfetch_hit"] + ev["dfetch_miss"] == 1


@pytest.mark.qemu
@pytest.mark.slow
@pytest.mark.parametrize("cache, misses, hits", [
    ((16, 2), 2, 7),   # both lines fit: each misses once, then everything hits
    ((16, 1), 2, 7),   # direct-mapped, two sets: A and B fall in different sets
    ((8, 1), 7, 2),    # one line: blocks spanning A and B evict each other on every pass
])
def test_instruction_cache_hits_and_misses(tmp_path, cache, misses, hits):
    # blocks through the cache, in order: mark_begin (B), kernel..bne (A, B), the loop 1:..bne (A, B)
    # twice, bx lr (B), mark_end (B): 9 lookups
    dev, ev = run_sequence(tmp_path, "pico", THUMB_CACHE, ["-mcpu=cortex-m0plus", "-mthumb"], cache=cache)
    assert (ev["ifetch_miss"], ev["ifetch_hit"]) == (misses, hits)
    base = dev.cycle_model.estimate({**ev, "ifetch_miss": 0})
    assert dev.cycle_model.estimate(ev).cycles == base.cycles + 60 * misses  # RP2040: 60 [50..80] per refill
    assert dev.cycle_model.estimate(ev).high == base.high + 80 * misses


FULL = {"load_use": 0, "dfetch_miss": 0, "alu": 1, "load": 2, "store": 2, "mul": 1, "div": 1, "branch_not_taken": 1, "branch_taken": 2, "jump": 2,
        "call": 3, "indirect": 2, "multi_base": 1, "multi_per_reg": 1, "pop_pc_extra": 2, "fetch_wait": 0,
        "ifetch_miss": 0, "source": "a manual"}


@pytest.mark.parametrize("change, message", [
    ({"drop": "branch_taken"}, "missing branch_taken"),
    ({"drop": "source"}, "missing source"),
    ({"set": ("branch_taken", 0)}, "a taken branch cannot be cheaper"),
    ({"set": ("lod", 2)}, "unknown key 'lod'"),
    ({"set": ("load", -1)}, "invalid cost -1"),
    ({"set": ("load", {"value": 2, "low": 3, "high": 4, "why": "x"})}, "does not hold the value"),
    ({"set": ("load", {"value": 2, "low": 1, "high": 4})}, "a range without its reason"),
])
def test_incomplete_or_impossible_cost_tables_are_rejected(tmp_path, change, message):
    table = dict(FULL)
    if "drop" in change:
        del table[change["drop"]]
    else:
        table[change["set"][0]] = change["set"][1]
    with pytest.raises(ConfigError, match=message):
        CostModel.from_table(table, "x.toml")
    CostModel.from_table(FULL, "x.toml")  # the complete table is accepted


def test_a_profile_without_a_complete_cycle_model_is_rejected(tmp_path):
    """The cost table is the core's with the board's keys over it: what neither gives is missing."""
    text = devices.BUILTIN.joinpath("pico.toml").read_text()
    start = text.index("[cycle_model]")
    end = text.index("[power]")
    (tmp_path / "p.toml").write_text(text[:start] + "[cycle_model]\nalu = 1\nsource = \"x\"\n\n" + text[end:])
    with pytest.raises(ConfigError, match=r"p.toml: field 'cycle_model': incomplete cycle model: missing fetch_wait, "
                                          r"ifetch_miss, dfetch_miss .* its core's \('cortex-m0plus'\)"):
        devices.load_profile(tmp_path / "p.toml")
    # a core without a cost the board does not give either
    (tmp_path / "cores").mkdir()
    core = devices.BUILTIN_CORES.joinpath("cortex-m0plus.toml").read_text()
    (tmp_path / "cores" / "m0-nl.toml").write_text(core.replace('name = "cortex-m0plus"', 'name = "m0-nl"')
                                                   .replace("\nload = 2\n", "\n"))
    (tmp_path / "q.toml").write_text(text.replace('core = "cortex-m0plus"', 'core = "m0-nl"'))
    with pytest.raises(ConfigError, match=r"q.toml: field 'cycle_model': incomplete cycle model: missing load "):
        devices.load_profile(tmp_path / "q.toml")
    # a core with a key no cost table has is refused naming the core's file
    (tmp_path / "cores" / "m0-nl.toml").write_text(core.replace("\nload = 2\n", "\nloads = 2\n"))
    with pytest.raises(ConfigError, match=r"m0-nl.toml: field 'cycle_model.loads': unknown key 'loads'"):
        devices.load_profile(tmp_path / "q.toml")


def test_the_profile_machine_is_honoured(tmp_path):
    """The machine comes from the architecture; a board's [qemu] machine replaces it."""
    assert machine_args(devices.discover()["nrf5340"]) == ["-M", "mps2-an505"]
    text = devices.BUILTIN.joinpath("nrf5340.toml").read_text().replace("[qemu]", '[qemu]\nmachine = "no-such-board"')
    (tmp_path / "n.toml").write_text(text)
    dev = devices.load_profile(tmp_path / "n.toml")
    assert machine_args(dev)[:2] == ["-M", "no-such-board"]


def test_recost_uses_stored_counts_without_running():
    dev = devices.discover()["pico"]
    ev = {"insns": 100, "alu": 60, "load": 20, "store": 10, "mul": 0, "div": 0, "branch": 10, "taken_branches": 4,
          "jump": 0, "call": 0, "indirect": 0, "multi": 0, "multi_regs": 0, "pop_pc": 0}
    r = Result(cell=Cell("w", 1, "c", "native", "pico"), backend="qemu", cycles=dev.cycle_model.estimate(ev).cycles,
               extra={"events": {"run": ev, "load": ev}, "clock_hz": 125_000_000})
    assert r.cycles == 60 + 40 + 20 + 6 + 8
    slow = CostModel.from_table(dict(FULL, fetch_wait={"value": 1, "low": 0, "high": 2, "why": "flash"}), "t.toml")
    [row] = recost([r], slow)
    assert (row.stored_cycles, row.cycles, row.low, row.high) == (134, 234, 134, 334)
    assert recost([r], slow, device="esp32c6") == []


def test_energy_model_uses_the_whole_board_by_default_with_its_range(tmp_path):
    from wasmcu.measure.energy import modelled_energy

    pico = devices.discover()["pico"]
    e, (lo, hi), kind, scope = modelled_energy(pico, 1000.0, (900.0, 1200.0))
    # board: 24 mA [20..30] at 5 V = 120 mW [100..150]; 1000 µs [900..1200]
    assert (kind, scope) == ("model", "board")
    assert e == pytest.approx(120.0) and lo == pytest.approx(90.0) and hi == pytest.approx(180.0)
    text = devices.BUILTIN.joinpath("pico.toml").read_text().replace('scope = "board"', 'scope = "soc"', 1)
    (tmp_path / "p.toml").write_text(text)
    e_soc, _, _, scope = modelled_energy(devices.load_profile(tmp_path / "p.toml"), 1000.0)
    assert scope == "soc" and e_soc == pytest.approx(18 * 3.3)
    assert modelled_energy(devices.parse("nrf5340@128", devices.discover(), [])[0], 1000.0)[0] is None


@pytest.mark.parametrize("old, new, message", [
    ('scope = "board"', 'scope = "chip"', "invalid scope 'chip'"),
    ("voltage_v = 5.0", "voltage_v = 0", "invalid value 0"),
    ("[power.soc]", "[power.cpu]", "unknown key 'cpu'"),
])
def test_bad_power_tables_are_rejected(tmp_path, old, new, message):
    text = devices.BUILTIN.joinpath("pico.toml").read_text().replace(old, new, 1)
    (tmp_path / "p.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        devices.load_profile(tmp_path / "p.toml")
