"""WASI preview 1 under wasm3, WAMR and wasm2c, on the host and the emulated boards, through wasmcu's own
WASI layer (runtimes/wasi): a command and a reactor give the same output, exit code and digest as
wasmtime's WASI; an import the layer does not provide is refused before the module runs, naming it."""

import subprocess
import zlib

import pytest

from wasmcu import runtimes

from conftest import bench_json, wasmcu

HELLO = '#include <stdio.h>\nint main(void) { printf("hello from wasi: %d\\n", 6 * 7); return 3; }\n'
REACTOR = """\
#include <stdio.h>
static volatile int initial = 100; /* read at run time: the constructor is not folded away */
static int base;
__attribute__((constructor)) static void init(void) { base = initial; }
__attribute__((export_name("compute"))) int compute(int seed)
{
    printf("reactor: seed %d, base %d\\n", seed, base);
    fflush(stdout); /* a reactor never exits: nothing else flushes stdio */
    return base + (seed & 0xff);
}
"""
OPENS = '#include <stdio.h>\nint main(void) { return fopen("x", "r") != 0; }\n'
WAMR = [r for r in ("wamr-classic", "wamr-fast", "wamr-aot") if not runtimes.get(r).unavailable_reason()]


def _module(root, name, source, entry, *flags):
    d = root / name
    d.mkdir(parents=True)
    (d / "main.c").write_text(source)
    subprocess.run(["clang-19", "--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-s", *flags, str(d / "main.c"), "-o",
                    str(d / f"{name}.wasm")], check=True)
    (d / "workload.toml").write_text(f'name = "{name}"\nsizes = [1]\nentry = "{entry}"\n[sources]\n'
                                     f'wasm = "{name}.wasm"\n')
    return root


def _programs(root):
    _module(root, "hello", HELLO, "_start")
    _module(root, "react", REACTOR, "compute", "-mexec-model=reactor")
    return root


def _check(cells, runtimes_, devices):
    by = {(c["workload"], c["device"], c["runtime"]): c for c in cells}
    hello, react = b"hello from wasi: 42\n", b"reactor: seed 42, base 100\n"
    for device in devices:
        for rt in runtimes_:
            c = by[("hello", device, rt)]
            assert c["status"] == "ok" and c["verified_by"] == "reference:wasmtime", c
            assert c["checksum"] == zlib.crc32(hello + (3).to_bytes(4, "little")), c
            assert c["extra"]["stdout"] == hello.decode() and c["extra"]["wasi_exit_code"] == 3, c
            assert c["extra"]["stdout_bytes"] == len(hello), c
            r = by[("react", device, rt)]
            assert r["status"] == "ok", r
            assert r["checksum"] == zlib.crc32(react + (142).to_bytes(4, "little")), r
            assert r["extra"]["stdout"] == react.decode() and r["extra"]["wasi_exit_code"] == 142, r


def test_a_command_and_a_reactor_run_on_the_host_under_wasm3_and_wasm2c(tmp_path):
    root = _programs(tmp_path)
    names = ["wasm3", "wasm2c"]
    proc, cells = bench_json("--device", "host", "--runtime", ",".join(names), "--workload", "hello,react",
                             "--workload-dir", str(root), "--repeat", "2", "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 0, proc.stderr
    _check(cells, names, ["host"])
    report = wasmcu("report", "--db", str(tmp_path / "r.db"), "--out", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr
    md = (tmp_path / "report" / "report.md").read_text()  # the programs' output, in a section of their own
    assert "## WASI programs" in md and "| hello:1/wasm/wasm3/host | ok | 3 | 20 | hello from wasi: 42" in md, md


@pytest.mark.slow
def test_a_command_and_a_reactor_run_on_the_host_under_every_runtime(tmp_path):
    root = _programs(tmp_path)
    names = ["wasm3", "wasm2c", *WAMR, "wasmtime", "v8-liftoff"]
    proc, cells = bench_json("--device", "host", "--runtime", ",".join(names), "--workload", "hello,react",
                             "--workload-dir", str(root), "--repeat", "2", "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 0, proc.stderr
    _check(cells, names, ["host"])


@pytest.mark.qemu
def test_a_command_and_a_reactor_run_on_the_pico_under_wasm3_and_wasm2c(tmp_path):
    root = _programs(tmp_path)
    proc, cells = bench_json("--device", "pico", "--runtime", "wasm3,wasm2c", "--workload", "hello,react",
                             "--workload-dir", str(root), "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 0, proc.stderr
    _check(cells, ["wasm3", "wasm2c"], ["pico"])
    for c in cells:  # what the WASI layer takes, from the image's symbols: its code, and stdout's 1 KB kept
        assert 0 < c["extra"]["wasi_layer_flash_bytes"] < 4096 and c["extra"]["wasi_binding_flash_bytes"] > 0, c
        assert 1024 <= c["extra"]["wasi_layer_ram_bytes"] < 1200, c
        assert c["extra"]["wasi_flash_bytes"] == c["extra"]["wasi_layer_flash_bytes"] + \
            c["extra"]["wasi_binding_flash_bytes"]


def _classic_is_m0_safe() -> bool:
    """Whether the configured WAMR classic for ARMv6-M has wasmcu's aligned i64/f64 stores
    (`wasmcu wamr build` gives it; an older build faults on an unaligned i64 store)."""
    from wasmcu.runtimes.wamr.builds import firmware_build, has_aligned_stores

    return has_aligned_stores(firmware_build("armv6m", "classic").library)


@pytest.mark.slow
@pytest.mark.qemu
def test_a_command_and_a_reactor_run_on_every_board_under_every_runtime(tmp_path):
    """wasi-libc's printf stores i64s at unaligned addresses: WAMR's classic interpreter runs it
    on the Cortex-M0+ only when built with the aligned stores."""
    root = _programs(tmp_path)
    safe = "wamr-classic" in WAMR and _classic_is_m0_safe()
    names = ["wasm3", "wasm2c", *[r for r in WAMR if r != "wamr-classic" or safe]]
    proc, cells = bench_json("--device", "pico,esp32c6,nrf5340", "--runtime", ",".join(names), "--workload",
                             "hello,react", "--workload-dir", str(root), "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 0, proc.stderr
    _check(cells, names, ["pico", "esp32c6", "nrf5340"])
    if "wamr-classic" in WAMR and not safe:
        proc, cells = bench_json("--device", "esp32c6,nrf5340", "--runtime", "wamr-classic", "--workload",
                                 "hello,react", "--workload-dir", str(root), "--db", str(tmp_path / "r.db"))
        assert proc.returncode == 0, proc.stderr
        _check(cells, ["wamr-classic"], ["esp32c6", "nrf5340"])


@pytest.mark.qemu
def test_an_import_the_layer_does_not_provide_is_refused_naming_it(tmp_path):
    _module(tmp_path, "opens", OPENS, "_start")
    proc, cells = bench_json("--device", "host,pico", "--runtime", "wasm3,wasm2c", "--workload", "opens",
                             "--workload-dir", str(tmp_path), "--db", str(tmp_path / "r.db"))
    assert proc.returncode == 1
    for c in cells:
        assert c["status"] == "error" and c["error_kind"] == "wasi-unprovided", c
        assert "wasi_snapshot_preview1.path_open" in c["error"] and "not provided on this device" in c["error"], c


def test_the_output_record_of_a_long_output_keeps_its_first_kilobyte_and_says_so():
    from wasmcu.protocol import parse
    from wasmcu.runtimes.wasi import output_from_report

    text = b"x" * 1024
    report = parse(f"@wasmcu wasi_exit=-1 stdout_bytes=3000 stderr_bytes=4 stdout_hex={text.hex()}\n@wasmcu end=1\n")
    out = output_from_report(report)
    assert out["wasi_exit_code"] == -1 and out["stdout_bytes"] == 3000 and out["stderr_bytes"] == 4
    assert out["stdout"] == text.decode() and out["stdout_truncated_at"] == 1024 and out["stdout_sha256"] is None
    whole = output_from_report(parse("@wasmcu wasi_exit=0 stdout_bytes=2 stderr_bytes=0 stdout_hex=6869\n@wasmcu end=1\n"))
    assert whole["stdout"] == "hi" and "stdout_truncated_at" not in whole and whole["stdout_sha256"] is not None
