"""The kernel build as data: one record per cell, worked out from the workload once and handed
down; the toolchains and the runtimes' build hooks read the record, never the workload."""

import ast
import inspect

import pytest

from wasmcu import runtimes, workloads
from wasmcu.workloads.kernel_source import KernelSource, kernel_source

from conftest import ROOT
from test_projects import host_run, make_project, wasm3_run


def test_the_record_carries_everything_the_build_reads(tmp_path):
    wl = workloads.load_workload(make_project(tmp_path, entry="bench_main"))
    k = kernel_source(wl, 50, "c")
    assert (k.workload, k.lang, k.n, k.entry) == (wl.name, "c", 50, "bench_main")
    assert k.files == tuple(wl.source_files("c")) and k.root == wl.source_files("c")[0]
    assert k.directory == wl.directory and k.include_dirs == tuple(wl.build.include_dirs)
    assert dict(k.defines) == {"SCALE": "3"}
    assert (k.memory_bytes, k.shadow_stack_bytes, k.host_baseline) == (65536, 4096, "o2")
    # the C compile's project flags and the [build] table of the cache key are the workload's own
    assert list(k.c_flags) == wl.build.c_flags("c")
    assert k.build_table == wl.build.as_dict()


@pytest.mark.slow
def test_a_project_built_from_its_record_agrees_on_the_host_and_in_wasm(tmp_path, monkeypatch):
    from wasmcu.toolchains.host import build_native
    from wasmcu.toolchains.wasm import build_wasm

    monkeypatch.setenv("WASMCU_CACHE", str(tmp_path / "cache"))
    wl = workloads.load_workload(make_project(tmp_path / "p"))
    k = kernel_source(wl, 50, "c")
    assert host_run(build_native(k)) == wl.expected(50) == wasm3_run(build_wasm(k).wasm)


def test_the_toolchains_never_ask_the_workload():
    """No toolchain module imports the Workload or reads a workload's attributes."""
    for path in sorted((ROOT / "src" / "wasmcu" / "toolchains").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and "workloads" in node.module:
                assert all(a.name != "Workload" for a in node.names), path.name
            if isinstance(node, ast.arg):
                assert node.arg != "workload", f"{path.name}: a function takes a workload"
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                assert node.value.id != "workload", f"{path.name}: reads workload.{node.attr}"


def test_every_runtime_builds_from_the_record():
    for rt in runtimes.RUNTIMES.values():
        assert list(inspect.signature(rt.prepare).parameters) == ["kernel"], rt.name
        if "firmware" in rt.where:
            assert list(inspect.signature(rt.firmware_parts).parameters) == ["kernel", "device", "arch", "opt"], \
                rt.name
    assert KernelSource.__dataclass_params__.frozen  # handed down as data: nobody below changes it
    # plain values: reading the record runs no code of the workloads' layer (no methods, no properties)
    assert [name for name, v in vars(KernelSource).items()
            if not name.startswith("__") and (callable(v) or isinstance(v, property))] == []
