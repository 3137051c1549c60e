"""A WASI command (int main with printf, built with wasi-libc) on the host: wasmtime and V8
(node:wasi) give it WASI preview 1, wasm3 on the host and the boards wasmcu's own layer; its exit code and stdout are
its result and are stored with the cell."""

import subprocess
import zlib

import pytest

from wasmcu import workloads
from wasmcu.errors import ConfigError

from conftest import bench_json

HELLO = '#include <stdio.h>\nint main(void) { printf("hello from wasi: %d\\n", 6 * 7); return 3; }\n'


def _command(root, entry="_start", sizes=(1,)):
    d = root / "hello"
    d.mkdir(parents=True)
    (root / "main.c").write_text(HELLO)
    subprocess.run(["clang-19", "--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-s", str(root / "main.c"), "-o",
                    str(d / "hello.wasm")], check=True)
    (d / "workload.toml").write_text(f'name = "hello"\nsizes = {list(sizes)}\nentry = "{entry}"\n[sources]\n'
                                     'wasm = "hello.wasm"\n')
    return d


def test_a_wasi_command_runs_under_wasmtime_and_v8_with_its_output_and_exit_code(tmp_path):
    _command(tmp_path)
    proc, cells = bench_json("--device", "host,pico", "--runtime", "wasmtime,v8-liftoff,wasm3", "--workload", "hello",
                             "--workload-dir", str(tmp_path), "--repeat", "2", "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 0, proc.stderr
    by = {(c["device"], c["runtime"]): c for c in cells}
    out = b"hello from wasi: 42\n"
    for runtime in ("wasmtime", "v8-liftoff"):
        ok = by[("host", runtime)]
        assert ok["status"] == "ok" and ok["verified_by"] == "reference:wasmtime", ok
        assert ok["checksum"] == zlib.crc32(out + (3).to_bytes(4, "little"))
        assert ok["extra"]["stdout"] == out.decode() and ok["extra"]["wasi_exit_code"] == 3
        assert ok["extra"]["stdout_bytes"] == len(out)
    for where in (("host", "wasm3"), ("pico", "wasm3")):  # wasmcu's own WASI layer (runtimes/wasi): the same result
        assert by[where]["status"] == "ok" and by[where]["checksum"] == by[("host", "wasmtime")]["checksum"], by[where]
        assert by[where]["extra"]["stdout"] == out.decode() and by[where]["extra"]["wasi_exit_code"] == 3


def test_a_wasi_module_called_as_a_kernel_is_refused_naming_the_import(tmp_path):
    d = _command(tmp_path, entry="run")
    with pytest.raises(ConfigError, match=r"imports wasi_snapshot_preview1\.\w+ \(a function\)"):
        workloads.load_workload(d)


def test_a_wasi_command_takes_no_size(tmp_path):
    d = _command(tmp_path, sizes=(1, 2))
    with pytest.raises(ConfigError, match=r"is a WASI command, which takes no size"):
        workloads.load_workload(d)
