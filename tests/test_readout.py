"""A firmware's report turned into a result (wasmcu.backends.readout), in-process: the error a
firmware reported and its kind, the checksum and the RAM figures of a complete report."""

import pytest

from wasmcu import devices, protocol
from wasmcu.backends import readout
from wasmcu.measure.footprint import Footprint
from wasmcu.model import DOES_NOT_FIT, ERROR, Cell, Draft

PICO = devices.discover()["pico"]


def draft(runtime="wasm3"):
    return Draft(Cell("crc16", 10, "c", runtime, "pico"), "qemu", status="ok")


def report(text):
    return protocol.parse(text + "\n@wasmcu end\n")


def fp(static=1000, heap_limit=50_000, stack=4096):
    return Footprint(flash_bytes=20_000, ram_static_bytes=static, heap_limit_bytes=heap_limit,
                     stack_reserved_bytes=stack)


@pytest.mark.parametrize("msg, kind", [
    ("fault: native stack overflow at 0x80001234", "stack-overflow"),
    ("fault:native stack overflow", "stack-overflow"),
    ("fault: illegal instruction", "fault"),
    ("trap: [trap] stack overflow", "stack-limit"),
    ("trap : [trap] stack overflow ", "stack-limit"),
    ("trap: [trap] stack overflow (again)", "trap"),
    ("trap: [trap] integer divide by zero", "trap"),
    ("load: malformed module", "load-failed"),
    ("load: module: bad magic", "load-failed"),   # the stage is what comes before the first colon
    ("bring-up: no clock", "board"),
    ("link: unknown import", "error"),
    ("something without a stage", "error"),
    ("native stack overflow", "error"),   # no stage: not main.c's fault report
])
def test_the_kind_of_a_reported_error_comes_from_its_stage(msg, kind):
    assert readout.firmware_error_kind(msg) == kind


def test_a_report_without_an_error_leaves_the_result_alone():
    res = draft()
    assert readout.reported_error(res, report("@wasmcu checksum=5"), fp(), PICO) is False
    assert res.status == "ok" and res.error is None and res.error_kind is None


def test_a_reported_error_is_stored_with_its_kind_and_the_firmware_s_words():
    res = draft()
    assert readout.reported_error(res, report('@wasmcu error="trap: [trap] integer divide by zero"'), fp(), PICO)
    assert (res.status, res.error_kind, res.error) == (ERROR, "trap", "firmware reported trap: [trap] integer divide by zero")


def test_a_reported_exhaustion_is_named_with_the_runtime_s_setting():
    res = draft("wasm3")
    assert readout.reported_error(res, report('@wasmcu error="trap: [trap] stack overflow"'), fp(), PICO)
    assert res.status == ERROR and res.error_kind == "wasm-stack-overflow"
    assert "4,096 bytes ([runtimes.wasm3] stack_bytes" in res.error
    res = draft("wasm3")
    assert readout.reported_error(res, report('@wasmcu error="load: out of memory"'), fp(heap_limit=2048), PICO)
    assert res.status == DOES_NOT_FIT and res.error_kind == "heap-exhausted" and "the heap has 2.0 KB" in res.error


def test_wamr_s_pool_is_the_runtime_s_own_setting():
    res = draft("wamr-classic")
    msg = '@wasmcu error="load: allocate memory failed"'
    assert readout.reported_error(res, report(msg), fp(heap_limit=1024), PICO)
    assert res.status == DOES_NOT_FIT and res.error_kind == "pool-exhausted" and "[runtimes.wamr-classic] pool_bytes" in res.error


def test_a_complete_report_gives_the_checksum_and_the_ram_it_needed():
    res = draft()
    rep = report("@wasmcu checksum=0x10 stack_hwm=300 heap_hwm=2000")
    assert readout.apply_report(res, rep, fp(static=1000)) is True
    assert res.checksum == 16 and res.ram_peak_bytes == 1000 + 2000 + 300 and res.status == "ok"
    assert res.extra == {"stack_hwm_bytes": 300, "heap_hwm_bytes": 2000, "ram_needed_bytes": 3300,
                         "ram_needed": {"static_bytes": 1000, "native_stack_bytes": 300, "heap_bytes": 2000}}


def test_wamr_s_pool_is_reported_apart_and_counted_by_what_was_used():
    res = draft("wamr-classic")
    res.extra["linear_memory_bytes"] = 65536
    rep = report("@wasmcu checksum=1 stack_hwm=100 heap_hwm=0 pool_bytes=32768 pool_hwm=5000")
    assert readout.apply_report(res, rep, fp(static=40_000)) is True
    assert res.ram_peak_bytes == 40_100
    assert res.extra["pool_bytes"] == 32768 and res.extra["pool_hwm_bytes"] == 5000
    assert res.extra["ram_needed_bytes"] == (40_000 - 32768) + 100 + 0 + 5000
    assert res.extra["ram_needed"] == {"static_bytes": 40_000 - 32768, "native_stack_bytes": 100, "heap_bytes": 0,
                                       "pool_bytes": 5000, "linear_memory_bytes": 65536}


def test_missing_high_water_marks_count_as_zero():
    res = draft()
    assert readout.apply_report(res, report("@wasmcu checksum=7"), fp(static=500)) is True
    assert res.checksum == 7 and res.ram_peak_bytes == 500
    assert res.extra["stack_hwm_bytes"] == 0 and res.extra["heap_hwm_bytes"] == 0 and "pool_bytes" not in res.extra


def test_a_kernel_that_used_the_whole_stack_region_is_a_stack_overflow():
    res = draft()
    assert readout.apply_report(res, report("@wasmcu checksum=7 stack_hwm=4096"), fp(stack=4096)) is False
    assert res.checksum == 7 and res.ram_peak_bytes is None
    assert (res.status, res.error_kind) == (ERROR, "stack-overflow")
    assert res.error == ("native stack overflow: the kernel used all 4096 bytes of the stack region "
                         "(set [build] stack_bytes in the device profile)")
    res = draft()
    assert readout.apply_report(res, report("@wasmcu checksum=7 stack_hwm=4095"), fp(stack=4096)) is True
    res = draft()   # an image without a stack region: no limit to reach
    assert readout.apply_report(res, report("@wasmcu checksum=7 stack_hwm=9999"), fp(stack=0)) is True
