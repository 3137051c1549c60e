"""wasm3 builds from a source tree (`wasmcu wasm3 build`, the config's [wasm3.builds], wasm3@VERSION
and wasm3-gas@VERSION), its value-stack search, and the Rust crate root and gas instrumenter's
lookup, checked in-process: a stand-in source tree, the compilers replaced by recorders."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wasmcu.errors import CellError, ConfigError, NotRepeatable, RuntimeUnavailable, ToolMissing
from wasmcu.runtimes.base import HostJob
from wasmcu.runtimes.wasm3 import build as w3build
from wasmcu.runtimes.wasm3 import builds as w3builds
from wasmcu.runtimes.wasm3 import gas, registered


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    monkeypatch.setenv("WASMCU_CONFIG", str(path))
    return path


# --- the config's [wasm3.builds] -------------------------------------------------------------------

def test_configured_builds_and_where_each_is_configured(tmp_path, cfg, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    cfg.write_text(f'[wasm3.builds]\n"0.9.0" = "{tmp_path / "a"}"\n"0.5.0+abc1234" = "~/w3"\nplain = "/p"\n')
    got = w3builds.configured()
    assert got == {"0.9.0": (str(tmp_path / "a"), f'[wasm3.builds] "0.9.0" = "{tmp_path / "a"}" in {cfg}'),
                   "0.5.0+abc1234": (str(tmp_path / "w3"), f'[wasm3.builds] "0.5.0+abc1234" = "{tmp_path / "w3"}" '
                                                            f"in {cfg}"),
                   "plain": ("/p", f'[wasm3.builds] plain = "/p" in {cfg}')}
    assert [r.name for r in gas.provided()] == ["wasm3-gas@0.9.0", "wasm3-gas@0.5.0+abc1234", "wasm3-gas@plain"]
    assert [r.version for r in gas.provided()] == ["0.9.0", "0.5.0+abc1234", "plain"]
    assert gas.provided()[0].summary == ("wasm3 0.9.0 with gas metering (wasm-metering; usegas in wasmcu's C "
                                         "programs and glue)")
    assert [r.name for r in registered.provided()] == ["wasm3@0.9.0", "wasm3@0.5.0+abc1234", "wasm3@plain"]
    with pytest.raises(RuntimeUnavailable) as exc:
        w3builds.find("0.9.0")  # configured, but nothing is there
    assert f'[wasm3.builds] "0.9.0" = "{tmp_path / "a"}" in {cfg}' in str(exc.value)
    with pytest.raises(RuntimeUnavailable, match="no wasm3 0.7.7 build is configured"):
        w3builds.find("0.7.7")


@pytest.mark.parametrize("text", ["", '[paths]\nembench = "e"\n', "[wasm3]\n", '[wasm3.builds]\n'])
def test_no_builds_configured(cfg, text):
    cfg.write_text(text)
    assert w3builds.configured() == {} and gas.provided() == []


@pytest.mark.parametrize("text, field", [
    ('[wasm3]\nbuilds = "x"\n', "wasm3.builds"),
    ('[wasm3.builds]\n"0.9.0" = 3\n', 'wasm3.builds."0.9.0"'),
])
def test_a_bad_builds_table_names_its_field(cfg, text, field):
    cfg.write_text(text)
    with pytest.raises(ConfigError) as exc:
        w3builds.configured()
    assert exc.value.field == field and exc.value.file == cfg


# --- `wasmcu wasm3 build` on a stand-in tree ---------------------------------------------------------

def wasm3_tree(root: Path, version="0.9.1", sub="source") -> Path:
    src = root / sub if sub else root
    src.mkdir(parents=True)
    for f in w3build.REQUIRED:
        (src / f).write_text(f"/* {f} */\n")
    (src / "wasm3.h").write_text(f'#define M3_VERSION "{version}"\n')
    (src / "m3_api_libc.c").write_text("/* a host-API binding: not copied */\n")
    return root


@pytest.fixture
def no_compile(monkeypatch):
    """The host program and firmware libraries replaced by recorders."""
    made = []
    monkeypatch.setattr(w3builds, "harness", lambda b: made.append(("host", b.version)) or Path("/h/wasm3_bench"))
    monkeypatch.setattr(w3builds, "library", lambda b, arch, opt: made.append((arch, opt)) or
                        Path(f"/l/{arch.cflags[0]}/libwasm3.a"))
    return made


def test_build_copies_the_sources_records_them_and_registers_the_build(tmp_path, cfg, no_compile):
    from wasmcu import devices

    tree = wasm3_tree(tmp_path / "tree")
    lines = []
    outcome = w3build.build(tree, tmp_path / "out", progress=lines.append)
    out = (tmp_path / "out").resolve()
    assert (outcome.version, outcome.directory, outcome.config_file) == ("0.9.1", out, cfg)
    assert sorted(p.name for p in (out / "src").iterdir()) == sorted(w3build.REQUIRED)
    info = json.loads((out / "wasmcu-build.json").read_text())
    assert info == {"version": "0.9.1", "source": str(tree.resolve()), "commit": None,
                    "source_sha256": w3builds.source_hash(out / "src")}
    from wasmcu.runtimes import RUNTIMES
    from wasmcu.toolchains import mcu

    arches = devices.arch_names()
    assert len(arches) >= 3
    assert outcome.built == {"host": "/h/wasm3_bench",
                             **{a: f"/l/{mcu.ARCHES[a].cflags[0]}/libwasm3.a" for a in arches}}
    assert no_compile[0] == ("host", "0.9.1") and len(no_compile) == 1 + len(arches)
    for a, (arch, opt) in zip(arches, no_compile[1:]):  # each with the compiler a cell uses by default
        assert opt == "-O2" and arch.cflags == mcu.ARCHES[a].cflags
        assert arch.firmware_cc == RUNTIMES["wasm3"].default_firmware_cc(a)[0]
    assert lines[0] == f"wasm3 0.9.1 from {tree.resolve() / 'source'}: building into {out}"
    assert lines[1] == "host: compiling wasmcu's host program against it"
    assert lines[2:] == [f"{a}: compiling the firmware library" for a in arches]
    assert w3builds.configured() == {"0.9.1": (str(out), f'[wasm3.builds] "0.9.1" = "{out}" in {cfg}')}
    assert cfg.read_text().startswith("# written by `wasmcu wasm3 build`")
    # again, into the same directory, without the config: the old sources go
    (tree / "source" / "m3_core.c").write_text("/* changed */\n")
    (out / "src" / "stale.c").write_text("")
    cfg.unlink()
    again = w3build.build(tree, tmp_path / "out", write_config=False, progress=lines.append)
    assert again.config_file is None and not cfg.exists()
    assert not (out / "src" / "stale.c").exists() and (out / "src" / "m3_core.c").read_text() == "/* changed */\n"


def test_default_out_is_in_the_users_data_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert w3build.default_out("0.9.1") == tmp_path / ".local" / "share" / "wasmcu" / "wasm3-0.9.1"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert w3build.default_out("0.5.0+abc") == tmp_path / "data" / "wasmcu" / "wasm3-0.5.0+abc"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_build_of_a_checkout_not_at_a_tag_adds_its_commit(tmp_path, cfg, no_compile, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    tree = wasm3_tree(tmp_path / "tree", "0.5.0", sub="")
    git = ["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    head = subprocess.run([*git, "rev-parse", "--short=7", "HEAD"], capture_output=True, text=True).stdout.strip()
    outcome = w3build.build(tree, progress=lambda s: None)
    assert outcome.version == f"0.5.0+{head}"
    assert outcome.directory == tmp_path / "data" / "wasmcu" / f"wasm3-0.5.0+{head}"
    assert json.loads((outcome.directory / "wasmcu-build.json").read_text())["commit"] == head


def test_a_tree_that_does_not_compile_names_its_log_and_registers_nothing(tmp_path, cfg, monkeypatch):
    from wasmcu.errors import BuildError

    def broken(b):
        raise BuildError("compiling wasmcu's host program failed\nm3_core.c:1: error: this is not C")

    monkeypatch.setattr(w3builds, "harness", broken)
    with pytest.raises(w3build.Wasm3BuildError) as exc:
        w3build.build(wasm3_tree(tmp_path / "tree"), tmp_path / "out", progress=lambda s: None)
    log = (tmp_path / "out").resolve() / "logs" / "host.log"
    assert str(exc.value) == ("compiling the host program failed: the tree does not build (nothing was registered; the "
                              f"other runtimes are unchanged); log: {log}\ncompiling wasmcu's host program failed\n"
                              "m3_core.c:1: error: this is not C")
    assert log.read_text() == "compiling wasmcu's host program failed\nm3_core.c:1: error: this is not C\n"
    assert not cfg.exists()


# --- wasm3@VERSION on the host: its program's result and errors ------------------------------------

def _job(**kw):
    args = dict(runtime="wasm3@0.9.1", artifact="/k/m.wasm", repeat=5, warmup=2, load_repeat=3, min_sample_us=100.0,
                min_warmup_s=0.5, seed=7)
    args.update(kw)
    return HostJob(**args)


def _program(monkeypatch, rt, stdout, rc=0, stderr=""):
    cmds = []
    monkeypatch.setattr(rt, "harness", lambda: Path("/h/wasm3_bench"))
    monkeypatch.setattr(registered, "run_measured",
                        lambda cmd: cmds.append(cmd) or (subprocess.CompletedProcess(cmd, rc, stdout, stderr), 777))
    return cmds


def test_registered_measure_runs_its_program_with_the_job(monkeypatch):
    rt = registered.Wasm3Registered("0.9.1")
    result = {"checksum": 5, "samples_us": [1.5, 2.5], "load_samples_us": [9.0], "calls_per_sample": 8}
    cmds = _program(monkeypatch, rt, json.dumps(result))
    m = rt.measure(_job())
    assert (m.checksum, m.samples_us, m.load_samples_us, m.calls_per_sample, m.peak_rss_bytes) == \
        (5, [1.5, 2.5], [9.0], 8, 777)
    assert cmds[0] == ["/h/wasm3_bench", "/k/m.wasm", "5", "2", "3", "100.0", "0.5", "7"]
    assert rt.once_sample(_job(), None, 0) == (5, 1.5, 9.0)
    assert cmds[1] == ["/h/wasm3_bench", "/k/m.wasm", "5", "2", "1", "100.0", "0.5", "7", "once"]


@pytest.mark.parametrize("stdout, rc, stderr, kind, text", [
    ("", -11, "", "crash", "wasm3 0.9.1's host program failed (exit -11): "),
    ("half", 1, "Segmentation fault\n", "crash", "wasm3 0.9.1's host program failed (exit 1): Segmentation fault"),
    ("oops", 1, "", "crash", "wasm3 0.9.1's host program failed (exit 1): oops"),
    (json.dumps({"error": "load: bad magic"}), 1, "", "load-failed", "wasm3 0.9.1: load: bad magic"),
    (json.dumps({"error": "instantiate: no memory"}), 1, "", "load-failed", "wasm3 0.9.1: instantiate: no memory"),
    (json.dumps({"error": "trap: [trap] unreachable"}), 1, "", "trap", "wasm3 0.9.1: trap: [trap] unreachable"),
    (json.dumps({"error": "stack-limit: deep"}), 1, "", "stack-limit", "wasm3 0.9.1: stack-limit: deep"),
    (json.dumps({"error": "mismatch: 1, 2"}), 1, "", "not-deterministic", "wasm3 0.9.1: mismatch: 1, 2"),
    (json.dumps({"error": "strange"}), 1, "", "error", "wasm3 0.9.1: strange"),
])
def test_registered_measure_turns_its_programs_failures_into_cell_errors(monkeypatch, stdout, rc, stderr, kind,
                                                                          text):
    rt = registered.Wasm3Registered("0.9.1")
    _program(monkeypatch, rt, stdout, rc, stderr)
    with pytest.raises(CellError) as exc:
        rt.measure(_job())
    assert exc.value.kind == kind and str(exc.value) == text


def test_registered_measure_says_when_the_kernel_is_not_repeatable(monkeypatch):
    rt = registered.Wasm3Registered("0.9.1")
    _program(monkeypatch, rt, json.dumps({"error": "call 4 returned 2", "kind": "not-repeatable"}), 1)
    with pytest.raises(NotRepeatable) as exc:
        rt.measure(_job())
    assert str(exc.value) == "kernel is not repeatable under wasm3 0.9.1: call 4 returned 2"


# --- the value stack a module needs ------------------------------------------------------------------

def test_sized_adds_an_eighth_and_rounds_up_to_whole_kilobytes():
    from wasmcu.backends import wasm3_stack

    assert wasm3_stack.sized(911) == 1024 and isinstance(wasm3_stack.sized(911), int)  # 911 + 113
    assert wasm3_stack.sized(912) == 2048  # 912 + 114
    assert wasm3_stack.sized(1024) == 2048 and wasm3_stack.sized(8192) == 9216 and wasm3_stack.sized(0) == 0


# run(x) loops for ever: a (loop br 0) then i32.const 0
ENDLESS_WASM = bytes.fromhex("0061736d01000000" "01060160017f017f" "03020100" "070701037275" "6e0000"
                             "0a0b0109000340" "0c000b41000b")


def test_the_stack_search_of_a_module_that_never_returns_is_stopped(tmp_path, monkeypatch):
    from wasmcu.backends import wasm3_stack

    pytest.importorskip("wasm3")
    wasm = tmp_path / "endless.wasm"
    wasm.write_bytes(ENDLESS_WASM)
    monkeypatch.setattr(wasm3_stack, "TIMEOUT_S", 1.0)
    assert wasm3_stack._need_uncached("endless", str(wasm), 1, 4096) is None


# --- the Rust crate root ------------------------------------------------------------------------------

def test_the_crate_root_of_a_kernel_with_and_without_alloc(tmp_path, monkeypatch):
    from wasmcu.toolchains import rust

    plain, alloc = tmp_path / "p" / "k.rs", tmp_path / "a" / "k.rs"
    plain.parent.mkdir()
    alloc.parent.mkdir()
    plain.write_text("pub fn run(seed: u32) -> u32 { seed }\n")
    alloc.write_text("use alloc::vec::Vec;\npub fn run(seed: u32) -> u32 { Vec::<u32>::new().len() as u32 }\n")
    root = rust.crate_root(plain, 7)
    assert "fn panic(_: &core::panic::PanicInfo) -> ! { loop {} }" in root.splitlines()
    assert "extern crate alloc;" not in root and "global_allocator" not in root and "alloc_error" not in root
    root = rust.crate_root(alloc, 7)
    assert "fn panic(info: &core::panic::PanicInfo) -> ! { loop {} }" in root.splitlines()
    assert "extern crate alloc;" in root.splitlines() and "#[global_allocator]" in root.splitlines()
    assert "rust_alloc/libc.rs" in root and "#![feature(alloc_error_handler)]" in root.splitlines()
    assert "fn wasmcu_oom(layout: core::alloc::Layout) -> ! { let _ = layout; loop {} }" in root.splitlines()
    monkeypatch.setenv("WASMCU_PROBE", "kept")
    env = rust.bootstrap_env(alloc)
    assert env["RUSTC_BOOTSTRAP"] == "1" and env["WASMCU_PROBE"] == "kept"
    assert rust.bootstrap_env(plain) is None
    assert rust.bootstrap_env(None)["RUSTC_BOOTSTRAP"] == "1"  # the sysroot build: always


# --- where the gas instrumenter is --------------------------------------------------------------------

def test_the_gas_instrumenter_is_found_by_the_environment_or_beside_wasmcu(tmp_path, monkeypatch):
    from wasmcu.toolchains import metering

    own = tmp_path / "own"
    own.mkdir()
    (own / "package.json").write_text("{}")
    prefix = tmp_path / "prefix"
    beside = prefix / "node_modules" / "wasm-metering"
    monkeypatch.setattr(sys, "prefix", str(prefix))
    monkeypatch.setenv("WASMCU_WASM_METERING", str(own))
    assert metering.package_dir() == own
    monkeypatch.setenv("WASMCU_WASM_METERING", str(tmp_path / "empty"))  # no package.json there
    with pytest.raises(ToolMissing) as exc:
        metering.package_dir()
    assert "wasm-metering 0.2.1" in str(exc.value) and "WASMCU_WASM_METERING" in str(exc.value)
    beside.mkdir(parents=True)
    (beside / "package.json").write_text("{}")
    assert metering.package_dir() == beside
    monkeypatch.delenv("WASMCU_WASM_METERING")
    assert metering.package_dir() == beside
