"""The runtime registry: one declaration per runtime, and runtimes from other packages
through entry points (group `wasmcu.runtimes`), added without editing wasmcu."""

import os
import textwrap

import pytest
from conftest import ROOT, bench_json, wasmcu

from wasmcu.errors import ConfigError
from wasmcu.model import EXECUTION_MODES
from wasmcu.runtimes import RUNTIMES, defaults, get
from wasmcu.runtimes.base import Runtime
from wasmcu.runtimes.registry import GROUP, Registry
from wasmcu.workloads import discover

PLUGIN = '''
from wasmcu.runtimes.wasm3 import Wasm3


class Wasm3Again(Wasm3):
    """wasm3's behaviour under another name: a runtime declared outside wasmcu."""

    name = "wasm3-again"
    summary = "wasm3 declared by a test package"
'''


def make_dist(root, module: str, source: str, entry_points: str, name: str = "wasmcu-test-runtime"):
    """A package and its dist-info in `root` (a folder to put on sys.path): what pip would install."""
    (root / f"{module}.py").write_text(source)
    info = root / f"{name.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{textwrap.dedent(entry_points).strip()}\n")
    return root


def plugin_env(root):
    return {"PYTHONPATH": f"{root}{os.pathsep}{ROOT / 'src'}"}


def test_builtin_declarations_are_complete():
    for name, rt in RUNTIMES.items():
        assert rt.name == name and rt.mode in EXECUTION_MODES and rt.summary
        assert set(rt.where) <= {"host", "firmware"}
        if "firmware" in rt.where:
            assert (ROOT / "src/wasmcu/backends/firmware" / rt.firmware_glue).is_file(), name
    # the default sets, read from the declarations (they were tables in plan.py)
    assert defaults("host") == ["native", "wasm3", "wasmtime", "wasmtime-pulley", "v8-liftoff", "v8-turbofan",
                                "wasm2c", "wamr-classic", "wamr-fast", "wamr-aot"]
    assert defaults("qemu") == ["native", "wasm3", "wasm2c", "wamr-classic", "wamr-fast", "wamr-aot"]
    assert defaults("board") == ["native", "wasm3", "wamr-classic", "wamr-fast"]


@pytest.mark.parametrize("attrs, message", [
    ({"name": "", "mode": "jit"}, "invalid runtime name"),
    ({"name": "a,b", "mode": "jit"}, "invalid runtime name"),
    ({"name": "x", "mode": "compiled"}, "invalid mode 'compiled'"),
    ({"name": "x", "mode": "jit", "where": ("cloud",)}, "invalid where"),
    ({"name": "x", "mode": "jit", "where": ("firmware",)}, "names no firmware_glue"),
    ({"name": "x", "mode": "jit", "default": ("qemu", "mars")}, "invalid default"),
])
def test_bad_declaration_is_refused_saying_what_to_fix(attrs, message):
    cls = type("Bad", (Runtime,), attrs)
    with pytest.raises(ConfigError, match=message):
        Registry().add(cls(), "test")


def test_a_name_is_declared_once():
    reg = Registry()
    reg.add(type("A", (Runtime,), {"name": "x", "mode": "jit"})(), "package a")
    with pytest.raises(ConfigError, match="'x' is already declared by package a"):
        reg.add(type("B", (Runtime,), {"name": "x", "mode": "aot"})(), "package b")


def test_unknown_runtime_names_the_known_ones():
    with pytest.raises(ConfigError, match="unknown runtime 'wasm4'; known: native, wasm3"):
        get("wasm4")


def test_entry_point_runtime_in_process(tmp_path, monkeypatch):
    make_dist(tmp_path, "wasmcu_again", PLUGIN, "wasm3-again = wasmcu_again:Wasm3Again")
    monkeypatch.syspath_prepend(str(tmp_path))
    reg = Registry()
    for rt in RUNTIMES.values():
        reg.add(rt)
    rt = reg["wasm3-again"]
    assert rt.mode == "interpreter" and rt.where == ("host", "firmware")
    assert "package wasmcu-test-runtime" in reg.origin("wasm3-again")
    assert reg.defaults("qemu")[-1] == "wasm3-again" and "wasm3-again" in reg.defaults("host")


@pytest.mark.parametrize("value, message", [
    ("wasmcu_broken:NOT_THERE", "cannot be loaded: AttributeError"),
    ("wasmcu_broken:NOT_A_RUNTIME", "is not a wasmcu.runtimes.base.Runtime"),
    ("wasmcu_broken:Misnamed", "named 'broken' but declares runtime 'other'"),
])
def test_broken_entry_point_is_named(tmp_path, monkeypatch, value, message):
    source = PLUGIN + "\nNOT_A_RUNTIME = 3\n\nclass Misnamed(Wasm3):\n    name = 'other'\n"
    make_dist(tmp_path, "wasmcu_broken", source, f"broken = {value}", name="wasmcu-broken")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match=message) as info:
        list(Registry())
    assert "entry point broken" in str(info.value) and "wasmcu-broken" in str(info.value)


@pytest.mark.qemu
def test_entry_point_runtime_end_to_end(tmp_path, db):
    """A runtime from another package, installed only as a dist-info on the path: listed,
    and run on the host and on an emulated board with verified checksums."""
    (tmp_path / "site").mkdir()
    env = plugin_env(make_dist(tmp_path / "site", "wasmcu_again", PLUGIN, "wasm3-again = wasmcu_again:Wasm3Again"))
    listed = wasmcu("list", "runtimes", env=dict(env, COLUMNS="200"))
    assert listed.returncode == 0, listed.stderr
    assert "wasm3-again" in listed.stdout and "wasm3 declared by a test package" in listed.stdout
    proc, cells = bench_json("--device", "host,pico", "--runtime", "wasm3-again", "--workload", "crc16:10",
                             "--lang", "c", "--repeat", "3", "--db", str(db), env=env)
    assert proc.returncode == 0, proc.stderr
    expected = discover()["crc16"].expected(10)
    assert sorted((c["device"], c["runtime"], c["status"]) for c in cells) == [("host", "wasm3-again", "ok"),
                                                                               ("pico", "wasm3-again", "ok")]
    assert all(c["checksum"] == c["expected"] == expected for c in cells)
    pico = next(c for c in cells if c["device"] == "pico")
    assert pico["cycles"] > 0 and pico["provenance"]["mode"] == "interpreter"
