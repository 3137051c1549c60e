"""The runtime registry, the runtime record of a cell, the out-of-process runner and V8's runtimes,
checked in-process (a registry of the test's own, stand-in runtimes and node programs)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wasmcu import tools
from wasmcu.errors import CellError, ConfigError, NotRepeatable
from wasmcu.runtimes import base, registry, v8
from wasmcu.runtimes.base import HostJob, Runtime
from wasmcu.runtimes.identity import describe_version, runtime_record
from wasmcu.runtimes.registry import Registry


def _rt(name="x", **attrs):
    return type("R", (Runtime,), {"name": name, "mode": "jit", **attrs})()


# --- registry ------------------------------------------------------------------------------------

def test_a_bad_declaration_says_what_was_expected():
    with pytest.raises(ConfigError) as exc:
        Registry().add(_rt(where=("cloud",)), "pkg")
    assert exc.value.expected == "a tuple of 'host' and/or 'firmware'"
    assert str(exc.value).startswith("pkg: runtime 'x': invalid where ('cloud',)")
    with pytest.raises(ConfigError) as exc:
        Registry().add(_rt(where=()), "pkg")
    assert "invalid where ()" in str(exc.value)
    with pytest.raises(ConfigError) as exc:
        Registry().add(_rt(mode="compiled"), "pkg")
    assert exc.value.expected.startswith("one of ") and "jit" in exc.value.expected
    with pytest.raises(ConfigError) as exc:
        Registry().add(_rt(default=("qemu", "mars")), "pkg")
    assert exc.value.expected == "True, False or a tuple of backends (host, qemu, board)"
    with pytest.raises(ConfigError) as exc:
        Registry().add(_rt(where=("firmware",), firmware_glue="glue.c"), "pkg")
    assert "firmware_glue 'glue.c' is not an absolute path" in str(exc.value)
    with pytest.raises(ConfigError, match=r"pkg: 3 is not a wasmcu.runtimes.base.Runtime"):
        Registry().add(3, "pkg")
    with pytest.raises(ConfigError, match=r"pkg: invalid runtime name ' x'"):
        Registry().add(_rt(" x"), "pkg")


def test_a_name_declared_twice_names_both_and_what_to_do():
    reg = Registry()
    reg.add(_rt("x"), "package a")
    reg.add(_rt("x"), "package a")  # the same origin again (a provider asked twice) replaces it
    with pytest.raises(ConfigError) as exc:
        reg.add(_rt("x"), "package b")
    assert str(exc.value).startswith("package b: runtime 'x' is already declared by package a")
    assert exc.value.expected == "a name no other runtime uses (see `wasmcu list runtimes`)"


def test_register_declares_classes_instances_and_lists_in_the_registry(monkeypatch):
    reg = Registry()
    monkeypatch.setattr(registry, "REGISTRY", reg)
    monkeypatch.setattr(reg, "_plugins_loaded", True)  # no entry points of installed packages here

    class Mine(Runtime):
        name, mode = "mine", "interpreter"

    assert registry.register(Mine) is Mine
    pair = [_rt("a"), _rt("b")]
    assert registry.register(pair) is pair
    assert list(reg) == ["mine", "a", "b"] and isinstance(reg["mine"], Mine)
    assert reg.origin("mine") == "wasmcu" and reg.origin("b") == "wasmcu"

    class NotOne:
        pass

    with pytest.raises(ConfigError) as exc:
        registry.register(NotOne)
    assert str(exc.value) == (f"{__name__}.NotOne: NotOne is not a subclass of wasmcu.runtimes.base.Runtime")
    with pytest.raises(ConfigError) as exc:
        registry.register([NotOne])  # a list has no module or name of its own
    assert str(exc.value).startswith(f"wasmcu.[<class '{__name__}.")
    assert str(exc.value).endswith("NotOne is not a subclass of wasmcu.runtimes.base.Runtime")

    class NeedsArgs(Runtime):
        name, mode = "args", "jit"

        def __init__(self, size):
            self.size = size

    with pytest.raises(ConfigError) as exc:
        registry.register(NeedsArgs)
    assert str(exc.value).startswith(f"{__name__}.NeedsArgs: NeedsArgs() failed: ")
    assert exc.value.expected == "a Runtime subclass that takes no constructor arguments"


def test_a_provider_is_asked_again_when_the_config_file_changes(tmp_path, monkeypatch):
    cfg = tmp_path / "config.toml"
    cfg.write_text("")
    monkeypatch.setenv("WASMCU_CONFIG", str(cfg))
    reg = Registry()
    reg._plugins_loaded = True
    reg.add(_rt("own"))
    names = [["p1", "p2"]]
    asked = []

    def provider():
        asked.append(1)
        return [_rt(n) for n in names[-1]]

    reg.add_provider(provider)
    assert list(reg) == ["own", "p1", "p2"] and len(asked) == 1
    assert reg.origin("p1") == f"the config file {cfg}"
    assert len(reg) == 3 and len(asked) == 1  # the same file: not asked again
    names.append(["p3"])
    cfg.write_text("# changed\n")
    import os
    os.utime(cfg, ns=(1, 10**18))
    assert list(reg) == ["own", "p3"] and len(asked) == 2
    with pytest.raises(ConfigError, match="unknown runtime 'p1'; known: own, p3"):
        reg.get_runtime("p1")
    # another provider: asked at once
    reg.add_provider(lambda: [_rt("q")])
    assert "q" in reg and len(asked) == 3


def test_defaults_follow_each_runtimes_places_and_default():
    reg = Registry()
    reg._plugins_loaded = True
    glue = Path(__file__).resolve()
    reg.add(_rt("all", where=("host", "firmware"), firmware_glue=glue))
    reg.add(_rt("none", default=False))
    reg.add(_rt("qemu-only", where=("host", "firmware"), firmware_glue=glue, default=("qemu",)))
    reg.add(_rt("host-only"))
    assert reg.defaults("host") == ["all", "host-only"]
    assert reg.defaults("qemu") == ["all", "qemu-only"]
    assert reg.defaults("board") == ["all"]
    assert registry.runs_on(reg["qemu-only"], "board") and not registry.runs_on(reg["host-only"], "board")
    assert not registry.runs_on(reg["all"], "mars")


def test_the_package_imports_every_module_but_the_support_ones(monkeypatch):
    import importlib
    import pkgutil

    import wasmcu.runtimes as runtimes

    mods = [pkgutil.ModuleInfo(None, n, False) for n in ("base", "registry", "wasi", "my_runtime", "timing",
                                                         "other")]
    monkeypatch.setattr(pkgutil, "iter_modules", lambda path: mods)
    imported = []
    monkeypatch.setattr(importlib, "import_module", lambda name: imported.append(name))
    runtimes._import_the_rest()
    assert imported == ["wasmcu.runtimes.my_runtime", "wasmcu.runtimes.other"]


# --- identity ------------------------------------------------------------------------------------

class _Ident(Runtime):
    name, mode = "ident", "jit"

    def __init__(self, info=None, error=None):
        self.info, self.error = info, error

    def version_info(self):
        if self.error is not None:
            raise self.error
        return self.info


@pytest.mark.parametrize("info, error, record_from, text", [
    ({"version": "0.9.0", "source_sha256": "ab", "from": "/tree"}, None, "/tree", "0.9.0 (from /tree)"),
    ({"version": "0.9.0"}, None, None, "0.9.0"),
    ({"version": None, "from": "/tree"}, None, "/tree", "? (from /tree)"),
    ({"version": None, "from": None}, None, None, "-"),
    (None, None, None, "-"),
    (None, RuntimeError("no build here\nsecond line"), "unknown: no build here", "-"),
    (None, KeyError(), "unknown: KeyError", "-"),
])
def test_runtime_record_and_its_description(info, error, record_from, text):
    rt = _Ident(info, error)
    rec = runtime_record(rt)
    assert rec["name"] == "ident" and rec["from"] == record_from
    assert set(rec) == {"name", "version", "source_sha256", "from"}
    if info and error is None:
        assert rec["version"] == info.get("version") and rec["source_sha256"] == info.get("source_sha256")
    assert describe_version(rt) == text


def test_a_version_with_an_unknown_origin_is_still_shown():
    assert describe_version(_Ident({"version": "1.2", "from": "unknown: but a version"})) == \
        "1.2 (from unknown: but a version)"
    assert describe_version(_Ident({"version": None, "from": "Unknown: tree"})) == "? (from Unknown: tree)"


# --- run_measured ----------------------------------------------------------------------------------

def test_run_measured_returns_the_output_exit_status_and_the_programs_own_peak_rss():
    code = ("import sys; b = b'x' * (48 << 20); sys.stdout.write('out\\nline'); sys.stderr.write('err!'); "
            "sys.exit(len(b) % 7 + 3)")
    cmd = [sys.executable, "-I", "-S", "-c", code]
    proc, rss = base.run_measured(cmd)
    assert isinstance(proc, subprocess.CompletedProcess)
    assert proc.args == cmd and proc.returncode == (48 << 20) % 7 + 3
    assert proc.stdout == "out\nline" and proc.stderr == "err!"
    assert 48 << 20 < rss < 1 << 30  # bytes: the 48 MiB it held, not kilobytes
    proc, _ = base.run_measured([sys.executable, "-I", "-S", "-c", "import os; os.kill(os.getpid(), 9)"])
    assert proc.returncode == -9 and proc.stdout == "" and proc.stderr == ""


# --- V8 ------------------------------------------------------------------------------------------

def _node(tmp_path, version):
    p = tmp_path / f"node-{version}"
    p.write_text(f"#!/bin/sh\necho {version}\n")
    p.chmod(0o755)
    return str(p)


def test_v8_says_when_node_is_missing_or_too_old(tmp_path, monkeypatch):
    monkeypatch.setenv("WASMCU_NODE", str(tmp_path / "no-node"))
    assert v8.V8().unavailable_reason() == "Node.js was not found: apt-get install nodejs (or set WASMCU_NODE)"
    old = _node(tmp_path, "v10.1.0")
    monkeypatch.setenv("WASMCU_NODE", old)
    assert v8.V8Turbofan().unavailable_reason() == (f"{old} is version 10 (v10.1.0); wasmcu needs node 16 or newer: "
                                                    "apt-get install nodejs")
    monkeypatch.setenv("WASMCU_NODE", _node(tmp_path, "v20.3.1"))
    assert v8.V8().unavailable_reason() is None
    assert v8.V8().versions() == {"node": "v20.3.1"}


def _job(tmp_path, **kw):
    wasm = tmp_path / "m.wasm"
    wasm.write_bytes(base.IDENTITY_WASM)  # a kernel module, not a WASI command
    args = dict(runtime="v8-liftoff", artifact=str(wasm), repeat=5, warmup=2, load_repeat=3, min_sample_us=100.0,
                min_warmup_s=0.5, seed=7)
    args.update(kw)
    return HostJob(**args)


def test_v8_measure_runs_node_with_its_flags_and_reads_the_result(tmp_path, monkeypatch):
    node = _node(tmp_path, "v20.3.1")
    monkeypatch.setenv("WASMCU_NODE", node)
    cmds = []
    result = {"checksum": 9, "samples_us": [2.0, 3.0], "load_samples_us": [7.0], "calls_per_sample": 10,
              "node": "v20.3.1", "v8": "11.3"}
    monkeypatch.setattr(v8, "run_measured",
                        lambda cmd: cmds.append(cmd) or (subprocess.CompletedProcess(cmd, 0, json.dumps(result), ""),
                                                         5000))
    job = _job(tmp_path)
    m = v8.V8Turbofan().measure(job)
    assert (m.checksum, m.samples_us, m.load_samples_us, m.calls_per_sample, m.peak_rss_bytes, m.extra) == \
        (9, [2.0, 3.0], [7.0], 10, 5000, {"node": "v20.3.1", "v8": "11.3"})
    assert cmds[0] == [node, "--no-liftoff", str(v8.SCRIPT), job.artifact, "5", "2", "3", "100.0", "7", "0.5"]
    assert v8.V8().once_sample(job, tmp_path, 0) == (9, 2.0, 7.0)
    assert cmds[1] == [node, "--liftoff-only", str(v8.SCRIPT), job.artifact, "5", "2", "1", "100.0", "7", "0.5", "once"]


@pytest.mark.parametrize("rc, stdout, stderr, kind, text", [
    (1, "", "SyntaxError: bad\n", "crash", "node failed (exit 1): SyntaxError: bad"),
    (134, "not json", "", "crash", "node failed (exit 134): not json"),
    (0, json.dumps({"error": "RuntimeError: unreachable", "kind": "trap"}), "", "trap", "V8: RuntimeError: unreachable"),
    (0, json.dumps({"error": "odd"}), "", "error", "V8: odd"),
])
def test_v8_measure_turns_node_failures_into_cell_errors(tmp_path, monkeypatch, rc, stdout, stderr, kind, text):
    monkeypatch.setenv("WASMCU_NODE", _node(tmp_path, "v20.3.1"))
    monkeypatch.setattr(v8, "run_measured", lambda cmd: (subprocess.CompletedProcess(cmd, rc, stdout, stderr), 1))
    with pytest.raises(CellError) as exc:
        v8.V8().measure(_job(tmp_path))
    assert exc.value.kind == kind and str(exc.value) == text


def test_v8_measure_says_when_the_kernel_is_not_repeatable(tmp_path, monkeypatch):
    monkeypatch.setenv("WASMCU_NODE", _node(tmp_path, "v20.3.1"))
    out = json.dumps({"error": "sample 3 returned 5, not 4", "kind": "not-repeatable"})
    monkeypatch.setattr(v8, "run_measured", lambda cmd: (subprocess.CompletedProcess(cmd, 0, out, ""), 1))
    with pytest.raises(NotRepeatable) as exc:
        v8.V8().measure(_job(tmp_path))
    assert str(exc.value) == "kernel is not repeatable under V8: sample 3 returned 5, not 4"


def test_v8_contain_runs_its_program_with_the_watchdog_in_milliseconds(tmp_path, monkeypatch):
    from wasmcu.runtimes import contained_program

    node = _node(tmp_path, "v20.3.1")
    monkeypatch.setenv("WASMCU_NODE", node)
    seen = []
    monkeypatch.setattr(contained_program, "run_contain_program", lambda cmd, who: seen.append((cmd, who)) or {})
    job = _job(tmp_path, watchdog_s=0.2)
    v8.V8().contain(job)
    v8.V8Turbofan().contain(_job(tmp_path))  # no watchdog given: a second
    assert seen == [([node, "--liftoff-only", str(v8.CONTAIN_SCRIPT), job.artifact, "7", "200"], "V8"),
                    ([node, "--no-liftoff", str(v8.CONTAIN_SCRIPT), job.artifact, "7", "1000"], "V8")]
