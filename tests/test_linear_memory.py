"""Small linear memory (`--ram small`): the runtime allocates what the module's data needs, never silently less."""

import pytest

from conftest import bench_json, make_workload, wat2wasm

from wasmcu import devices
from wasmcu.backends.linear_memory import data_need, grows
from wasmcu.runtimes import RUNTIMES

PICO = devices.discover()["pico"]
HAVE_WAMR = RUNTIMES["wamr-classic"].firmware_unavailable_reason(PICO) is None

# static data of a known size (a 3000-byte table) and a 4 KB shadow stack
TABLE_C = """#include <stdint.h>
static uint8_t table[3000];
uint32_t run(uint32_t seed)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < sizeof table; i++)
        table[i] = (uint8_t)(seed + i * 7u);
    for (uint32_t i = 0; i < sizeof table; i++)
        s = s * 31u + table[i];
    return s + WASMCU_N;
}
"""
TABLE_ORACLE = """def checksum(n, seed):
    s = 0
    for i in range(3000):
        s = (s * 31 + ((seed + i * 7) & 0xFF)) & 0xFFFFFFFF
    return (s + n) & 0xFFFFFFFF
"""
# malloc links wasmcu's program break, which grows the memory: its pages are kept
HEAP_C = """#include <stdint.h>
#include <stdlib.h>
uint32_t run(uint32_t seed)
{
    uint32_t *a = malloc(2000 * sizeof *a), s = 0;
    for (uint32_t i = 0; i < 2000; i++)
        a[i] = seed + i;
    for (uint32_t i = 0; i < 2000; i++)
        s += a[i];
    free(a);
    return s + WASMCU_N;
}
"""
HEAP_ORACLE = """def checksum(n, seed):
    return (sum(seed + i for i in range(2000)) + n) & 0xFFFFFFFF
"""


def test_the_need_is_the_exported_heap_base_rounded_up():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        wasm = wat2wasm('(module (memory 1) (global (export "__heap_base") i32 (i32.const 5517)))', Path(tmp))
        bare = wat2wasm("(module (memory 1))", Path(tmp))
    assert data_need(wasm) == 5520
    assert data_need(bare) is None
    assert grows("(func (drop (memory.grow (i32.const 1))))") and not grows("(func (drop (memory.size)))")


@pytest.mark.qemu
def test_small_linear_memory_saves_the_unused_pages_and_records_it(tmp_path, db):
    make_workload(tmp_path / "w", "table", c=TABLE_C, oracle=TABLE_ORACLE)
    make_workload(tmp_path / "w", "heap", c=HEAP_C, oracle=HEAP_ORACLE)
    runtimes = "wasm3" + (",wamr-classic" if HAVE_WAMR else "")
    cells = {}
    for ram in ("module", "small"):
        proc, out = bench_json("--device", "pico", "--runtime", runtimes, "--workload", "table:4,heap:4", "--lang", "c",
                               "--workload-dir", str(tmp_path / "w"), "--db", str(db), "--ram", ram)
        assert out, proc.stderr
        cells.update({(ram, c["runtime"], c["workload"]): c for c in out})
    for rt in runtimes.split(","):
        big, small = cells[("module", rt, "table")], cells[("small", rt, "table")]
        assert big["status"] == small["status"] == "ok", (big["error"], small["error"])
        assert "linear_memory_sizing" not in big["extra"] and big["extra"]["linear_memory_bytes"] == 65536
        need = small["extra"]["linear_memory_data_bytes"]
        # 3000 bytes of table and the 4 KB shadow stack (wasm-ld's layout: 1 KB, data, stack)
        assert small["extra"]["linear_memory_sizing"] == "data" and 7096 <= need <= 8400, need
        assert small["extra"]["linear_memory_bytes"] == need
        saved = big["ram_peak_bytes"] - small["ram_peak_bytes"]
        if rt == "wamr-classic":  # the memory is one block of the heap: the saving is exact
            assert saved == 65536 - need, (saved, need)
            # the need also counts the pool's high-water mark: the two extra exports take a few bytes of it
            assert abs(big["extra"]["ram_needed_bytes"] - small["extra"]["ram_needed_bytes"] - saved) < 512
        else:
            assert saved > 40 * 1024, saved
            assert small["provenance"]["runtime_settings"]["memory_limit_bytes"] == need
        heap = cells[("small", rt, "heap")]
        assert heap["status"] == "ok", heap["error"]
        assert heap["extra"]["linear_memory_sizing"] == "pages" and "memory.grow" in \
            heap["extra"]["linear_memory_sizing_why"]


BEYOND_C = """#include <stdint.h>
uint32_t run(uint32_t seed)
{
    volatile uint32_t *p = (volatile uint32_t *)(40000u + (seed & 4u));   /* past the data, inside the page */
    return *p + WASMCU_N;
}
"""


@pytest.mark.qemu
def test_an_access_beyond_the_small_memory_traps(tmp_path, db):
    """A kernel that reads past its data (legal with whole pages) traps under --ram small: never a silent wrong result."""
    make_workload(tmp_path / "w", "beyond", c=BEYOND_C, oracle="def checksum(n, seed):\n    return n\n")
    runtimes = "wasm3" + (",wamr-classic" if HAVE_WAMR else "")
    for ram, status in (("module", "ok"), ("small", "error")):
        proc, out = bench_json("--device", "pico", "--runtime", runtimes, "--workload", "beyond:4", "--workload-dir",
                               str(tmp_path / "w"), "--db", str(db), "--ram", ram)
        for c in out:
            assert c["status"] == status, (ram, c["runtime"], c["error"])
            if status == "error":
                assert c["error_kind"] == "trap" and "out of bounds" in c["error"], c["error"]
