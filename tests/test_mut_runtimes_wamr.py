"""WAMR's runtimes, builds and host programs, checked in-process without a WAMR: stand-in
libraries (small archives of the symbols wasmcu reads a build by), a config file of one's own,
and the compiler and the host programs replaced by recorders."""

import json
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from wasmcu import tools
from wasmcu.errors import CellError, RuntimeUnavailable
from wasmcu.runtimes import wamr as wamr_rt
from wasmcu.runtimes.base import HostJob
from wasmcu.runtimes.wamr import builds, contain

CLASSIC = ["wasm_interp_call_func_bytecode"]
FAST = ["wasm_interp_call_func_bytecode", "wasm_interp_get_handle_table"]
AOT = ["aot_load_from_aot_file", "aot_instantiate"]
ALL_KINDS = ("CLASSIC", "FAST", "AOT")

CC, AR = shutil.which("cc") or "cc", shutil.which("ar") or "ar"  # found once: a test may narrow PATH
needs_cc = pytest.mark.skipif(not (shutil.which("cc") and shutil.which("ar") and shutil.which("nm")),
                              reason="needs cc, ar and nm")


def fake_build(d: Path, symbols, *, name="libiwasm.a", headers=True, identity=None) -> Path:
    """A build directory whose library defines `symbols` (functions), with include/wasm_export.h."""
    d.mkdir(parents=True, exist_ok=True)
    src = d / "syms.c"
    src.write_text("".join(f"void {s}(void) {{}}\n" for s in symbols) or "int wasmcu_nothing;\n")
    subprocess.run([CC, "-c", str(src), "-o", str(d / "syms.o")], check=True)
    if name.endswith(".a"):
        subprocess.run([AR, "rcs", str(d / name), str(d / "syms.o")], check=True)
    else:
        shutil.copyfile(d / "syms.o", d / name)
    if headers:
        (d / "include").mkdir(exist_ok=True)
        (d / "include" / "wasm_export.h").write_text("/* stand-in */\n")
    if identity is not None:
        (d.parent / "wasmcu-build.json").write_text(json.dumps(identity))
    return d


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    """A config file of the test's own (written by the returned function), no WAMR in the environment."""
    for k in ALL_KINDS:
        monkeypatch.delenv(f"WASMCU_WAMR_{k}", raising=False)
        for a in ("ARMV6M", "ARMV8M", "RV32IMAC"):
            monkeypatch.delenv(f"WASMCU_WAMR_FIRMWARE_{a}_{k}", raising=False)
    monkeypatch.delenv("WASMCU_WAMRC", raising=False)
    path = tmp_path / "config.toml"
    monkeypatch.setenv("WASMCU_CONFIG", str(path))
    monkeypatch.setenv("WASMCU_CACHE", str(tmp_path / "cache"))

    def write(text: str) -> Path:
        path.write_text(text)
        return path

    write("")
    return write


# --- builds.py: what a build is, read from its symbols -------------------------------------------

@needs_cc
@pytest.mark.parametrize("symbols, expected", [
    (CLASSIC, ("classic", False)),
    (["wasm_interp_call_wasm"], ("classic", False)),  # either entry point marks an interpreter
    (["wasm_interp_call_wasm", "wasm_interp_get_handle_table"], ("fast", False)),
    (FAST + AOT, ("fast", True)),
    (["aot_instantiate"], (None, True)),
    (["aot_load_from_aot_file"], (None, True)),
    (["aot_instantiate_x", "my_aot_load_from_aot_file"], (None, False)),  # whole names only
    (["wasm_interp_get_handle_table"], (None, False)),  # a handle table alone is no interpreter
    ([], (None, False)),
])
def test_identify_reads_the_interpreter_and_aot_from_the_symbols(tmp_path, symbols, expected):
    b = fake_build(tmp_path / "b", symbols)
    assert builds.identify(b / "libiwasm.a") == expected
    one = fake_build(tmp_path / "obj", symbols, name="iwasm")  # an executable or object: not an archive
    assert builds.identify(one / "iwasm") == expected


@needs_cc
def test_aligned_stores_are_read_from_the_library(tmp_path):
    with_ = fake_build(tmp_path / "a", [*CLASSIC, "wasmcu_store_unaligned_u64"])
    without = fake_build(tmp_path / "b", CLASSIC)
    assert builds.has_aligned_stores(with_ / "libiwasm.a") is True
    assert builds.has_aligned_stores(str(without / "libiwasm.a")) is False


def test_describe_names_the_interpreter_and_aot():
    b = builds.WamrBuild(Path("d"), Path("l"), Path("i"), None, True)
    assert b.describe() == "no interpreter, AOT"
    assert builds.WamrBuild(Path("d"), Path("l"), Path("i"), "fast", False).describe() == "fast interpreter"
    assert builds.WamrBuild(Path("d"), Path("l"), Path("i"), "classic", True).describe() == "classic interpreter, AOT"
    assert builds.WamrBuild(Path("d"), Path("l"), Path("i"), None, False).describe() == "no interpreter"


@needs_cc
def test_build_identity_from_the_record_beside_the_builds(tmp_path):
    b = fake_build(tmp_path / "out" / "host-classic", CLASSIC,
                   identity={"version": "2.4.5", "source_sha256": "abc", "source": "/src/wamr"})
    build = builds.open_build(str(b))
    assert builds.build_identity(build) == {"version": "2.4.5", "source_sha256": "abc",
                                            "from": f"/src/wamr (built into {b})"}


def _wamr_tree(root: Path, version=(2, 4, 5)) -> Path:
    (root / "core" / "iwasm" / "include").mkdir(parents=True)
    (root / "core" / "iwasm" / "include" / "wasm_export.h").write_text("/* h */\n")
    (root / "core" / "version.h").write_text("".join(f"#define WAMR_VERSION_{k} {v}\n"
                                                     for k, v in zip(("MAJOR", "MINOR", "PATCH"), version)))
    return root


@needs_cc
def test_build_identity_from_the_source_tree_of_a_build_by_hand(tmp_path):
    tree = _wamr_tree(tmp_path / "wamr", (2, 4, 1))
    b = fake_build(tmp_path / "bydhand" / "build", CLASSIC, headers=False)
    (b / "CMakeCache.txt").write_text(f"# cache\nCMAKE_HOME_DIRECTORY:INTERNAL={tree}/product-mini/platforms/linux\n")
    build = builds.open_build(str(b / "libiwasm.a"))  # a path to the library is its directory
    assert build.directory == b and build.include == tree / "core" / "iwasm" / "include"
    ident = builds.build_identity(build)
    assert ident["version"] == "2.4.1" and len(ident["source_sha256"]) == 64
    assert ident["from"] == f"{tree} (built into {b})"
    # a build whose source tree is gone: unknown
    loose = fake_build(tmp_path / "loose", CLASSIC)
    assert builds.build_identity(builds.open_build(str(loose))) == {"version": None, "source_sha256": None,
                                                                    "from": str(loose)}


@needs_cc
def test_firmware_build_messages_name_what_is_missing_and_what_it_is(tmp_path, cfg):
    with pytest.raises(RuntimeUnavailable) as exc:
        builds.firmware_build("armv6m", "aot")
    msg = str(exc.value)
    assert "no WAMR library for armv6m (AOT loader)" in msg and "WASMCU_WAMR_FIRMWARE_ARMV6M_AOT" in msg
    with pytest.raises(RuntimeUnavailable) as exc:
        builds.firmware_build("rv32imac", "fast")
    assert "no WAMR library for rv32imac (fast interpreter)" in str(exc.value)
    classic = fake_build(tmp_path / "armv6m-classic", CLASSIC)
    path = cfg(f'[wamr.firmware]\n"armv6m-aot" = "{classic}"\n"armv6m-classic" = "{classic}"\n')
    with pytest.raises(RuntimeUnavailable) as exc:
        builds.firmware_build("armv6m", "aot")
    assert str(exc.value).startswith(f'the WAMR library at [wamr.firmware] armv6m-aot = "{classic}" in {path} is '
                                     f"a classic interpreter build, not the AOT loader")
    assert builds.firmware_build("armv6m", "classic").library == classic / "libiwasm.a"


# --- wamr/__init__.py: the runtimes ------------------------------------------------------------

def _versioned(cls, version="9.9"):
    rt = cls()
    rt.version = version
    return rt


@needs_cc
def test_each_runtime_looks_for_its_own_kind_and_version(tmp_path, cfg, monkeypatch):
    classic = fake_build(tmp_path / "d" / "host-classic", CLASSIC + AOT,
                         identity={"version": "2.4.5", "source_sha256": "s1", "source": "/t1"})
    fast = fake_build(tmp_path / "d" / "host-fast", FAST + AOT)
    v_classic = fake_build(tmp_path / "v" / "host-classic", CLASSIC,
                           identity={"version": "9.9", "source_sha256": "s2", "source": "/t2"})
    board = fake_build(tmp_path / "d" / "armv6m-classic", CLASSIC)
    wamrc = tmp_path / "wamrc"
    wamrc.write_text("#!/bin/sh\necho 'wamrc 9.9.9'\n")
    wamrc.chmod(0o755)
    notexe = tmp_path / "wamrc.txt"
    notexe.write_text("not a program")
    cfg(f'[wamr]\nclassic = "{classic}"\nfast = "{fast}"\naot = "{fast}"\nwamrc = "{wamrc}"\n'
        f'[wamr.firmware]\n"armv6m-classic" = "{board}"\n'
        f'[wamr.versions."9.9"]\nclassic = "{v_classic}"\n'
        f'[wamr.versions."9.8"]\naot = "{fast}"\nwamrc = "{notexe}"\n')
    assert wamr_rt.WamrClassic().version_info()["version"] == "2.4.5"
    assert wamr_rt.WamrFast().version_info() == {"version": "2.4.5", "source_sha256": "s1",
                                                  "from": f"/t1 (built into {fast})"}
    assert _versioned(wamr_rt.WamrClassic).version_info()["version"] == "9.9"
    with pytest.raises(RuntimeUnavailable, match="no WAMR 9.9 host build for wamr-fast"):
        _versioned(wamr_rt.WamrFast).version_info()

    assert wamr_rt.WamrClassic().versions() == {"wamr_build": str(classic), "wamr": "classic interpreter, AOT"}
    assert wamr_rt.WamrFast().versions() == {"wamr_build": str(fast), "wamr": "fast interpreter, AOT"}
    assert wamr_rt.WamrAot().versions() == {"wamr_build": str(fast), "wamr": "fast interpreter, AOT",
                                            "wamrc": "wamrc 9.9.9"}
    assert wamr_rt.WamrAot().unavailable_reason() is None
    assert _versioned(wamr_rt.WamrAot).unavailable_reason().startswith("no WAMR 9.9 host build for wamr-aot")
    # a host build, but its version's wamrc is no program
    assert "wamrc at [wamr.versions.9.8] wamrc" in _versioned(wamr_rt.WamrAot, "9.8").unavailable_reason()
    assert _versioned(wamr_rt.WamrFast, "9.8").unavailable_reason().startswith("no WAMR 9.8 host build for wamr-fast")

    device = SimpleNamespace(arch="armv6m")
    assert wamr_rt.WamrClassic().firmware_unavailable_reason(device) is None
    assert "no WAMR library for armv6m (fast interpreter)" in wamr_rt.WamrFast().firmware_unavailable_reason(device)
    # the versioned runtime looks in its own version's table, which has no board library
    reason = _versioned(wamr_rt.WamrClassic).firmware_unavailable_reason(device)
    assert reason is not None and "no WAMR library for armv6m (classic interpreter)" in reason


def test_only_the_aot_runtime_derives_an_aot_file(monkeypatch):
    calls = []

    def fake_compile(wasm, arch=None, version=None):
        calls.append((wasm, arch, version))
        return Path("/x/module.aot")

    monkeypatch.setattr(wamr_rt, "compile_aot", fake_compile)
    assert wamr_rt.WamrClassic().derived_artefact(Path("m.wasm"), "armv6m") is None
    assert wamr_rt.WamrFast().derived_artefact(Path("m.wasm"), None) is None
    assert calls == []
    assert wamr_rt.WamrAot().derived_artefact(Path("m.wasm"), "armv6m") == ("aot", Path("/x/module.aot"))
    assert _versioned(wamr_rt.WamrAot, "2.4.3").derived_artefact(Path("n.wasm"), None) == \
        ("aot", Path("/x/module.aot"))
    assert calls == [(Path("m.wasm"), "armv6m", None), (Path("n.wasm"), None, "2.4.3")]


def _stub_host(monkeypatch, tmp_path, kind_seen):
    build = builds.WamrBuild(tmp_path, tmp_path / "libiwasm.a", tmp_path / "include", "fast", True)

    def host_build(kind, version=None):
        kind_seen.append((kind, version))
        return build

    monkeypatch.setattr(wamr_rt, "host_build", host_build)
    monkeypatch.setattr(wamr_rt, "harness", lambda b: Path("/h/wamr_bench"))
    return build


def test_prepare_adds_the_harness_the_containment_program_and_the_aot_file(tmp_path, monkeypatch):
    from wasmcu.runtimes import base

    seen = []
    _stub_host(monkeypatch, tmp_path, seen)
    monkeypatch.setattr(base.Runtime, "prepare", lambda self, kernel: ("/k/m.wasm", {"wasm_bytes": 10}))
    monkeypatch.setattr(contain, "program", lambda b: Path("/c/wamr_contain"))
    aots = []
    monkeypatch.setattr(wamr_rt, "compile_aot", lambda w, a=None, v=None: aots.append((w, a, v)) or Path("/a/m.aot"))
    plain, contained = SimpleNamespace(containment=False), SimpleNamespace(containment=True)

    assert wamr_rt.WamrClassic().prepare(plain) == ("/k/m.wasm", {"wasm_bytes": 10, "harness": "/h/wamr_bench"})
    assert wamr_rt.WamrFast().prepare(contained) == \
        ("/k/m.wasm", {"wasm_bytes": 10, "harness": "/h/wamr_bench", "contain_program": "/c/wamr_contain"})
    assert aots == []
    art, meta = _versioned(wamr_rt.WamrAot, "2.4.3").prepare(contained)
    assert art == "/a/m.aot"
    assert meta == {"wasm_bytes": 10, "harness": "/h/wamr_bench", "contain_program": "/c/wamr_contain",
                    "aot": "/a/m.aot"}
    assert aots == [(Path("/k/m.wasm"), None, "2.4.3")]
    assert seen == [("classic", None), ("fast", None), ("aot", "2.4.3")]


def _job(**kw):
    base = dict(runtime="wamr-fast", artifact="/k/m.wasm", repeat=5, warmup=2, load_repeat=3, min_sample_us=100.0, min_warmup_s=0.5,
                seed=7)
    base.update(kw)
    return HostJob(**base)


def test_measure_runs_the_host_program_with_the_job_and_reads_its_result(tmp_path, monkeypatch):
    seen, cmds = [], []
    _stub_host(monkeypatch, tmp_path, seen)
    result = {"checksum": 42, "samples_us": [1.0, 2.0], "load_samples_us": [3.0], "calls_per_sample": 4}

    def run(cmd):
        cmds.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, "a WAMR warning\n" + json.dumps(result) + "\n", ""), 12345

    monkeypatch.setattr(wamr_rt, "run_measured", run)
    job = _job()
    m = wamr_rt.WamrFast().measure(job)
    assert (m.checksum, m.samples_us, m.load_samples_us, m.calls_per_sample, m.peak_rss_bytes) == \
        (42, [1.0, 2.0], [3.0], 4, 12345)
    assert cmds[-1] == ["/h/wamr_bench", "/k/m.wasm", "5", "2", "3", "100.0", "0.5", "7"]
    wamr_rt.WamrFast().measure(job, once=True)
    assert cmds[-1][-1] == "once" and cmds[-1][:-1] == cmds[0]
    assert wamr_rt.WamrClassic().once_sample(job, tmp_path, 0) == (42, 1.0, 3.0)
    assert cmds[-1][4] == "1" and cmds[-1][-1] == "once"  # one load per process
    assert seen[0] == ("fast", None) and seen[-1] == ("classic", None)


@pytest.mark.parametrize("out, rc, kind, text", [
    ({"error": "load: magic header not detected"}, 1, "load-failed", "WAMR: load: magic header not detected"),
    ({"error": "instantiate: no memory"}, 1, "load-failed", "WAMR: instantiate: no memory"),
    ({"error": "trap: unreachable"}, 1, "trap", "WAMR: trap: unreachable"),
    ({"error": "mismatch: 1 then 2"}, 1, "not-deterministic", "WAMR: mismatch: 1 then 2"),
    ({"error": "odd: what"}, 1, "error", "WAMR: odd: what"),
    (None, -11, "crash", "WAMR host program failed (killed by SIGSEGV) without a result"),
])
def test_measure_turns_the_host_programs_errors_into_cell_errors(tmp_path, monkeypatch, out, rc, kind, text):
    _stub_host(monkeypatch, tmp_path, [])
    stdout = json.dumps(out) + "\n" if out else ""
    monkeypatch.setattr(wamr_rt, "run_measured", lambda cmd: (subprocess.CompletedProcess(cmd, rc, stdout, ""), 1))
    with pytest.raises(CellError) as exc:
        wamr_rt.WamrClassic().measure(_job())
    assert exc.value.kind == kind and str(exc.value).startswith(text), str(exc.value)


# --- the host programs: compiled against the build, cached by everything that makes them --------

def _record_compiles(monkeypatch, tmp_path):
    """tools.run replaced by a recorder that writes the output file; cc's version fixed."""
    runs, whats = [], []

    def run(cmd, **kw):
        runs.append(cmd)
        whats.append(kw.get("what"))
        out = Path(cmd[cmd.index("-o") + 1])
        out.write_text("program")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(tools, "run", run)
    monkeypatch.setattr(tools, "require", lambda tool: "/usr/bin/cc-x" if tool == "cc" else tools.find(tool))
    versions = {"/usr/bin/cc-x": "cc 1.0"}
    monkeypatch.setattr(tools, "version", lambda path: versions[path])
    return runs, versions, whats


def _stub_build(tmp_path, name="b") -> builds.WamrBuild:
    d = tmp_path / name
    (d / "include").mkdir(parents=True)
    (d / "libiwasm.a").write_bytes(b"library one")
    return builds.WamrBuild(d, d / "libiwasm.a", d / "include", "classic", False)


@pytest.mark.parametrize("which", ["harness", "contain"])
def test_a_host_program_is_built_once_and_again_when_an_input_changes(tmp_path, cfg, monkeypatch, which):
    runs, versions, whats = _record_compiles(monkeypatch, tmp_path)
    meter = {"on": False}
    monkeypatch.setattr(contain, "has_instruction_metering", lambda b: meter["on"])
    make = wamr_rt.harness if which == "harness" else contain.program
    name, tag = ("wamr_bench", "wamr-bench") if which == "harness" else ("wamr_contain", "wamr-contain")
    module = wamr_rt if which == "harness" else contain
    source = wamr_rt.HARNESS if which == "harness" else contain.PROGRAM
    b = _stub_build(tmp_path)

    first = make(b)
    assert first.name == name and first.parent.parent == tmp_path / "cache" / tag
    assert first.read_text() == "program" and len(runs) == 1
    cmd = runs[0]
    assert cmd[0] == "/usr/bin/cc-x" and f"-I{b.include}" in cmd and str(source) in cmd
    assert str(b.library) in cmd and cmd[cmd.index("-o") + 1].endswith(name)
    assert cmd[-3:] == ["-lm", "-ldl", "-lpthread"] and cmd[cmd.index("-o") + 2] == "-lm"
    assert whats == ["compiling wasmcu's WAMR host program" if which == "harness" else
                     "compiling wasmcu's WAMR containment program"]
    meta = json.loads((first.parent / "meta.json").read_text())
    assert meta["wamr_build"] == str(b.directory)
    assert make(b) == first and len(runs) == 1  # cached

    # each input makes another program
    got = {first}
    b.library.write_bytes(b"library two")
    got.add(make(b))
    b2 = builds.WamrBuild(b.directory, b.library, tmp_path / "other-include", "classic", False)
    got.add(make(b2))
    versions["/usr/bin/cc-x"] = "cc 2.0"
    got.add(make(b))
    own_h = tmp_path / "host_program.h"
    own_h.write_text("/* another header */\n")
    monkeypatch.setattr(module, "HOST_PROGRAM_H", own_h)
    got.add(make(b))
    own_src = tmp_path / source.name
    own_src.write_text(source.read_text() + "\n/* changed */\n")
    monkeypatch.setattr(module, "HARNESS" if which == "harness" else "PROGRAM", own_src)
    got.add(make(b))
    assert len(got) == 6 and len(runs) == 6
    assert f"-I{own_h.parent}" in runs[-1] and str(own_src) in runs[-1]
    if which == "contain":
        assert "-DWASMCU_WAMR_METERING=1" not in runs[-1] and meta["instruction_metering"] is False
        meter["on"] = True
        metered = make(b)
        assert metered not in got and "-DWASMCU_WAMR_METERING=1" in runs[-1]
        assert json.loads((metered.parent / "meta.json").read_text())["instruction_metering"] is True
    else:
        assert meta["wamr"] == "classic interpreter"


@needs_cc
def test_instruction_metering_is_read_from_the_librarys_defined_symbols(tmp_path, monkeypatch):
    metered = fake_build(tmp_path / "m", [*CLASSIC, "wasm_runtime_set_instruction_count_limit"])
    plain = fake_build(tmp_path / "p", CLASSIC)
    # a library that only calls it (an undefined symbol) has no budget
    calls = tmp_path / "c"
    calls.mkdir()
    (calls / "c.c").write_text("void wasm_runtime_set_instruction_count_limit(void);\n"
                               "void f(void) { wasm_runtime_set_instruction_count_limit(); }\n")
    subprocess.run(["cc", "-c", str(calls / "c.c"), "-o", str(calls / "c.o")], check=True)
    subprocess.run(["ar", "rcs", str(calls / "libiwasm.a"), str(calls / "c.o")], check=True)

    def b(d):
        return builds.WamrBuild(d, d / "libiwasm.a", d / "include", "classic", False)

    assert contain.has_instruction_metering(b(metered)) is True
    assert contain.has_instruction_metering(b(plain)) is False
    assert contain.has_instruction_metering(b(calls)) is False
    monkeypatch.setattr(tools, "find", lambda tool: None)  # no nm: no budget, no error
    assert contain.has_instruction_metering(b(metered)) is False


def test_contain_runs_the_program_with_the_watchdog_in_milliseconds(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(contain, "program", lambda b: Path(f"/c/{b.directory.name}/wamr_contain"))
    monkeypatch.setattr(contain, "run_contain_program", lambda cmd, who: seen.append((cmd, who)) or {"ok": True})
    b = _stub_build(tmp_path)
    assert contain.contain(b, "/k/m.wasm", 3, 0.25) == {"ok": True}
    contain.contain(b, "/k/m.wasm", 4, 0.0001)  # at least a millisecond
    assert seen == [(["/c/b/wamr_contain", "/k/m.wasm", "3", "250"], "WAMR"),
                    (["/c/b/wamr_contain", "/k/m.wasm", "4", "1"], "WAMR")]
