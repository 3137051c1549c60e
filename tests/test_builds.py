import pytest

from wasmcu import workloads
from wasmcu.errors import ToolMissing
from wasmcu.toolchains import cache, host, wasm
from wasmcu.workloads.kernel_source import kernel_source


@pytest.fixture(scope="module")
def wl():
    return workloads.discover()


@pytest.mark.parametrize("lang", ["c", "rust"])
def test_wasm_module_has_run_export_no_imports_and_one_page(wl, lang):
    m = wasm.build_wasm(kernel_source(wl["crc16"], 16, lang))
    wat = m.wat.read_text()
    assert '(export "run" (func' in wat
    assert "(import" not in wat
    assert wasm.memory_pages(m.wasm.read_bytes()) == 1
    c = m.c_array.read_text()
    assert "wasmcu_module[]" in c and f"wasmcu_module_len = {m.wasm.stat().st_size};" in c
    assert m.meta["flags"]
    if lang == "c":  # no panic paths in C: an `unreachable` would be a trap the kernel never meant
        assert m.meta["unreachable_in_wat"] == 0


def test_c_array_round_trips():
    data = bytes(range(256)) * 3
    src = wasm.c_array_source(data)
    body = src.split("{", 1)[1].split("}", 1)[0]
    assert bytes(int(t, 16) for t in body.replace("\n", "").split(",") if t.strip()) == data


def test_warm_build_rebuilds_nothing(wl, monkeypatch, tmp_path):
    monkeypatch.setenv("WASMCU_CACHE", str(tmp_path))
    wasm.build_wasm(kernel_source(wl["crc16"], 5, "c"))
    host.build_native(kernel_source(wl["crc16"], 5, "c"))
    before = dict(cache.STATS)
    a = wasm.build_wasm(kernel_source(wl["crc16"], 5, "c"))
    b = host.build_native(kernel_source(wl["crc16"], 5, "c"))
    assert cache.STATS["builds"] == before["builds"] and cache.STATS["hits"] == before["hits"] + 2
    assert a.wasm.is_file() and b.is_file()
    # a different size is a different artifact
    assert wasm.build_wasm(kernel_source(wl["crc16"], 6, "c")).directory != a.directory


def test_memory_pages_reader():
    assert wasm.memory_pages(b"\0asm\x01\0\0\0") is None
    with pytest.raises(ValueError, match="not a WebAssembly"):
        wasm.memory_pages(b"hello world")
    with pytest.raises(ValueError, match="truncated"):
        wasm.memory_pages(b"\0asm\x01\0\0\0\x05\x10\x01")


def test_missing_compiler_names_the_package(wl, monkeypatch, tmp_path):
    monkeypatch.setenv("WASMCU_CACHE", str(tmp_path))
    monkeypatch.setenv("WASMCU_CLANG", "/nonexistent/clang-19")
    with pytest.raises(ToolMissing, match="apt-get install clang-19"):
        wasm.build_wasm(kernel_source(wl["crc16"], 9, "c"))


def test_native_library_returns_oracle_value(wl):
    import ctypes

    for lang in ("c", "rust"):
        lib = ctypes.CDLL(str(host.build_native(kernel_source(wl["bubblesort"], 50, lang))))
        lib.run.restype = ctypes.c_uint32
        lib.run.argtypes = [ctypes.c_uint32]
        assert lib.run(42) == wl["bubblesort"].expected(50, seed=42)
        assert lib.run(7) == wl["bubblesort"].expected(50, seed=7)


@pytest.mark.parametrize("name, n", [("bubblesort", 8), ("crc16", 1), ("bubblesort", 100), ("crc16", 100)])
@pytest.mark.parametrize("lang", ["c", "rust"])
def test_no_binary_holds_the_checksum_as_a_constant(wl, name, n, lang):
    """The seed arrives at run time, so no optimiser can fold a kernel into its result
    (with the seed fixed at compile time, clang and rustc did so for these small sizes)."""
    import re
    import struct

    expected = wl[name].expected(n)
    native = host.build_native(kernel_source(wl[name], n, lang)).read_bytes()
    assert struct.pack("<I", expected) not in native
    wat = wasm.build_wasm(kernel_source(wl[name], n, lang)).wat.read_text()
    signed = expected - (1 << 32) if expected >= 1 << 31 else expected
    assert not re.search(rf"i32\.const {signed}\b", wat)


def test_one_rustc_builds_the_sysroot_and_the_board_kernels(wl, tmp_path, monkeypatch):
    """WASMCU_RUSTC (or the rustc found) builds both: a kernel is never built by another rustc."""
    import stat

    from wasmcu.errors import BuildError
    from wasmcu.toolchains import mcu

    wrapper = tmp_path / "my-rustc"
    wrapper.write_text("#!/bin/sh\nexec /usr/bin/rustc \"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("WASMCU_RUSTC", str(wrapper))
    monkeypatch.setenv("WASMCU_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(mcu, "rust_sysroot", lambda arch: tmp_path / "sysroot")  # built by tools.require("rustc")
    used = []

    def run(cmd, **kw):
        used.append(cmd[0])
        raise BuildError("stopped by the test")

    monkeypatch.setattr(mcu.tools, "run", run)
    with pytest.raises(BuildError, match="stopped by the test"):
        mcu.kernel_object(kernel_source(wl["crc16"], 4, "rust"), mcu.ARCHES["armv6m"], "-O2")
    assert used == [str(wrapper)]


def test_wasm3_sources_come_from_the_set_up_without_network(tmp_path, monkeypatch):
    """The set-up fetched pywasm3's source distribution: a firmware build needs no download."""
    import subprocess

    from wasmcu.runtimes.wasm3 import firmware

    if not list(firmware.SDIST_DIR.glob("pywasm3-*.tar.gz")):
        pytest.skip(f"no pywasm3 source distribution in {firmware.SDIST_DIR}: run scripts/setup.sh")
    monkeypatch.setenv("WASMCU_CACHE", str(tmp_path / "cache"))
    real = subprocess.run

    def no_pip(cmd, *a, **kw):
        assert "pip" not in cmd, "a firmware build tried to download"
        return real(cmd, *a, **kw)

    monkeypatch.setattr(firmware.subprocess, "run", no_pip)
    src = firmware.sources()
    assert (src / "wasm3.h").is_file() and (src / "m3_compile.c").is_file()
