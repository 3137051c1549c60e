"""A kernel that prints: natively on the host it never corrupts the worker's result; in wasm printf links
WASI, which every runtime provides (wasmcu's own layer on wasm3, WAMR and wasm2c); a call the layer does
not provide is a build error that blames the library chain that pulled the import in, not the project's code."""

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


OPENS = """\
#include <stdint.h>
#include <stdio.h>
uint32_t run(uint32_t seed) { FILE *f = fopen("x", "r"); return seed + (f != 0); }
"""


def test_a_call_the_wasi_layer_lacks_in_a_wasm_kernel_blames_the_library_chain(tmp_path):
    d = tmp_path / "fo"
    d.mkdir()
    (d / "kernel.c").write_text(OPENS)
    (d / "workload.toml").write_text('name = "fo"\nsizes = [4]\n[sources]\nc = "kernel.c"\n')
    proc, cells = bench_json("--device", "host", "--runtime", "wasm3", "--workload", "fo", "--workload-dir",
                             str(tmp_path), "--repeat", "1", "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 1
    error = " ".join(cells[0]["error"].split())
    assert "imports wasi_snapshot_preview1.fd_fdstat_set_flags" in error and "path_open" in error, error
    assert "wasmcu's WASI layer does not provide" in error, error
    assert "It is pulled in by fcntl <- __fdopen <- fopen, called from run in kernel.c" in error, error
    assert "own code declares" not in error


FLUSHES = """\
#include <stdint.h>
#include <stdio.h>
uint32_t run(uint32_t seed) { printf("seed %u\\n", (unsigned)seed); fflush(stdout); return seed + WASMCU_N; }
"""


def test_printf_in_a_wasm_kernel_links_wasi_and_runs_on_every_runtime(tmp_path):
    d = tmp_path / "pf"
    d.mkdir()
    (d / "kernel.c").write_text(FLUSHES)
    (d / "workload.toml").write_text('name = "pf"\nsizes = [4]\n[sources]\nc = "kernel.c"\n')
    proc, cells = bench_json("--device", "host", "--runtime", "wasm3,wasm2c,wasmtime,v8-liftoff", "--workload", "pf",
                             "--workload-dir", str(tmp_path), "--repeat", "2", "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 0, proc.stderr
    for c in cells:
        assert c["status"] == "ok" and c["checksum"] == 42 + 4, c
    by = {c["runtime"]: c for c in cells}
    for rt in ("wasm3", "wasm2c"):  # wasmcu's WASI layer keeps what the kernel printed
        assert by[rt]["extra"]["stdout"] == "seed 42\n", by[rt]
