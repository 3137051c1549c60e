"""Turning a firmware's report (the `@wasmcu` line protocol) into a result, for emulated and real boards.

wasmcu.protocol parses the lines, whether they came from QEMU's semihosting or a serial port.
Timing is each backend's own (cycle estimates, a hardware timer).
"""

from __future__ import annotations

from .. import runtimes as runtimes_mod
from ..model import Draft
from ..runtimes import wasi
from .exhaustion import classify
from .ramneed import ram_needed


def reported_error(res: Draft, report, fp, device) -> bool:
    """The firmware reported an error: set `res` (a heap that ran out does not fit) and say so."""
    if "error" not in report.fields:
        return False
    msg = report.fields["error"]
    rt = runtimes_mod.get(res.cell.runtime)
    out = classify(msg, rt.name, rt.firmware_settings(device), device, fp.heap_limit_bytes)
    if out is not None:
        res.fail(out.kind, out.message, out.status)
    else:
        res.fail(firmware_error_kind(msg), f"firmware reported {msg}")
    return True


# wasm3's m3Err_trapStackOverflow: its value stack, or (newer wasm3) its native stack budget, ran out
WASM3_STACK_TRAP = "[trap] stack overflow"


def firmware_error_kind(msg: str) -> str:
    """The kind of an error the firmware reported (`@wasmcu error="STAGE: MESSAGE"`, main.c's
    report_error): the stage it names and what the runtime said, read once here where the
    protocol is parsed."""
    stage, _, detail = (part.strip() for part in msg.partition(":"))
    if stage == "fault" and detail.startswith("native stack overflow"):  # main.c's RISC-V trap handler
        return "stack-overflow"
    if stage == "trap" and detail == WASM3_STACK_TRAP:  # wasm3's own stack limit, a clean trap
        return "stack-limit"
    return {"load": "load-failed", "trap": "trap", "fault": "fault", "bring-up": "board"}.get(stage, "error")


def apply_report(res: Draft, report, fp) -> bool:
    """Checksum, memory high-water marks and runtime records of a complete report; False (with
    `res` an error) when the kernel used the whole stack region."""
    res.checksum = report.int("checksum")
    stack, heap = report.int("stack_hwm") or 0, report.int("heap_hwm") or 0
    if fp.stack_reserved_bytes and stack >= fp.stack_reserved_bytes:
        res.fail("stack-overflow", f"native stack overflow: the kernel used all {fp.stack_reserved_bytes} bytes of "
                                   f"the stack region (set [build] stack_bytes in the device profile)")
        return False
    res.ram_peak_bytes = fp.ram_static_bytes + heap + stack
    pool, pool_hwm = report.int("pool_bytes"), report.int("pool_hwm")
    if pool is not None:  # WAMR's fixed heap pool (part of static RAM)
        res.extra.update(pool_bytes=pool, pool_hwm_bytes=pool_hwm)
    res.extra.update(stack_hwm_bytes=stack, heap_hwm_bytes=heap)
    if (output := wasi.output_from_report(report)) is not None:  # a WASI program's output record
        res.extra.update(output)
    need, parts = ram_needed(fp.ram_static_bytes, stack, heap, pool, pool_hwm, res.extra.get("linear_memory_bytes"))
    res.extra.update(ram_needed_bytes=need, ram_needed=parts)
    return True
