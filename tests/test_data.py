"""Choices that are data: suites, per-workload linear memory, runtime sizes in firmware."""

import pytest
from conftest import bench_json, make_workload

from wasmcu import devices
from wasmcu.errors import ConfigError
from wasmcu.plan import SUITES, Spec, discover_devices, load_suites, plan
from wasmcu.workloads import load_workload

BIG_STATIC = """
#include <stdint.h>
static uint32_t table[20000];   /* 80 KB of static data: more than one page */
uint32_t run(uint32_t seed) {
    uint32_t h = seed;
    for (uint32_t i = 0; i < 20000; i++) { table[i] = h; h = h * 1103515245u + 12345u; }
    uint32_t s = 0;
    for (uint32_t i = 0; i < 20000; i += WASMCU_N) s += table[i];
    return s;
}
"""

BIG_ORACLE = """
def checksum(n, seed):
    h, table = seed, []
    for _ in range(20000):
        table.append(h)
        h = (h * 1103515245 + 12345) & 0xFFFFFFFF
    return sum(table[::n]) & 0xFFFFFFFF
"""


def test_suites_are_data_and_the_config_file_adds_more(tmp_path, monkeypatch):
    assert SUITES["paper"]["workloads"] == ["bubblesort:100", "bubblesort:1000", "crc16:100"]
    cfg = tmp_path / "wasmcu.toml"
    cfg.write_text('[suites.tiny]\ndescription = "one cell per device"\nworkloads = ["crc16:10"]\nlangs = ["c"]\n'
                   'devices = ["host", "pico"]\n[suites.tiny.runtimes]\nqemu = ["wasm3"]\nhost = ["native"]\n')
    monkeypatch.setenv("WASMCU_CONFIG", str(cfg))
    assert set(load_suites()) == {"paper", "embedded", "containment", "embench", "tiny"}
    cells, _, _ = plan(Spec(suite="tiny"))
    assert [(c.device, c.runtime) for c in cells] == [("host", "native"), ("pico", "wasm3")]
    cfg.write_text('[suites.tiny]\nworkloads = ["crc16:10"]\nboards = ["pico"]\n')
    with pytest.raises(ConfigError, match=r"wasmcu.toml: field 'suites.tiny.boards': unknown key 'boards'"):
        plan(Spec(suite="tiny"))
    cfg.write_text('[suites.tiny]\nworkloads = ["crc16:10"]\n[suites.tiny.runtimes]\nqemu = ["wasm4"]\n')
    with pytest.raises(ConfigError, match="unknown runtime 'wasm4'"):
        plan(Spec(suite="tiny", devices="pico"))


@pytest.mark.slow
def test_a_workload_can_ask_for_more_linear_memory(tmp_path, db):
    d = make_workload(tmp_path, "bigstatic", c=BIG_STATIC, oracle=BIG_ORACLE, sizes=(7,))
    proc, cells = bench_json("--workload-dir", str(d), "--workload", "bigstatic:7", "--device", "host",
                             "--runtime", "wasm3", "--repeat", "3", "--db", str(db))
    assert cells[0]["status"] == "does-not-fit" and "one 64 KB page" in cells[0]["error"], cells[0]["error"]
    with open(d / "workload.toml", "a") as f:
        f.write("[wasm]\nmemory_bytes = 131072\nstack_bytes = 8192\n")
    assert load_workload(d).memory_bytes == 131072
    proc, cells = bench_json("--workload-dir", str(d), "--workload", "bigstatic:7", "--device", "host",
                             "--runtime", "wasm3,wasmtime", "--repeat", "3", "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    assert all(c["status"] == "ok" and c["checksum"] == c["expected"] for c in cells)
    link = cells[0]["provenance"]["build"]["link_flags"]
    assert "-Wl,--initial-memory=131072" in link and "-Wl,-zstack-size=8192" in link


@pytest.mark.parametrize("table, message", [
    ("[wasm]\nmemory_bytes = 100000\n", r"field 'wasm.memory_bytes': invalid value 100000 \(expected a whole number"),
    ("[wasm]\nheap_bytes = 65536\n", r"field 'wasm.heap_bytes': unknown key"),
    ("[wasm]\nstack_bytes = 65536\n", r"field 'wasm.stack_bytes': invalid value 65536"),
])
def test_bad_wasm_table_is_refused(tmp_path, table, message):
    d = make_workload(tmp_path, "w", c="unsigned run(unsigned s) { return s; }")
    with open(d / "workload.toml", "a") as f:
        f.write(table)
    with pytest.raises(ConfigError, match=message):
        load_workload(d)


def _pico_with(tmp_path, table: str):
    text = devices.BUILTIN.joinpath("pico.toml").read_text().replace('name = "pico"', 'name = "pico-sized"')
    (tmp_path / "pico-sized.toml").write_text(text + "\n" + table)
    return tmp_path


@pytest.mark.parametrize("table, message", [
    ("[runtimes.wasm3]\nstack_bytes = 0\n", r"field 'runtimes.wasm3.stack_bytes': invalid value 0"),
    ("[runtimes.wasm3]\npool_bytes = 1024\n", r"field 'runtimes.wasm3.pool_bytes': unknown key 'pool_bytes' "
                                              r"\(expected one of stack_bytes, memory_limit_bytes\)"),
    ("[runtimes.wasm4]\nstack_bytes = 1024\n", r"field 'runtimes.wasm4': unknown runtime"),
])
def test_bad_runtime_sizes_are_refused(tmp_path, table, message):
    with pytest.raises(ConfigError, match=message):
        discover_devices([_pico_with(tmp_path, table)])


@pytest.mark.slow
@pytest.mark.qemu
def test_runtime_sizes_are_data_and_recorded(tmp_path, db):
    """wasm3's stack in firmware: 4 KB by default, 12 KB from the device's [runtimes.wasm3]; the
    value is in the cell's provenance and the RAM high-water mark grows by the difference."""
    d = _pico_with(tmp_path, "[runtimes.wasm3]\nstack_bytes = 12288\n")
    proc, cells = bench_json("--device-dir", str(d), "--device", "pico,pico-sized", "--runtime", "wasm3",
                             "--workload", "crc16:10", "--lang", "c", "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    by = {c["device"]: c for c in cells}
    # memory_limit_bytes 0: wasm3 allocates the module's whole pages (--ram small sets it)
    assert by["pico"]["provenance"]["runtime_settings"] == {"stack_bytes": 4096, "memory_limit_bytes": 0}
    assert by["pico-sized"]["provenance"]["runtime_settings"] == {"stack_bytes": 12288, "memory_limit_bytes": 0}
    assert by["pico"]["checksum"] == by["pico-sized"]["checksum"] == by["pico"]["expected"]
    assert by["pico-sized"]["ram_peak_bytes"] - by["pico"]["ram_peak_bytes"] >= 8192 - 64
    assert "-DWASMCU_WASM3_STACK=12288" in by["pico-sized"]["provenance"]["build"]["flags"]


@pytest.mark.slow
def test_host_runtime_sizes_are_recorded(db):
    proc, cells = bench_json("--device", "host", "--runtime", "wasm3,native", "--workload", "crc16:10", "--lang", "c",
                             "--repeat", "3", "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    by = {c["runtime"]: c for c in cells}
    assert by["wasm3"]["provenance"]["runtime_settings"] == {"stack_bytes": 65536}
    assert by["native"]["provenance"].get("runtime_settings") is None
