"""More of the runtimes' lookups checked in-process: a versioned WAMR runtime's containment build and
AOT compiler, the AOT C array, a build by hand's CMake cache, a registered wasm3 build found by
version, and the Rust crate root's allocator lines."""

import json
import subprocess
from pathlib import Path

import pytest

from wasmcu import tools
from wasmcu.runtimes import wamr as wamr_rt
from wasmcu.runtimes.base import HostJob
from wasmcu.runtimes.wamr import builds, contain
from wasmcu.runtimes.wasm3 import builds as w3builds

from test_mut_runtimes_wamr import cfg  # noqa: F401
from test_mut_runtimes_wasm3_builds import build_dir


def test_a_versioned_runtime_contains_in_its_own_versions_build(tmp_path, monkeypatch):
    b = builds.WamrBuild(tmp_path, tmp_path / "libiwasm.a", tmp_path / "include", "classic", False)
    asked = []
    monkeypatch.setattr(wamr_rt, "host_build", lambda kind, version=None: asked.append((kind, version)) or b)
    monkeypatch.setattr(contain, "contain", lambda build, art, seed, watchdog: {"ok": build is b})
    rt = wamr_rt.WamrClassic()
    rt.version = "2.4.3"
    assert rt.contain(HostJob(runtime="wamr-classic@2.4.3", artifact="/k/m.wasm")) == {"ok": True}
    assert asked == [("classic", "2.4.3")]


def test_compile_aot_uses_the_versions_wamrc_and_the_c_array_follows_the_aot_file(tmp_path, cfg, monkeypatch):
    wamrcs = {}
    for v in ("default", "2.4.3"):
        p = tmp_path / f"wamrc-{v}"
        p.write_text(f'#!/bin/sh\n[ "$1" = --version ] && {{ echo "wamrc {v}"; exit 0; }}\n'
                     f'while [ $# -gt 2 ]; do shift; done\necho "{v}" > "$1"\n')
        p.chmod(0o755)
        wamrcs[v] = p
    cfg(f'[wamr]\nwamrc = "{wamrcs["default"]}"\n[wamr.versions."2.4.3"]\nwamrc = "{wamrcs["2.4.3"]}"\n')
    wasm = tmp_path / "m.wasm"
    wasm.write_bytes(b"\0asm")
    assert builds.compile_aot(wasm).read_text() == "default\n"
    assert builds.compile_aot(wasm, None, "2.4.3").read_text() == "2.4.3\n"
    one, two = tmp_path / "one.aot", tmp_path / "two.aot"
    one.write_bytes(b"\x01\x02\x03")
    two.write_bytes(b"\x04\x05")
    a1, a2 = builds.aot_c_array(one), builds.aot_c_array(two)
    assert a1 != a2 and a1.name == a2.name == "module_aot.c"
    assert json.loads((a1.parent / "meta.json").read_text()) == {"aot_bytes": 3}
    assert json.loads((a2.parent / "meta.json").read_text()) == {"aot_bytes": 2}


def test_a_cmake_cache_that_is_not_utf8_is_still_read(tmp_path):
    tree = tmp_path / "wamr"
    (tree / "core" / "iwasm" / "include").mkdir(parents=True)
    (tree / "core" / "iwasm" / "include" / "wasm_export.h").write_text("")
    build = tmp_path / "build"
    build.mkdir()
    (build / "CMakeCache.txt").write_bytes(b"X:STRING=caf\xe9\nCMAKE_HOME_DIRECTORY:INTERNAL=" +
                                           str(tree).encode() + b"\n")
    assert builds._wamr_source(build) == tree


def test_find_opens_the_configured_build_of_a_version(tmp_path, monkeypatch):
    d = build_dir(tmp_path / "w3")
    cfg_file = tmp_path / "config.toml"
    cfg_file.write_text(f'[wasm3.builds]\n"0.9.1" = "{d}"\n')
    monkeypatch.setenv("WASMCU_CONFIG", str(cfg_file))
    b = w3builds.find("0.9.1")
    assert (b.version, b.directory, b.origin) == ("0.9.1", d, f'[wasm3.builds] "0.9.1" = "{d}" in {cfg_file}')


def test_the_wasm3_host_program_is_the_file_the_compiler_wrote(tmp_path, monkeypatch):
    monkeypatch.setenv("WASMCU_CACHE", str(tmp_path / "cache"))

    def run(cmd, **kw):
        Path(cmd[cmd.index("-o") + 1]).write_text("program")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(tools, "run", run)
    monkeypatch.setattr(tools, "require", lambda tool: "/usr/bin/cc-x")
    monkeypatch.setattr(tools, "version", lambda p: "cc 1")
    exe = w3builds.harness(w3builds.open_build(build_dir(tmp_path / "b"), "0.9.1"))
    assert exe.read_text() == "program"


def test_the_crate_roots_allocator_lines(tmp_path):
    from wasmcu.toolchains import rust

    k = tmp_path / "k.rs"
    k.write_text("extern crate alloc;\npub fn run(seed: u32) -> u32 { seed }\n")
    lines = rust.crate_root(k, 3, oom_body="loop {}").splitlines()
    assert "static WASMCU_HEAP: wasmcu_alloc::Heap = wasmcu_alloc::Heap;" in lines
    assert lines[lines.index("#[alloc_error_handler]") + 1].startswith("fn wasmcu_oom(")
    assert rust.rustc_minor("rustc 1.63.0 (debian)") == 63 and rust.rustc_minor("cargo 1.70") == 0
    assert rust.needs_oom_handler("rustc 1.67.1") and not rust.needs_oom_handler("rustc 1.68.0")


def _ep(name, value, load, dist=None):
    from types import SimpleNamespace

    return SimpleNamespace(name=name, value=value, load=load, dist=SimpleNamespace(name=dist) if dist else None)


def test_entry_points_are_named_by_their_package_when_it_has_one(monkeypatch):
    import importlib.metadata

    from wasmcu.errors import ConfigError
    from wasmcu.runtimes.base import Runtime
    from wasmcu.runtimes.registry import Registry

    a = type("A", (Runtime,), {"name": "ep-a", "mode": "jit"})
    b = type("B", (Runtime,), {"name": "ep-b", "mode": "jit"})
    eps = [_ep("ep-a", "pkg_a:A", lambda: a), _ep("ep-b", "pkg_b:B", lambda: b, dist="pkg-b"),
           _ep("ep-b", "pkg_b:B", lambda: b, dist="pkg-b")]  # the same distribution twice on sys.path
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group=None: eps)
    reg = Registry()
    assert list(reg) == ["ep-a", "ep-b"]
    assert reg.origin("ep-a") == "entry point ep-a = pkg_a:A (group wasmcu.runtimes)"
    assert reg.origin("ep-b") == "entry point ep-b = pkg_b:B (group wasmcu.runtimes, package pkg-b)"

    def broken():
        raise ImportError("no module named pkg_c")

    eps[:] = [_ep("ep-c", "pkg_c:C", broken)]
    with pytest.raises(ConfigError) as exc:
        list(Registry())
    assert str(exc.value).startswith("entry point ep-c = pkg_c:C (group wasmcu.runtimes): cannot be loaded: "
                                     "ImportError: no module named pkg_c")
    assert exc.value.expected == "an importable module:attribute naming a Runtime subclass"


def test_a_relative_glue_path_says_what_was_expected():
    from wasmcu.errors import ConfigError
    from wasmcu.runtimes.base import Runtime
    from wasmcu.runtimes.registry import Registry

    rt = type("G", (Runtime,), {"name": "g", "mode": "jit", "where": ("firmware",), "firmware_glue": "glue.c"})()
    with pytest.raises(ConfigError) as exc:
        Registry().add(rt, "pkg")
    assert exc.value.expected == "the path of the glue C file, e.g. Path(__file__).with_name('glue.c')"
