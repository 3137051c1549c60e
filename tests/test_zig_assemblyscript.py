"""Zig and AssemblyScript as source languages: Zig natively on the host and every board and in
wasm32; AssemblyScript in wasm only, its native cells unsupported with the reason. One kernel in
C, Zig and AssemblyScript gives one checksum everywhere."""

import pytest

from conftest import bench_json

C = """\
#include <stdint.h>
static uint32_t data[WASMCU_N];
uint32_t bench(uint32_t seed) {
    uint32_t x = seed, h = 0;
    for (uint32_t i = 0; i < WASMCU_N; i++) { x = x * 1103515245u + 12345u; data[i] = x >> 8; }
    for (uint32_t i = 0; i < WASMCU_N; i++) h = (h ^ data[i]) * 16777619u + i / 3;
    return h;
}
"""
ZIG = """\
const N = @import("wasmcu").N;
var data: [N]u32 = undefined;

pub fn bench(seed: u32) u32 {
    var x: u32 = seed;
    for (&data) |*d| {
        x = x *% 1103515245 +% 12345;
        d.* = x >> 8;
    }
    var h: u32 = 0;
    for (data, 0..) |d, i| h = (h ^ d) *% 16777619 +% @as(u32, @intCast(i)) / 3;
    return h;
}
"""
TS = """\
const data = new StaticArray<u32>(WASMCU_N);
export function bench(seed: u32): u32 {
  let x = seed;
  for (let i = 0; i < WASMCU_N; i++) { x = x * 1103515245 + 12345; data[i] = x >> 8; }
  let h: u32 = 0;
  for (let i = 0; i < WASMCU_N; i++) h = (h ^ data[i]) * 16777619 + <u32>i / 3;
  return h;
}
"""


def checksum(n, seed):
    x, h, data = seed, 0, []
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        data.append(x >> 8)
    for i, d in enumerate(data):
        h = ((h ^ d) * 16777619 + i // 3) & 0xFFFFFFFF
    return h


@pytest.fixture
def three(tmp_path):
    d = tmp_path / "three"
    d.mkdir()
    (d / "kernel.c").write_text(C)
    (d / "kernel.zig").write_text(ZIG)
    (d / "kernel.ts").write_text(TS)
    (d / "workload.toml").write_text('name = "three"\nsizes = [50]\nentry = "bench"\n[sources]\nc = "kernel.c"\n'
                                     'zig = "kernel.zig"\nassemblyscript = "kernel.ts"\n')
    return tmp_path


@pytest.mark.slow  # builds the kernel in three languages
def test_one_kernel_in_c_zig_and_assemblyscript_agrees_on_the_host(three):
    proc, cells = bench_json("--device", "host", "--runtime", "native,wasm3,wasmtime,wasm2c", "--workload",
                             "three", "--lang", "c,zig,assemblyscript", "--workload-dir", str(three),
                             "--repeat", "1", "--db", str(three / "r.db"))
    assert proc.returncode == 0, proc.stderr
    by = {(c["lang"], c["runtime"]): c for c in cells}
    assert len(by) == 12
    native_as = by.pop(("assemblyscript", "native"))
    assert native_as["status"] == "unsupported" and "AssemblyScript compiles to WebAssembly only" in native_as["error"]
    for (lang, runtime), c in by.items():
        assert c["status"] == "ok" and c["checksum"] == checksum(50, 42), (lang, runtime, c)
    assert by[("zig", "wasm3")]["verified_by"] == "native-host"
    assert by[("assemblyscript", "wasm3")]["verified_by"] == "reference:wasmtime"


def test_a_zig_build_error_is_the_compilers_message(tmp_path):
    d = tmp_path / "broken"
    d.mkdir()
    (d / "kernel.zig").write_text("pub fn run(seed: u32) u32 { return seed + undefined_name; }\n")
    (d / "workload.toml").write_text('name = "broken"\nsizes = [4]\n[sources]\nzig = "kernel.zig"\n')
    proc, cells = bench_json("--device", "host", "--runtime", "native,wasm3", "--workload", "broken",
                             "--workload-dir", str(tmp_path), "--repeat", "1", "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 1
    for c in cells:
        assert c["status"] == "error" and c["error_kind"] == "build-failed"
        assert "use of undeclared identifier 'undefined_name'" in c["error"], c["error"]


def test_an_assemblyscript_kernel_that_needs_the_host_is_refused_naming_the_import(tmp_path):
    d = tmp_path / "talk"
    d.mkdir()
    (d / "kernel.ts").write_text('export function run(seed: u32): u32 { trace("hi"); return seed; }\n')
    (d / "workload.toml").write_text('name = "talk"\nsizes = [4]\n[sources]\nassemblyscript = "kernel.ts"\n')
    proc, cells = bench_json("--device", "host", "--runtime", "wasm3", "--workload", "talk",
                             "--workload-dir", str(tmp_path), "--repeat", "1", "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 1
    assert cells[0]["error_kind"] == "build-failed"
    assert "the AssemblyScript module of talk: imports env.trace (a function)" in cells[0]["error"], cells[0]["error"]


@pytest.mark.qemu
@pytest.mark.slow
def test_zig_is_native_on_every_board_and_assemblyscript_runs_in_wasm3(three):
    proc, cells = bench_json("--device", "pico,nrf5340,esp32c6", "--runtime", "native,wasm3", "--workload",
                             "three", "--lang", "zig,assemblyscript", "--workload-dir", str(three),
                             "--db", str(three / "r.db"))
    assert proc.returncode == 0, proc.stderr
    assert len(cells) == 12
    for c in cells:
        if c["lang"] == "assemblyscript" and c["runtime"] == "native":
            assert c["status"] == "unsupported", c
            continue
        assert c["status"] == "ok" and c["checksum"] == checksum(50, 42), c
        assert c["cycles"] and c["flash_bytes"], c
