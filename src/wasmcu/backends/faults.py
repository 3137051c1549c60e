"""Naming a Cortex-M fault from its exception frame and instruction: unaligned access, bus fault, undefined instruction.

picolibc's fault handler prints the exception frame (r0-r3, r12, lr, pc, xpsr) when the core
takes a HardFault. The instruction at pc, read from the image with the architecture's objdump,
says what the core was doing; with the registers it names the cause: a multi-word access
(LDM/STM/PUSH/POP/LDRD/STRD) or, on ARMv6-M, any word or halfword access at an address that is
not aligned (ARMv6-M never does unaligned accesses; the M33 does them for single loads and
stores only); an access outside every memory of the board (a bus fault); an instruction the
core does not have (UDF, `__builtin_trap`). Stack overflows are recognised before this
(wasmcu.backends.qemu.arm_fault).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

FRAME = re.compile(r"ARM fault: (\w+)((?:\s+\w+:\s+0x[0-9a-fA-F]{8})+)")
MULTI = ("ldm", "stm", "push", "pop", "ldrd", "strd")


def frame(text: str) -> dict[str, int] | None:
    """The registers picolibc's handler printed ({"r0": ..., "pc": ...}), or None."""
    m = FRAME.search(text)
    if not m:
        return None
    return {k.lower(): int(v, 16) for k, v in re.findall(r"(\w+):\s+0x([0-9a-fA-F]{8})", m.group(2))}


def objdump_for(cc: str) -> str | None:
    """The GNU objdump beside the architecture's GCC (arm-none-eabi-gcc -> arm-none-eabi-objdump)."""
    name = cc[: -len("gcc")] + "objdump" if cc.endswith("gcc") else None
    return shutil.which(name) if name else None


def instruction_at(elf: Path, pc: int, objdump: str | None) -> tuple[str | None, str | None]:
    """(the function and offset containing pc, e.g. `run+0x8`, the instruction's text), or Nones."""
    if not objdump:
        return None, None
    proc = subprocess.run([objdump, "-d", f"--start-address={pc:#x}", f"--stop-address={pc + 4:#x}", str(elf)],
                          capture_output=True, text=True)
    where = re.search(r"^[0-9a-f]+ <([^>]+)>:", proc.stdout, re.M)
    insn = re.search(rf"^\s*{pc:x}:\s+(?:[0-9a-f]{{4}}\s?)+\s+(.+)$", proc.stdout, re.M)
    text = " ".join(insn.group(1).split("@")[0].split(";")[0].split()) if insn else None
    return (where.group(1) if where else None), text


def base_register(insn: str) -> str | None:
    """The register an access instruction's address comes from (`str r1, [r3, #4]`: r3)."""
    m = re.search(r"\[(r\d+|sp|ip)", insn) or re.match(r"\w+(?:\.\w+)?\s+(r\d+|sp|ip)!?,", insn)
    if not m:
        return None
    return {"ip": "r12"}.get(m.group(1), m.group(1))


def in_memory(addr: int, device) -> bool:
    q = device.section("qemu")
    regions = [(q.get("flash_origin", 0), device.flash_bytes or 0), (q.get("ram_origin", 0x20000000),
                                                                     device.ram_bytes or 0)]
    return any(start <= addr < start + size for start, size in regions) or addr >= 0xE0000000  # the PPB


def cause(insn: str | None, regs: dict[str, int], device) -> tuple[str, str]:
    """(the cause's name, its explanation) for the instruction at pc and the registers."""
    if insn is None:
        return "fault", "the instruction at pc could not be read"
    op = insn.split()[0].lower()
    if op.startswith("udf") or "undefined" in insn.lower():
        return "undefined-instruction", f"an undefined instruction (`{insn}`: a trap such as __builtin_trap, or code " \
                                        f"the core does not have)"
    reg = base_register(insn)
    addr = regs.get(reg) if reg else None
    if op.startswith(("ld", "st", "push", "pop")):
        multi = op.startswith(MULTI)
        size = 4 if multi or op in ("ldr", "str") or op.startswith(("ldr.", "str.")) else \
            2 if op.startswith(("ldrh", "strh", "ldrsh")) else 1
        if addr is not None and not in_memory(addr, device):
            return "bus-fault", f"a bus fault: `{insn}` with {reg} = {addr:#010x}, outside the board's flash and RAM"
        armv6m = device.arch == "armv6m"
        if addr is not None and addr % size and (multi or armv6m):
            what = "a multi-word access" if multi else f"a {size}-byte access"
            return "unaligned-access", (f"an unaligned access: `{insn}` is {what} with {reg} = {addr:#010x}, not "
                                        f"{size}-byte aligned ({'ARMv6-M faults on every unaligned access' if armv6m else 'multi-word accesses must be word-aligned'})")
        if op.startswith(("push", "pop")):  # sp is not in the exception frame: a stack access that faulted
            return "stack-access", (f"`{insn}` faulted: a push or pop, so probably the native stack ran past its "
                                    f"region (set [build] stack_bytes in the device profile)")
        if addr is None and multi:
            return "unaligned-access", (f"probably an unaligned access: `{insn}` is a multi-word access (its base "
                                        f"register {reg} was not in the exception frame)")
    return "fault", f"the faulting instruction is `{insn}`"


def explain(text: str, elf: Path, device, cc: str) -> tuple[str, str] | None:
    """(the fault's cause, a message naming it, the faulting pc, the function and the
    instruction) from QEMU's output, or None when picolibc's handler printed no frame."""
    regs = frame(text)
    if not regs or "pc" not in regs:
        return None
    pc = regs["pc"]
    where, insn = instruction_at(elf, pc, objdump_for(cc))
    name, why = cause(insn, regs, device)
    handler = FRAME.search(text).group(1)
    return name, (f"CPU fault ({handler}) at pc={pc:#010x}{f' in {where}' if where else ''}: {why}")
