"""A kernel that prints: natively on the host it never corrupts the worker's result; in wasm the
build error blames the library chain that pulled the WASI import in, not the project's code."""

from conftest import bench_json

PRINTS = """\
#include <stdint.h>
#include <stdio.h>
uint32_t run(uint32_t seed) { printf("seed %u\\n", (unsigned)seed); return seed + WASMCU_N; }
"""


def _workload(root):
    d = root / "pf"
    d.mkdir()
    (d / "kernel.c").write_text(PRINTS)
    (d / "workload.toml").write_text('name = "pf"\nsizes = [4]\n[sources]\nc = "kernel.c"\n')
    return root


def test_a_native_kernel_that_prints_does_not_corrupt_the_worker(tmp_path):
    root = _workload(tmp_path)
    proc, cells = bench_json("--device", "host", "--runtime", "native", "--workload", "pf", "--workload-dir",
                             str(root), "--repeat", "2", "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 0, proc.stderr
    assert cells[0]["status"] == "ok" and cells[0]["checksum"] == 42 + 4, cells[0]


def test_printf_in_a_wasm_kernel_blames_the_library_chain(tmp_path):
    root = _workload(tmp_path)
    proc, cells = bench_json("--device", "host", "--runtime", "wasm3", "--workload", "pf", "--workload-dir",
                             str(root), "--repeat", "1", "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 1
    error = " ".join(cells[0]["error"].split())
    assert "imports wasi_snapshot_preview1.fd_fdstat_get" in error, error
    assert "It is pulled in by __isatty <- __stdout_write <- __stdout_FILE <- printf, called from run in kernel.c" \
        in error, error
    assert "own code declares" not in error
