"""`wasmcu wamr build` in-process: a WAMR source tree's version and identity, the build plan's
files, the config file it writes, and a whole run against a stand-in cmake (a shell script that
makes each configuration's product), so no WAMR is built."""

import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from wasmcu.errors import ConfigError
from wasmcu.runtimes.wamr import build as wb


def wamr_tree(root: Path, version=(2, 4, 5), *, header=True, version_h=True) -> Path:
    inc = root / "core" / "iwasm" / "include"
    inc.mkdir(parents=True)
    if header:
        for h in wb.HEADERS:
            (inc / h).write_text(f"/* {h} */\n")
    if version_h:
        (root / "core" / "version.h").write_text("".join(f"#define WAMR_VERSION_{k} {v}\n"
                                                         for k, v in zip(("MAJOR", "MINOR", "PATCH"), version)))
    return root


def test_source_version_reads_core_version_h(tmp_path):
    assert wb.source_version(wamr_tree(tmp_path / "a", (2, 4, 5))) == (2, 4, 5)
    assert wb.source_version(str(wamr_tree(tmp_path / "b", (10, 0, 12)))) == (10, 0, 12)


@pytest.mark.parametrize("what, message", [
    ("missing", "no such directory"),
    ("no-header", "not a WAMR source tree: core/version.h or core/iwasm/include/wasm_export.h is missing"),
    ("no-version-h", "not a WAMR source tree: core/version.h or core/iwasm/include/wasm_export.h is missing"),
    ("no-defines", "no WAMR_VERSION_MAJOR/MINOR/PATCH in core/version.h"),
])
def test_source_version_says_what_a_wamr_tree_holds(tmp_path, what, message):
    tree = tmp_path / "t"
    if what != "missing":
        wamr_tree(tree, header=what != "no-header", version_h=what != "no-version-h")
    if what == "no-defines":
        (tree / "core" / "version.h").write_text("#define WAMR_VERSION_MAJOR 2\n#define WAMR_VERSION_MINOR 4\n")
    with pytest.raises(ConfigError) as exc:
        wb.source_version(tree)
    err = exc.value
    assert message in str(err)
    assert "core/version.h, core/iwasm/include/wasm_export.h and wamr-compiler/" in err.expected
    assert err.file == (tree / "core" / "version.h" if what == "no-defines" else tree)


def _git(tree, *args):
    return subprocess.run(["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                          capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_tree_version_adds_the_commit_of_a_checkout_not_at_a_tag(tmp_path):
    tree = wamr_tree(tmp_path / "w", (2, 4, 3))
    assert wb.tree_version(tree) == "2.4.3"
    _git(tree, "init", "-q")
    _git(tree, "add", "-A")
    _git(tree, "commit", "-qm", "x")
    head = _git(tree, "rev-parse", "--short=7", "HEAD")
    assert wb.tree_version(str(tree)) == f"2.4.3+{head}"
    _git(tree, "tag", "v2.4.3")
    assert wb.tree_version(tree) == "2.4.3"


def test_tree_identity_hashes_core_only(tmp_path):
    tree = wamr_tree(tmp_path / "w")
    version, sha = wb._tree_identity_uncached(str(tree))
    assert version == "2.4.5" and len(sha) == 64
    (tree / "README.md").write_text("outside core/\n")
    assert wb._tree_identity_uncached(str(tree)) == (version, sha)
    (tree / "core" / "iwasm" / "include" / "wasm_export.h").write_text("/* changed */\n")
    assert wb._tree_identity_uncached(str(tree))[1] != sha
    # the same content under another name is another tree
    one, other = wamr_tree(tmp_path / "o"), wamr_tree(tmp_path / "p")
    (one / "core" / "a.c").write_text("int x;\n")
    (other / "core" / "b.c").write_text("int x;\n")
    assert wb._tree_identity_uncached(str(one))[1] != wb._tree_identity_uncached(str(other))[1]
    assert wb._tree_identity_uncached(str(tmp_path / "nothing")) == (None, None)


def test_board_steps_point_cmake_at_files_that_exist():
    for step in wb.steps(("armv6m", "rv32imac"), wamrc=False):
        if step.target != "vmlib":
            continue
        opts = dict(o[2:].split("=", 1) for o in step.options)
        assert Path(opts["SHARED_PLATFORM_CONFIG"]).is_file()
        assert Path(opts["SHARED_PLATFORM_CONFIG"]).parent == wb.PLATFORM_DIR
        chain = Path(opts["CMAKE_TOOLCHAIN_FILE"])
        assert chain.is_file() and chain.name == f"toolchain-{step.name.rsplit('-', 1)[0]}.cmake"


def test_toolchain_text_is_the_arch_files_compiler_and_flags():
    arm = wb.toolchain_text("armv6m")
    assert "set (CMAKE_SYSTEM_NAME Generic)" in arm and "set (CMAKE_SYSTEM_PROCESSOR arm)" in arm
    assert "set (CMAKE_C_COMPILER arm-none-eabi-gcc)" in arm and "--specs=picolibc.specs" in arm
    rv = wb.toolchain_text("rv32imac")
    assert "set (CMAKE_SYSTEM_PROCESSOR riscv)" in rv and "riscv64-unknown-elf-gcc" in rv
    assert wb.toolchain_file("armv6m").read_text() == arm


# --- the config file ---------------------------------------------------------------------------

@pytest.fixture
def cfg(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    monkeypatch.setenv("WASMCU_CONFIG", str(path))
    return path


PLAN = [s for s in wb.steps(("armv6m",)) if s.name != "armv6m-aot"]


def _outcome(out: Path, names, version="2.4.5"):
    return wb.Outcome(built={n: (out / n / "wamrc" if n == "wamrc" else out / n) for n in names}, version=version)


def test_write_config_registers_every_build_and_the_aot_runtime_on_the_fast_build(tmp_path, cfg):
    out = tmp_path / "out"
    names = [s.name for s in PLAN]
    assert wb._write_config(_outcome(out, names), PLAN) == cfg
    text = cfg.read_text()
    assert text.startswith("# written by `wasmcu wamr build`")
    data = tomllib.loads(text)
    for table in (data["wamr"], data["wamr"]["versions"]["2.4.5"]):
        assert table["classic"] == str(out / "host-classic") and table["fast"] == str(out / "host-fast")
        assert table["aot"] == str(out / "host-fast")  # the fast build also loads AOT modules
        assert table["wamrc"] == str(out / "wamrc" / "wamrc")
        assert table["firmware"] == {"armv6m-classic": str(out / "armv6m-classic"),
                                     "armv6m-fast": str(out / "armv6m-fast")}


def test_write_config_keeps_another_trees_default(tmp_path, cfg):
    cfg.write_text('[paths]\nembench = "kept"\n[wamr]\nclassic = "/elsewhere/host-classic"\n')
    wb._write_config(_outcome(tmp_path / "out", ["host-fast"]), PLAN)
    data = tomllib.loads(cfg.read_text())
    assert data["paths"] == {"embench": "kept"}
    assert data["wamr"]["classic"] == "/elsewhere/host-classic" and "fast" not in data["wamr"]
    assert data["wamr"]["versions"]["2.4.5"] == {"fast": str(tmp_path / "out" / "host-fast"),
                                                 "aot": str(tmp_path / "out" / "host-fast")}
    # a default of only a fast build is a default too
    cfg.write_text('[wamr]\nfast = "/elsewhere/host-fast"\n')
    wb._write_config(_outcome(tmp_path / "out", ["host-classic"]), PLAN)
    assert "classic" not in tomllib.loads(cfg.read_text())["wamr"]
    # and so are board libraries alone
    cfg.write_text('[wamr.firmware]\n"armv6m-fast" = "/elsewhere/armv6m-fast"\n')
    wb._write_config(_outcome(tmp_path / "out", ["host-classic"]), PLAN)
    assert "classic" not in tomllib.loads(cfg.read_text())["wamr"]
    # unless asked to be the default
    wb._write_config(_outcome(tmp_path / "out", ["host-classic"]), PLAN, make_default=True)
    assert tomllib.loads(cfg.read_text())["wamr"]["classic"] == str(tmp_path / "out" / "host-classic")


def test_writing_the_config_leaves_the_settings_already_read_alone(tmp_path, cfg):
    from wasmcu import config

    cfg.write_text('[wamr]\nclassic = "/elsewhere/host-classic"\n')
    before = config.settings()
    wb._write_config(_outcome(tmp_path / "out", ["host-fast"]), PLAN)
    assert before == {"wamr": {"classic": "/elsewhere/host-classic"}}
    assert config.settings()["wamr"]["versions"]["2.4.5"]["fast"] == str(tmp_path / "out" / "host-fast")


def test_a_rebuild_into_the_defaults_own_directory_updates_it(tmp_path, cfg):
    out = tmp_path / "out"
    cfg.write_text(f'[wamr]\nclassic = "{out / "host-classic"}"\n')
    wb._write_config(_outcome(out, ["wamrc"]), PLAN)  # wamrc alone: its directory is <out>/wamrc/wamrc
    assert tomllib.loads(cfg.read_text())["wamr"]["wamrc"] == str(out / "wamrc" / "wamrc")
    # a directory beside it whose name starts the same is not its own
    cfg.write_text(f'[wamr]\nclassic = "{out}-old/host-classic"\n')
    wb._write_config(_outcome(out, ["host-fast"]), PLAN)
    assert "fast" not in tomllib.loads(cfg.read_text())["wamr"]
    wb._write_config(_outcome(out, ["host-fast"]), PLAN, make_default=False)
    assert "fast" not in tomllib.loads(cfg.read_text())["wamr"]


def test_write_config_without_a_file_writes_the_one_wasmcu_reads(tmp_path, monkeypatch):
    monkeypatch.delenv("WASMCU_CONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    path = wb._write_config(_outcome(tmp_path / "out", ["host-classic"]), PLAN)
    assert path == tmp_path / ".config" / "wasmcu" / "config.toml"
    assert tomllib.loads(path.read_text())["wamr"]["classic"] == str(tmp_path / "out" / "host-classic")


# --- a whole run against a stand-in cmake -------------------------------------------------------

FAKE_CMAKE = """#!/bin/sh
# configure: cmake -S SRC -B DIR OPTIONS; build: cmake --build DIR -j N [--target T]
echo "cmake $*"
if [ "$1" = "--build" ]; then
  case "$2" in *"$WASMCU_TEST_FAIL"*) if [ -n "$WASMCU_TEST_FAIL" ]; then echo "error: it broke"; exit 3; fi;; esac
  case "$2" in *wamrc) touch "$2/wamrc";; *) touch "$2/libiwasm.a";; esac
  [ -n "$WASMCU_TEST_TARGETS" ] && echo "$2 $*" >> "$WASMCU_TEST_TARGETS"
  exit 0
fi
mkdir -p "$4"
[ -n "$WASMCU_TEST_TARGETS" ] && echo "$*" >> "$WASMCU_TEST_TARGETS.configure"
exit 0
"""


@pytest.fixture
def fake_cmake(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "cmake").write_text(FAKE_CMAKE)
    (bindir / "cmake").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("WASMCU_TEST_TARGETS", str(tmp_path / "calls.txt"))
    monkeypatch.delenv("WASMCU_TEST_FAIL", raising=False)
    monkeypatch.setattr(wb, "llvm_cmake_dir", lambda: Path("/llvm/lib/cmake/llvm"))
    return tmp_path / "calls.txt"


def test_build_runs_each_configuration_copies_headers_and_registers_them(tmp_path, cfg, fake_cmake):
    tree = wamr_tree(tmp_path / "wamr")
    lines = []
    outcome = wb.build(tree, tmp_path / "out", only=["host-fast", "wamrc", "armv6m-classic"], jobs=3,
                       progress=lines.append)
    out = (tmp_path / "out").resolve()
    assert outcome.version == "2.4.5" and outcome.skipped == {}
    assert outcome.built == {"host-fast": out / "host-fast", "wamrc": out / "wamrc" / "wamrc",
                             "armv6m-classic": out / "armv6m-classic"}
    assert lines == ["[1/3] host-fast: configuring", f"[1/3] host-fast: building (log: {out}/logs/host-fast.log)",
                     "[2/3] wamrc: configuring", f"[2/3] wamrc: building (log: {out}/logs/wamrc.log)",
                     "[3/3] armv6m-classic: configuring",
                     f"[3/3] armv6m-classic: building (log: {out}/logs/armv6m-classic.log)"]
    for name in ("host-fast", "armv6m-classic"):
        assert sorted(p.name for p in (out / name / "include").iterdir()) == sorted(wb.HEADERS)
        assert (out / name / "include" / "wasm_export.h").read_text() == "/* wasm_export.h */\n"
    assert not (out / "wamrc" / "include").exists()
    builds = fake_cmake.read_text().splitlines()
    assert builds == [f"{out}/host-fast --build {out}/host-fast -j 3",
                      f"{out}/wamrc --build {out}/wamrc -j 3",
                      f"{out}/armv6m-classic --build {out}/armv6m-classic -j 3 --target vmlib"]
    configures = Path(str(fake_cmake) + ".configure").read_text().splitlines()
    assert configures[0].startswith(f"-S {tree.resolve()}/product-mini/platforms/linux -B {out}/host-fast ")
    assert configures[1].startswith(f"-S {tree.resolve()}/wamr-compiler -B {out}/wamrc ")
    assert configures[1].endswith(" -DLLVM_DIR=/llvm/lib/cmake/llvm")
    assert configures[2].startswith(f"-S {tree.resolve()} -B {out}/armv6m-classic ")
    log = (out / "logs" / "host-fast.log").read_text()
    assert log.startswith(f"$ cmake -S {tree.resolve()}/product-mini/platforms/linux") and "cmake --build" in log
    ident = json.loads((out / "wasmcu-build.json").read_text())
    assert ident == {"version": "2.4.5", "source": str(tree.resolve()),
                     "source_sha256": wb._tree_identity_uncached(str(tree.resolve()))[1]}
    assert outcome.config_file == cfg
    data = tomllib.loads(cfg.read_text())
    assert data["wamr"]["fast"] == str(out / "host-fast") and data["wamr"]["wamrc"] == str(out / "wamrc" / "wamrc")


def test_build_skips_wamrc_without_llvm_and_can_leave_the_config_alone(tmp_path, cfg, fake_cmake, monkeypatch):
    monkeypatch.setattr(wb, "llvm_cmake_dir", lambda: None)
    tree = wamr_tree(tmp_path / "wamr")
    lines = []
    outcome = wb.build(tree, tmp_path / "out", only=["wamrc", "host-classic"], write_config=False,
                       progress=lines.append)
    assert list(outcome.built) == ["host-classic"]
    assert outcome.skipped == {"wamrc": "no LLVM development files: apt-get install llvm-19-dev (then run again)"}
    assert lines[2] == "[2/2] wamrc: skipped, no LLVM development files: apt-get install llvm-19-dev (then run again)"
    assert outcome.config_file is None and not cfg.exists()
    # nothing built: no config written either
    outcome = wb.build(tree, tmp_path / "out2", only=["wamrc"], progress=lines.append)
    assert outcome.built == {} and outcome.config_file is None and not cfg.exists()


def test_a_failing_configuration_names_its_log_and_shows_its_end(tmp_path, cfg, fake_cmake, monkeypatch):
    monkeypatch.setenv("WASMCU_TEST_FAIL", "host-fast")
    tree = wamr_tree(tmp_path / "wamr")
    with pytest.raises(wb.WamrBuildError) as exc:
        wb.build(tree, tmp_path / "out", only=["host-classic", "host-fast"], progress=lambda s: None)
    log = (tmp_path / "out").resolve() / "logs" / "host-fast.log"
    msg = str(exc.value)
    assert msg.startswith(f"building host-fast failed (exit 3); full log: {log}\n")
    assert msg.endswith("error: it broke") and "$ cmake --build" in msg
    assert not cfg.exists()


def test_build_refuses_another_release_series_an_unknown_configuration_and_a_missing_cmake(tmp_path, cfg,
                                                                                         fake_cmake, monkeypatch):
    old = wamr_tree(tmp_path / "old", (1, 3, 2))
    with pytest.raises(ConfigError) as exc:
        wb.build(old, tmp_path / "out")
    assert "WAMR 1.3.2 is not the release series wasmcu supports" in str(exc.value)
    assert exc.value.expected == "WAMR 2.4.x (or pass --any-version to try it anyway)"
    assert not (tmp_path / "out").exists()
    lines = []
    wb.build(old, tmp_path / "out", only=["host-classic"], any_version=True, progress=lines.append)
    assert lines[0] == "[1/1] host-classic: configuring"
    tree = wamr_tree(tmp_path / "wamr")
    with pytest.raises(ConfigError) as exc:
        wb.build(tree, tmp_path / "out", only=["host-classic", "nope", "armv6m-xyz"])
    assert "unknown WAMR configuration(s) armv6m-xyz, nope" in str(exc.value)
    assert exc.value.expected.startswith("some of host-classic, host-fast, wamrc, armv6m-classic")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ConfigError, match="cmake was not found"):
        wb.build(tree, tmp_path / "out3")
    assert not (tmp_path / "out3").exists()


def test_build_notices_a_configuration_that_made_no_product(tmp_path, cfg, fake_cmake):
    (tmp_path / "bin" / "cmake").write_text(FAKE_CMAKE.replace('touch "$2/libiwasm.a"', "true"))
    tree = wamr_tree(tmp_path / "wamr")
    with pytest.raises(wb.WamrBuildError) as exc:
        wb.build(tree, tmp_path / "out", only=["host-classic"], progress=lambda s: None)
    out = (tmp_path / "out").resolve()
    assert str(exc.value) == (f"building host-classic finished without {out}/host-classic/libiwasm.a; "
                              f"log: {out}/logs/host-classic.log")
