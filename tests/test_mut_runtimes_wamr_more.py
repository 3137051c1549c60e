"""WAMR's board parts, containment call, versioned runtimes and doctor lines, checked in-process with
stand-in libraries and a config file of the test's own."""

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from wasmcu import devices, tools
from wasmcu.errors import RuntimeUnavailable
from wasmcu.runtimes import wamr as wamr_rt
from wasmcu.runtimes.base import HostJob
from wasmcu.runtimes.wamr import builds, contain

from test_mut_runtimes_wamr import AOT, CLASSIC, FAST, cfg, fake_build, needs_cc  # noqa: F401


class _Device:
    def __init__(self, arch, tables=None):
        self.arch, self.tables = arch, tables or {}

    def section(self, name):
        return self.tables if name == "runtimes" else {}


def test_firmware_parts_link_the_module_or_its_aot_file_with_the_board_library(tmp_path, monkeypatch):
    from wasmcu.toolchains import wasm as wasm_tc

    lib = builds.WamrBuild(tmp_path, tmp_path / "libiwasm.a", tmp_path / "include", "classic", False)
    asked = []
    monkeypatch.setattr(wamr_rt, "firmware_build", lambda arch, kind, version=None: asked.append((arch, kind, version))
                        or lib)
    monkeypatch.setattr(wasm_tc, "build_wasm", lambda kernel: SimpleNamespace(c_array=Path("/m/module_wasm.c"),
                                                                            wasm=Path("/m/module.wasm")))
    aots = []
    monkeypatch.setattr(wamr_rt, "compile_aot", lambda w, a=None, v=None: aots.append((w, a, v)) or Path("/a/m.aot"))
    monkeypatch.setattr(wamr_rt, "aot_c_array", lambda aot: Path(str(aot) + ".c"))
    device = _Device("armv6m", {"wamr-classic": {"pool_bytes": 65536}})
    objects, includes, defines = wamr_rt.WamrClassic().firmware_parts("k", device, None, "-O2")
    assert objects == [Path("/m/module_wasm.c"), tmp_path / "libiwasm.a"] and includes == [tmp_path / "include"]
    assert defines == ['-DWASMCU_WAMR_KIND="wamr-classic"', "-DWASMCU_WAMR_POOL=65536", "-DWASMCU_WAMR_STACK=4096"]
    assert aots == []
    rt = wamr_rt.WamrAot()
    rt.version = "2.4.3"
    objects, _, defines = rt.firmware_parts("k", _Device("rv32imac"), None, "-O2")
    assert objects == [Path("/a/m.aot.c"), tmp_path / "libiwasm.a"]
    assert defines[0] == '-DWASMCU_WAMR_KIND="wamr-aot"' and "-DWASMCU_WAMR_POOL=32768" in defines
    assert aots == [(Path("/m/module.wasm"), "rv32imac", "2.4.3")]
    assert asked == [("armv6m", "classic", None), ("rv32imac", "aot", "2.4.3")]


def test_contain_runs_the_containment_program_of_the_runtimes_build(tmp_path, monkeypatch):
    b = builds.WamrBuild(tmp_path, tmp_path / "libiwasm.a", tmp_path / "include", "fast", True)
    kinds, seen = [], []
    monkeypatch.setattr(wamr_rt, "host_build", lambda kind, version=None: kinds.append((kind, version)) or b)
    monkeypatch.setattr(contain, "contain", lambda build, art, seed, watchdog: seen.append((build, art, seed, watchdog))
                        or {"second_call": "ok"})
    job = HostJob(runtime="wamr-fast", artifact="/k/m.wasm", seed=9, watchdog_s=0.3)
    assert wamr_rt.WamrFast().contain(job) == {"second_call": "ok"}
    wamr_rt.WamrClassic().contain(HostJob(runtime="wamr-classic", artifact="/k/n.wasm", seed=2))
    assert seen == [(b, "/k/m.wasm", 9, 0.3), (b, "/k/n.wasm", 2, 1.0)]
    assert kinds == [("fast", None), ("classic", None)]


def test_each_registered_wamr_version_is_three_runtimes(tmp_path, cfg):
    cfg(f'[wamr.versions."2.4.3"]\nclassic = "{tmp_path}"\n[wamr.versions."9.9"]\nfast = "{tmp_path}"\n'
        '[wamr.versions.broken]\n')
    rts = wamr_rt._versioned()
    assert [r.name for r in rts] == [f"wamr-{k}@{v}" for v in ("2.4.3", "9.9", "broken")
                                     for k in ("classic", "fast", "aot")]
    assert [r.version for r in rts[:3]] == ["2.4.3"] * 3 and all(r.default is False for r in rts)
    assert [r.kind for r in rts[:3]] == ["classic", "fast", "aot"] and rts[2].mode == "aot"
    assert rts[0].summary == "WAMR's classic interpreter, WAMR 2.4.3 (`wasmcu wamr build`)"
    assert rts[5].summary == "WAMR ahead-of-time: wamrc compiles, iwasm runs, WAMR 9.9 (`wasmcu wamr build`)"
    # the classes keep their own names and defaults
    assert wamr_rt.WamrClassic.name == "wamr-classic" and wamr_rt.WamrClassic.version is None
    assert wamr_rt.WamrAot.default == ("host", "qemu")


@needs_cc
def test_doctor_lines_say_what_is_configured_and_what_is_not(tmp_path, cfg, monkeypatch):
    classic = fake_build(tmp_path / "d" / "host-classic", CLASSIC,
                         identity={"version": "2.4.5", "source_sha256": "s", "source": "/t"})
    fast = fake_build(tmp_path / "loose" / "host-fast", FAST + AOT)
    old_board = fake_build(tmp_path / "d" / "armv6m-classic", CLASSIC)
    new_board = fake_build(tmp_path / "d" / "armv8m-classic", [*CLASSIC, "wasmcu_store_unaligned_u64"])
    fast_board = fake_build(tmp_path / "d" / "armv6m-fast", FAST)
    cfg(f'[wamr]\nclassic = "{classic}"\nfast = "{fast}"\n'
        f'[wamr.firmware]\n"armv6m-classic" = "{old_board}"\n"armv6m-fast" = "{fast_board}"\n'
        f'"armv8m-classic" = "{new_board}"\n'
        f'[wamr.versions."9.9"]\nclassic = "{classic}"\n')
    monkeypatch.setattr(devices, "arch_names", lambda: ["armv6m", "armv8m"])
    bindir = tmp_path / "bin"  # nm only: no wamrc, no iwasm on PATH
    bindir.mkdir()
    (bindir / "nm").symlink_to(shutil.which("nm"))
    monkeypatch.setenv("PATH", str(bindir))
    lines = wamr_rt.WamrClassic().doctor_lines()
    by = {line.split(": ", 1)[0]: line.split(": ", 1)[1] for line in lines}
    assert list(by) == ["WAMR host (classic)", "WAMR host (fast)", "WAMR host (aot)",
                        "WAMR 9.9 host (classic, wamr-classic@9.9)", "WAMR 9.9 host (fast, wamr-fast@9.9)",
                        "WAMR 9.9 host (aot, wamr-aot@9.9)", "wamrc",
                        "WAMR for armv6m (classic)", "WAMR for armv6m (fast)", "WAMR for armv6m (aot)",
                        "WAMR for armv8m (classic)", "WAMR for armv8m (fast)", "WAMR for armv8m (aot)"]
    assert by["WAMR host (classic)"] == f"[green]{classic} (classic interpreter; WAMR 2.4.5)[/]"
    assert by["WAMR host (fast)"] == f"[green]{fast} (fast interpreter, AOT; WAMR of unknown version)[/]"
    assert by["WAMR host (aot)"].startswith("[yellow]not configured[/]: no WAMR build found for wamr-aot")
    assert by["WAMR 9.9 host (classic, wamr-classic@9.9)"].startswith(f"[green]{classic} (")
    assert by["WAMR 9.9 host (fast, wamr-fast@9.9)"].startswith("[yellow]not configured[/]: no WAMR 9.9 host build")
    assert by["wamrc"].startswith("[yellow]not configured[/]: wamrc (WAMR's AOT compiler) was not found")
    # the Cortex-M0+ library predates the aligned stores: say how to rebuild it
    assert by["WAMR for armv6m (classic)"] == (
        f"[green]{old_board / 'libiwasm.a'} (built without wasmcu's aligned i64/f64 stores: a module storing an "
        "i64 at an unaligned address faults; rebuild it with `wasmcu wamr build PATH --only armv6m-classic`)[/]")
    assert by["WAMR for armv6m (fast)"] == f"[green]{fast_board / 'libiwasm.a'}[/]"
    assert by["WAMR for armv8m (classic)"] == f"[green]{new_board / 'libiwasm.a'}[/]"
    assert by["WAMR for armv8m (fast)"].startswith("[yellow]not configured[/]: no WAMR library for armv8m")


@needs_cc
def test_the_aligned_note_is_for_classic_builds_of_cores_that_need_it(tmp_path):
    old = builds.WamrBuild(tmp_path, fake_build(tmp_path / "o", CLASSIC) / "libiwasm.a", tmp_path, "classic", False)
    assert "--only armv6m-classic" in wamr_rt._aligned_note("armv6m", "classic", old)
    assert wamr_rt._aligned_note("armv6m", "fast", old) == ""
    assert wamr_rt._aligned_note("armv8m", "classic", old) == ""  # its core handles unaligned access
    new = builds.WamrBuild(tmp_path, fake_build(tmp_path / "n", [*CLASSIC, "wasmcu_store_unaligned_u64"]) /
                           "libiwasm.a", tmp_path, "classic", False)
    assert wamr_rt._aligned_note("armv6m", "classic", new) == ""


def test_wamrc_version_is_asked_of_the_configured_compiler(tmp_path, cfg, monkeypatch):
    wamrc = tmp_path / "wamrc"
    wamrc.write_text("#!/bin/sh\necho 'wamrc 2.4.5'\n")
    wamrc.chmod(0o755)
    cfg(f'[wamr]\nwamrc = "{wamrc}"\n')
    assert builds.wamrc() == str(wamrc) and tools.version(str(wamrc)) == "wamrc 2.4.5"
    with pytest.raises(RuntimeUnavailable):
        builds.wamrc("7.7")
