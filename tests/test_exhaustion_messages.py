"""The exact words of a memory exhaustion on a board (wasmcu.backends.exhaustion.classify): sizes in KB
from the device, the runtime's settings and the heap the image leaves."""

from wasmcu import devices
from wasmcu.backends.exhaustion import classify, kb
from wasmcu.model import DOES_NOT_FIT, ERROR

PICO = devices.discover()["pico"]   # 270,336 bytes of RAM: 264.0 KB


def test_sizes_are_kib_with_one_decimal_or_a_question_mark():
    assert kb(None) == "?" and kb(0) == "0.0 KB" and kb(1536) == "1.5 KB" and kb(1024 * 1024) == "1024.0 KB"


def test_linear_memory_names_the_heap_and_the_device_s_ram():
    out = classify("load: allocate linear memory failed", "wamr-classic", {}, PICO, 2048)
    assert (out.kind, out.status) == ("linear-memory-exhausted", DOES_NOT_FIT)
    assert out.message == ("the module's linear memory does not fit the heap: load: allocate linear memory failed "
                           "(the heap has 2.0 KB of pico's 264.0 KB RAM; the module's memory is [wasm] memory_bytes "
                           "in its workload.toml)")


def test_wamr_s_pool_does_not_fit_only_when_the_heap_left_is_smaller_than_the_pool():
    settings = {"pool_bytes": 4096}
    out = classify("load: allocate memory failed", "wamr-fast", settings, PICO, 4095)
    assert (out.kind, out.status) == ("pool-exhausted", DOES_NOT_FIT)
    assert out.message == ("does not fit pico: WAMR's memory pool of 4.0 KB ran out (load: allocate memory failed) "
                           "and the device has only 4.0 KB of RAM left to enlarge it ([runtimes.wamr-fast] pool_bytes)")
    out = classify("load: allocate memory failed", "wamr-fast", settings, PICO, 4096)
    assert (out.kind, out.status) == ("pool-exhausted", ERROR)
    assert out.message == ("WAMR's memory pool ran out: load: allocate memory failed; the pool is 4.0 KB "
                           "([runtimes.wamr-fast] pool_bytes in the device profile; pico has 4.0 KB of RAM left beside it)")
