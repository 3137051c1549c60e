"""What wasmcu builds does not depend on where the workload (or wasmcu, or its cache) lies: the
compilers write those folders under fixed names (wasmcu.toolchains.prefix_map)."""

import hashlib
import shutil

from wasmcu import workloads
from wasmcu.toolchains.prefix_map import path_maps
from wasmcu.toolchains.wasm import build_wasm
from wasmcu.workloads.kernel_source import kernel_source

SOURCE = workloads.discover()["quicksort"].directory  # its Rust kernel can panic: a bounds check names its file


def _copies(tmp_path):
    """The same workload in two folders whose paths differ in length."""
    out = []
    for folder in ("a", "a-much-longer-folder-name"):
        d = tmp_path / folder / "quicksort"
        shutil.copytree(SOURCE, d)
        out.append(workloads.discover([d.parent])["quicksort"])
    return out


def test_a_rust_module_is_the_same_bytes_wherever_the_workload_and_the_cache_lie(tmp_path, monkeypatch):
    """Built twice from scratch (a cache each, at paths of different lengths): one module."""
    wasm = []
    for w, cache in zip(_copies(tmp_path), ("c", "a-much-longer-cache-name")):
        monkeypatch.setenv("WASMCU_CACHE", str(tmp_path / cache))
        wasm.append(build_wasm(kernel_source(w, 64, "rust")).wasm.read_bytes())
    assert b"quicksort/kernel.rs" in wasm[0] and str(tmp_path).encode() not in wasm[0]
    assert hashlib.sha256(wasm[0]).hexdigest() == hashlib.sha256(wasm[1]).hexdigest()


def test_the_maps_name_the_broad_folders_first_and_the_workload_by_its_name(tmp_path):
    flags = path_maps((tmp_path / "w", "crc16"))
    assert [f.split("=")[-1] for f in flags] == ["cache", "wasmcu", "crc16"]  # GCC and rustc: the last match wins
    assert flags[-1] == f"-ffile-prefix-map={(tmp_path / 'w').resolve()}=crc16"
    rust = path_maps((tmp_path / "w", "crc16"), rust=True)
    assert rust[-2:] == ["--remap-path-prefix", f"{(tmp_path / 'w').resolve()}=crc16"]
