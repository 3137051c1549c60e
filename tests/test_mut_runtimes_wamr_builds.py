"""Finding the user's WAMR builds: what each missing or wrong build says, the AOT compiler and its
options, and the versions registered side by side (stand-in libraries and a stand-in wamrc)."""

import shutil
from pathlib import Path

import pytest

from wasmcu import devices
from wasmcu.errors import CellError, RuntimeUnavailable
from wasmcu.runtimes.wamr import builds

from test_mut_runtimes_wamr import AOT, CLASSIC, FAST, cfg, fake_build, needs_cc  # noqa: F401


@pytest.fixture
def bare_path(tmp_path, monkeypatch):
    """PATH with nm only: no iwasm or wamrc of the machine's."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "nm").symlink_to(shutil.which("nm"))
    monkeypatch.setenv("PATH", str(bindir))
    return bindir


@needs_cc
@pytest.mark.parametrize("kind, option", [("classic", "-DWAMR_BUILD_FAST_INTERP=0"),
                                          ("fast", "-DWAMR_BUILD_FAST_INTERP=1"), ("aot", "-DWAMR_BUILD_AOT=1")])
def test_no_host_build_says_how_to_make_one(cfg, bare_path, kind, option):
    with pytest.raises(RuntimeUnavailable) as exc:
        builds.host_build(kind)
    assert str(exc.value) == (
        f"no WAMR build found for wamr-{kind}: run `wasmcu wamr build PATH-TO-WAMR-SOURCE`, or build WAMR 2.4 "
        f"(product-mini/platforms/linux, {option}) and set WASMCU_WAMR_{kind.upper()} to its build directory, or "
        f"put its iwasm on PATH (see the docs page 'Using WAMR')")


@needs_cc
def test_an_iwasm_on_path_is_used_and_named(tmp_path, cfg, monkeypatch):
    d = fake_build(tmp_path / "linux", CLASSIC)
    bare_path = tmp_path / "bin"
    bare_path.mkdir()
    (bare_path / "nm").symlink_to(shutil.which("nm"))
    monkeypatch.setenv("PATH", str(bare_path))
    (d / "iwasm").write_text("#!/bin/sh\n")
    (d / "iwasm").chmod(0o755)
    (bare_path / "iwasm").symlink_to(d / "iwasm")
    b = builds.host_build("classic")
    assert (b.directory, b.library, b.interp, b.aot) == (d, d / "libiwasm.a", "classic", False)
    with pytest.raises(RuntimeUnavailable) as exc:
        builds.host_build("aot")
    assert str(exc.value).startswith(f"the WAMR build at iwasm on PATH ({bare_path / 'iwasm'}) has no AOT support "
                                     "(classic interpreter): rebuild with -DWAMR_BUILD_AOT=1")
    with pytest.raises(RuntimeUnavailable) as exc:
        builds.host_build("fast")
    assert str(exc.value).startswith(f"the WAMR build at iwasm on PATH ({bare_path / 'iwasm'}) is a classic "
                                     "interpreter build, not the fast interpreter: point it at a build with "
                                     "-DWAMR_BUILD_FAST_INTERP=1")


@needs_cc
def test_the_environment_names_a_build_before_the_config(tmp_path, cfg, monkeypatch):
    fast = fake_build(tmp_path / "fast", FAST + AOT)
    classic = fake_build(tmp_path / "classic", CLASSIC)
    cfg(f'[wamr]\nfast = "{classic}"\n')
    monkeypatch.setenv("WASMCU_WAMR_FAST", str(fast))
    assert builds.host_build("fast").directory == fast
    monkeypatch.setenv("WASMCU_WAMR_AOT", str(classic))
    with pytest.raises(RuntimeUnavailable, match=f"at WASMCU_WAMR_AOT={classic} has no AOT support"):
        builds.host_build("aot")
    monkeypatch.setenv("WASMCU_WAMR_AOT", str(fast))
    assert builds.host_build("aot").aot is True


@needs_cc
def test_open_build_says_what_is_wrong_with_a_directory(tmp_path):
    with pytest.raises(RuntimeUnavailable) as exc:
        builds.open_build(str(tmp_path / "gone"))
    assert str(exc.value) == f"{tmp_path / 'gone'} does not exist (see the docs page 'Using WAMR')"
    (tmp_path / "empty").mkdir()
    with pytest.raises(RuntimeUnavailable) as exc:
        builds.open_build(str(tmp_path / "empty"))
    assert str(exc.value).startswith(f"{tmp_path / 'empty'} holds no libiwasm.a: point wasmcu at the WAMR build")
    vm = fake_build(tmp_path / "vm", CLASSIC, name="libvmlib.a")
    assert builds.open_build(str(vm)).library == vm / "libvmlib.a"
    bare = fake_build(tmp_path / "bare", CLASSIC, headers=False)
    with pytest.raises(RuntimeUnavailable, match=r"cannot find WAMR's headers for the build in .*bare: no include/"):
        builds.open_build(str(bare))
    (bare / "CMakeCache.txt").write_text("CMAKE_BUILD_TYPE:STRING=Release\n")  # names no source tree
    with pytest.raises(RuntimeUnavailable, match="cannot find WAMR's headers"):
        builds.open_build(str(bare))
    (bare / "CMakeCache.txt").write_text(f"CMAKE_HOME_DIRECTORY:INTERNAL={tmp_path / 'moved'}\n")  # moved away
    with pytest.raises(RuntimeUnavailable, match="did the source tree move"):
        builds.open_build(str(bare))
    home = tmp_path / "src" / "wamr" / "product-mini" / "platforms" / "linux"
    home.mkdir(parents=True)
    (tmp_path / "src" / "wamr" / "core" / "iwasm" / "include").mkdir(parents=True)
    (tmp_path / "src" / "wamr" / "core" / "iwasm" / "include" / "wasm_export.h").write_text("")
    (bare / "CMakeCache.txt").write_text(f"X:BOOL=ON\nCMAKE_HOME_DIRECTORY:INTERNAL={home}  \nY:BOOL=OFF\n")
    assert builds.open_build(str(bare)).include == tmp_path / "src" / "wamr" / "core" / "iwasm" / "include"
    assert builds._wamr_source(tmp_path / "empty") is None


def test_wamrc_is_found_by_config_or_path_and_must_be_a_program(tmp_path, cfg, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    monkeypatch.setenv("PATH", str(bindir))
    with pytest.raises(RuntimeUnavailable) as exc:
        builds.wamrc()
    assert str(exc.value).startswith("wamrc (WAMR's AOT compiler) was not found: run `wasmcu wamr build")
    onpath = bindir / "wamrc"
    onpath.write_text("#!/bin/sh\n")
    onpath.chmod(0o755)
    assert builds.wamrc() == str(onpath)
    text = tmp_path / "wamrc.txt"
    text.write_text("")
    monkeypatch.setenv("WASMCU_WAMRC", str(text))
    with pytest.raises(RuntimeUnavailable, match=f"wamrc at WASMCU_WAMRC={text} is not an executable file"):
        builds.wamrc()
    monkeypatch.delenv("WASMCU_WAMRC")
    cfg(f'[wamr.versions."2.4.3"]\nwamrc = "{onpath}"\n')
    assert builds.wamrc("2.4.3") == str(onpath)
    monkeypatch.setenv("WASMCU_WAMRC", str(text))  # the environment names the default's, not a version's
    assert builds.wamrc("2.4.3") == str(onpath)


def test_wamrc_options_come_from_the_arch_file(monkeypatch):
    assert builds.wamrc_options("armv6m")[:2] == ["--target=thumbv6m", "--target-abi=eabi"]
    assert "--xip" in builds.wamrc_options("rv32imac")
    real = devices.arch_data
    monkeypatch.setattr(devices, "arch_data", lambda a: {} if a == "newcore" else real(a))
    with pytest.raises(RuntimeUnavailable, match="architecture 'newcore' has no wamrc options: add \\[wamr\\] wamrc"):
        builds.wamrc_options("newcore")


WAMRC = """#!/bin/sh
# wamrc [OPTIONS] -o OUT IN
out=""
while [ $# -gt 1 ]; do
  if [ "$1" = "-o" ]; then out="$2"; fi
  echo "arg $1" >> "$WAMRC_LOG"
  shift
done
case "$1" in *bad*) echo "error: invalid wasm file"; exit 1;; esac
echo "compiled $1" > "$out"
"""


def test_compile_aot_runs_wamrc_with_the_boards_options_and_caches(tmp_path, cfg, monkeypatch):
    wamrc = tmp_path / "wamrc"
    wamrc.write_text(WAMRC)
    wamrc.chmod(0o755)
    log = tmp_path / "wamrc.log"
    monkeypatch.setenv("WAMRC_LOG", str(log))
    monkeypatch.setenv("WASMCU_WAMRC", str(wamrc))
    wasm = tmp_path / "m.wasm"
    wasm.write_bytes(b"\0asm one")
    host = builds.compile_aot(wasm)
    assert host.name == "module.aot" and host.read_text() == f"compiled {wasm}\n"
    assert host.parent.parent == tmp_path / "cache" / "wamr-aot"
    first = log.read_text().splitlines()
    assert len(first) == 2 and first[0] == "arg -o" and first[1].startswith(f"arg {tmp_path / 'cache' / 'wamr-aot'}")
    board = builds.compile_aot(wasm, "armv6m")
    assert board != host and [f"arg {o}" for o in builds.wamrc_options("armv6m")] == \
        log.read_text().splitlines()[2:2 + len(builds.wamrc_options("armv6m"))]
    runs = len(log.read_text().splitlines())
    assert builds.compile_aot(wasm, "armv6m") == board and len(log.read_text().splitlines()) == runs  # cached
    wasm.write_bytes(b"\0asm two")
    assert builds.compile_aot(wasm, "armv6m") != board
    bad = tmp_path / "bad.wasm"
    bad.write_bytes(b"nope")
    with pytest.raises(CellError) as exc:
        builds.compile_aot(bad)
    assert exc.value.kind == "build-failed"
    assert str(exc.value) == "wamrc could not compile the module: error: invalid wasm file"
    array = builds.aot_c_array(board)
    assert array.name == "module_aot.c" and array.parent.parent == tmp_path / "cache" / "wamr-aot-array"
    assert "0x63" in array.read_text().lower()  # the bytes of "compiled ..."


def test_versions_lists_the_registered_tables_only(cfg):
    cfg('[wamr]\nclassic = "/x"\n[wamr.versions."2.4.5"]\nclassic = "/a"\n[wamr.versions."2.4.3+abc"]\n'
        'fast = "/b"\n[wamr.versions]\nstray = "not a table"\n')
    assert builds.versions() == ["2.4.5", "2.4.3+abc"]
    cfg('[wamr]\nversions = "x"\n')
    assert builds.versions() == []
    cfg("")
    assert builds.versions() == []
