"""Naming a Cortex-M fault (wasmcu.backends.faults) in-process: the exception frame read from QEMU's
output, the instruction read back with the real objdump, and every cause with its explanation."""

import shutil
import subprocess

import pytest

from wasmcu import devices
from wasmcu.backends import faults

DEVICES = devices.discover()
PICO, NRF = DEVICES["pico"], DEVICES["nrf5340"]   # ARMv6-M (RAM at 0x20000000), ARMv8-M (flash at 0x10000000)
REGS = ("r0", "r1", "r2", "r3", "r12", "lr", "pc", "xpsr")


def handler_output(values, name="HardFault"):
    body = " ".join(f"{r.upper() if r != 'xpsr' else 'xPSR'}: 0x{v:08x}" for r, v in zip(REGS, values))
    return f"booting\nARM fault: {name}  {body}\nexit 1\n"


def test_the_frame_is_every_register_picolibc_printed_in_lower_case():
    text = handler_output([1, 2, 3, 0x2000ABCD, 12, 0xFFFFFFF9, 0x1000, 0x61000000])
    assert faults.frame(text) == {"r0": 1, "r1": 2, "r2": 3, "r3": 0x2000ABCD, "r12": 12, "lr": 0xFFFFFFF9,
                                  "pc": 0x1000, "xpsr": 0x61000000}
    assert faults.frame("ARM fault: HardFault  R0: 0x0000000A") == {"r0": 10}
    assert faults.frame("no fault here\n") is None
    assert faults.frame("ARM fault: HardFault\n") is None   # a handler line without registers


def test_objdump_is_the_one_beside_the_gcc():
    assert faults.objdump_for("arm-none-eabi-gcc") == shutil.which("arm-none-eabi-objdump")
    assert faults.objdump_for("clang") is None
    assert faults.objdump_for("no-such-arch-gcc") is None


@pytest.mark.parametrize("insn, reg", [
    ("str r1, [r3, #4]", "r3"), ("ldr r0, [sp, #8]", "sp"), ("ldrb r0, [ip]", "r12"),
    ("stmia r3!, {r0, r1}", "r3"), ("ldm.w r4, {r0, r1}", "r4"), ("ldmia ip!, {r0}", "r12"),
    ("push {r4, lr}", None), ("udf #255", None),
])
def test_the_base_register_of_an_access(insn, reg):
    assert faults.base_register(insn) == reg


def test_an_address_is_in_memory_when_in_flash_ram_or_the_system_control_space():
    q = PICO.section("qemu")
    flash_end, ram, ram_end = q["flash_origin"] + PICO.flash_bytes, q["ram_origin"], q["ram_origin"] + PICO.ram_bytes
    assert faults.in_memory(0, PICO) and faults.in_memory(flash_end - 1, PICO) and not faults.in_memory(flash_end, PICO)
    assert faults.in_memory(ram, PICO) and faults.in_memory(ram_end - 1, PICO) and not faults.in_memory(ram_end, PICO)
    assert not faults.in_memory(ram - 1, PICO) and faults.in_memory(0xE000ED00, PICO)
    assert not faults.in_memory(0xDFFFFFFF, PICO)
    assert faults.in_memory(0xE0000000, PICO) and not faults.in_memory(0xDFFFFFFF, PICO)
    bare = devices.Device("bare", "no qemu table", "qemu", PICO.file, data={"memory": {"flash_bytes": 16, "ram_bytes": 16}})
    assert faults.in_memory(0, bare) and faults.in_memory(0x20000000, bare) and not faults.in_memory(0x20000010, bare)
    none = devices.Device("none", "no memories", "qemu", PICO.file, data={"qemu": {"flash_origin": 0}})
    assert not faults.in_memory(0, none) and not faults.in_memory(0x20000000, none)
    assert not faults.in_memory(0, NRF) and faults.in_memory(0x10000000, NRF) and faults.in_memory(0x38000000, NRF)


@pytest.mark.parametrize("insn, regs, device, name, words", [
    (None, {}, PICO, "fault", "the instruction at pc could not be read"),
    ("udf #255", {}, PICO, "undefined-instruction", "an undefined instruction (`udf #255`: a trap such as"),
    ("udf.w #0", {}, NRF, "undefined-instruction", "`udf.w #0`"),
    ("<undefined>", {}, PICO, "undefined-instruction", "`<undefined>`"),
    ("str r0, [r3, #0]", {"r3": 0x90000020}, PICO, "bus-fault",
     "a bus fault: `str r0, [r3, #0]` with r3 = 0x90000020, outside the board's flash and RAM"),
    ("ldr r0, [r2, #0]", {"r2": 0x20000521}, PICO, "unaligned-access",
     "an unaligned access: `ldr r0, [r2, #0]` is a 4-byte access with r2 = 0x20000521, not 4-byte aligned "
     "(ARMv6-M faults on every unaligned access)"),
    ("ldr.w r0, [r2]", {"r2": 0x20000522}, PICO, "unaligned-access", "a 4-byte access"),
    ("str r0, [r3, #4]", {"r3": 0x20000522}, PICO, "unaligned-access", "a 4-byte access with r3 = 0x20000522"),
    ("str.w r0, [r3]", {"r3": 0x20000521}, PICO, "unaligned-access", "a 4-byte access"),
    ("strh r1, [r2, #0]", {"r2": 0x20000521}, PICO, "unaligned-access", "a 2-byte access"),
    ("ldrh r0, [r2, #0]", {"r2": 0x20000521}, PICO, "unaligned-access", "a 2-byte access with r2 = 0x20000521"),
    ("strh r0, [r2, #0]", {"r2": 0x20000522}, PICO, "fault", "the faulting instruction is `strh r0, [r2, #0]`"),
    ("ldrsh r0, [r2, #0]", {"r2": 0x20000523}, PICO, "unaligned-access", "a 2-byte access"),
    ("ldrb r0, [r2, #0]", {"r2": 0x20000523}, PICO, "fault", "the faulting instruction is"),
    ("ldr r0, [r2, #0]", {"r2": 0x38000521}, NRF, "fault", "the faulting instruction is"),   # the M33 may
    ("stmia r3!, {r0, r1}", {"r3": 0x38000522}, NRF, "unaligned-access",
     "is a multi-word access with r3 = 0x38000522, not 4-byte aligned (multi-word accesses must be word-aligned)"),
    ("ldrd r0, r1, [r2]", {"r2": 0x38000526}, NRF, "unaligned-access", "a multi-word access"),
    ("stmia r3!, {r0, r1}", {"r3": 0x20000520}, PICO, "fault", "the faulting instruction is `stmia r3!, {r0, r1}`"),
    ("push {r4, r5, lr}", {}, PICO, "stack-access",
     "`push {r4, r5, lr}` faulted: a push or pop, so probably the native stack ran past its region "
     "(set [build] stack_bytes in the device profile)"),
    ("pop {r4, pc}", {}, NRF, "stack-access", "a push or pop"),
    ("ldm r5, {r0, r1}", {"r3": 1}, NRF, "unaligned-access",
     "probably an unaligned access: `ldm r5, {r0, r1}` is a multi-word access (its base register r5 was not in "
     "the exception frame)"),
    ("ldr r0, [r5, #0]", {}, PICO, "fault", "the faulting instruction is `ldr r0, [r5, #0]`"),
    ("movs r0, r1", {"r1": 3}, PICO, "fault", "the faulting instruction is `movs r0, r1`"),
])
def test_each_cause_and_its_explanation(insn, regs, device, name, words):
    got, why = faults.cause(insn, regs, device)
    assert got == name and words in why, why


def test_an_ip_based_access_reads_r12_from_the_frame():
    name, why = faults.cause("ldr r0, [ip, #0]", {"r12": 0x20000522}, PICO)
    assert name == "unaligned-access" and "r12 = 0x20000522" in why


ELF_SOURCE = """
__attribute__((used)) void spin(void) { __asm__ volatile("nop\\n nop\\n"); }
__attribute__((used)) int load(int *p) { return p[1]; }
"""


@pytest.fixture(scope="module")
def elf(tmp_path_factory):
    cc = shutil.which("arm-none-eabi-gcc")
    if not cc or not faults.objdump_for("arm-none-eabi-gcc"):
        pytest.skip("no arm-none-eabi-gcc and objdump (apt-get install gcc-arm-none-eabi binutils-arm-none-eabi)")
    d = tmp_path_factory.mktemp("fault")
    (d / "k.c").write_text(ELF_SOURCE)
    subprocess.run([cc, "-mcpu=cortex-m0plus", "-mthumb", "-O1", "-c", str(d / "k.c"), "-o", str(d / "k.o")],
                   check=True)
    return d / "k.o"


def test_the_instruction_at_pc_is_read_from_the_image(elf):
    objdump = faults.objdump_for("arm-none-eabi-gcc")
    where, insn = faults.instruction_at(elf, 0, objdump)
    assert where == "spin" and insn == "nop"
    symbols = subprocess.run([objdump, "-t", str(elf)], capture_output=True, text=True, check=True).stdout
    addr = int(next(line for line in symbols.splitlines() if line.endswith(" load")).split()[0], 16)
    where, insn = faults.instruction_at(elf, addr, objdump)
    assert where == "load" and insn == "ldr r0, [r0, #4]"
    assert faults.instruction_at(elf, 0, None) == (None, None)
    assert faults.instruction_at(elf, 0x7000, objdump) == (None, None)   # past the code


def test_explain_names_the_handler_pc_function_and_cause(elf):
    text = handler_output([0x20000521, 0, 0, 0, 0, 0, 0x2, 0x61000000], name="HardFault")
    name, message = faults.explain(text, elf, PICO, "arm-none-eabi-gcc")
    assert name == "fault"
    assert message == "CPU fault (HardFault) at pc=0x00000002 in spin+0x2: the faulting instruction is `nop`"
    text = handler_output([0x20000521, 0, 0, 0, 0, 0, 0x7000, 0], name="UsageFault")
    assert faults.explain(text, elf, PICO, "clang") == (
        "fault", "CPU fault (UsageFault) at pc=0x00007000: the instruction at pc could not be read")
    symbols = subprocess.run([faults.objdump_for("arm-none-eabi-gcc"), "-t", str(elf)], capture_output=True,
                             text=True, check=True).stdout
    load = int(next(line for line in symbols.splitlines() if line.endswith(" load")).split()[0], 16)
    text = handler_output([0x20000521, 0, 0, 0, 0, 0, load, 0])
    assert faults.explain(text, elf, PICO, "arm-none-eabi-gcc") == (
        "unaligned-access", f"CPU fault (HardFault) at pc={load:#010x} in load: an unaligned access: `ldr r0, [r0, #4]` "
        "is a 4-byte access with r0 = 0x20000521, not 4-byte aligned (ARMv6-M faults on every unaligned access)")
    assert faults.explain("ARM fault: HardFault  R0: 0x00000001\n", elf, PICO, "arm-none-eabi-gcc") is None
    assert faults.explain("plain output\n", elf, PICO, "arm-none-eabi-gcc") is None
