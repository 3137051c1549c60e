"""Turning a firmware's report (the `@wasmcu` line protocol) into a result, for emulated and real boards.

wasmcu.protocol parses the lines, whether they came from QEMU's semihosting or a serial port.
Timing is each backend's own (cycle estimates, a hardware timer).
"""

from __future__ import annotations

from ..model import DOES_NOT_FIT, Draft


def reported_error(res: Draft, report, fp, device) -> bool:
    """The firmware reported an error: set `res` (a heap that ran out does not fit) and say so."""
    if "error" not in report.fields:
        return False
    msg = report.fields["error"]
    if "memory allocation failed" in msg or "out of memory" in msg:
        res.fail("heap-exhausted", f"does not fit {device.name}: {msg} (heap has {fp.heap_limit_bytes / 1024:.1f} KB)",
                 DOES_NOT_FIT)
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
    if "allocate memory failed" in msg:  # WAMR's pool (its heap for module and instance) ran out
        return "pool-exhausted"
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
    if report.int("pool_bytes") is not None:  # WAMR's fixed heap pool (part of static RAM)
        res.extra.update(pool_bytes=report.int("pool_bytes"), pool_hwm_bytes=report.int("pool_hwm"))
    res.extra.update(stack_hwm_bytes=stack, heap_hwm_bytes=heap)
    return True
