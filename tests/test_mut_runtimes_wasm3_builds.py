"""A registered wasm3 build's directory, sources and host program (the compiler replaced by a recorder)."""

import json
import subprocess
from pathlib import Path

import pytest

from wasmcu import tools
from wasmcu.errors import ConfigError, RuntimeUnavailable
from wasmcu.runtimes.wasm3 import builds as w3builds


def build_dir(d: Path, version="0.9.1", info=True) -> Path:
    src = d / "src"
    src.mkdir(parents=True)
    (src / "wasm3.h").write_text(f'#  define  M3_VERSION   "{version}"\n')
    (src / "m3_core.c").write_text("int core;\n")
    (src / "m3_env.c").write_text("int env;\n")
    (src / "m3_api_libc.c").write_text("int api;\n")
    (src / "m3_exec.h").write_text("/* exec */\n")
    if info:
        (d / "wasmcu-build.json").write_text(json.dumps({"source": "/trees/w3", "source_sha256": "cafe"}))
    return d


def test_sources_version_and_hash_of_a_tree(tmp_path):
    d = build_dir(tmp_path / "b")
    assert [p.name for p in w3builds.c_sources(d / "src")] == ["m3_core.c", "m3_env.c"]  # no host-API bindings
    assert w3builds.m3_version(d / "src") == "0.9.1"
    h = w3builds.source_hash(d / "src")
    (d / "src" / "m3_api_libc.c").write_text("int changed;\n")  # not an interpreter file
    (d / "src" / "notes.txt").write_text("x")
    assert w3builds.source_hash(d / "src") == h
    (d / "src" / "m3_exec.h").write_text("/* changed */\n")
    assert w3builds.source_hash(d / "src") != h
    renamed = build_dir(tmp_path / "r")
    (renamed / "src" / "m3_env.c").rename(renamed / "src" / "m3_env2.c")
    assert w3builds.source_hash(renamed / "src") != w3builds.source_hash(build_dir(tmp_path / "s") / "src")
    (d / "src" / "wasm3.h").write_text("/* no version */\n")
    with pytest.raises(ConfigError) as exc:
        w3builds.m3_version(d / "src")
    assert "no M3_VERSION in wasm3.h" in str(exc.value) and exc.value.file == d / "src" / "wasm3.h"


def test_open_build_reads_its_record_and_refuses_an_incomplete_one(tmp_path):
    d = build_dir(tmp_path / "b")
    b = w3builds.open_build(d, "0.9.1", "[wasm3.builds] here")
    assert (b.version, b.directory, b.source, b.source_sha256, b.origin, b.src) == \
        ("0.9.1", d, "/trees/w3", "cafe", "[wasm3.builds] here", d / "src")
    assert w3builds.open_build(str(d), "0.9.1").origin == str(d)
    bare = build_dir(tmp_path / "bare", info=False)
    with pytest.raises(RuntimeUnavailable) as exc:
        w3builds.open_build(bare, "0.9.1", "ORIGIN")
    assert str(exc.value).startswith(f"the wasm3 0.9.1 build at {bare} is missing or incomplete (ORIGIN): run "
                                     "`wasmcu wasm3 build PATH-TO-WASM3-SOURCE` again")
    (d / "src" / "wasm3.h").unlink()
    with pytest.raises(RuntimeUnavailable, match=f"at {d} is missing or incomplete \\({d}\\)"):
        w3builds.open_build(d, "0.9.1")


def test_the_host_program_is_compiled_from_the_build_and_cached_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("WASMCU_CACHE", str(tmp_path / "cache"))
    runs = []

    def run(cmd, **kw):
        runs.append((cmd, kw.get("what")))
        Path(cmd[cmd.index("-o") + 1]).write_text("program")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(tools, "run", run)
    monkeypatch.setattr(tools, "require", lambda tool: "/usr/bin/cc-x")
    versions = {"/usr/bin/cc-x": "cc 1"}
    monkeypatch.setattr(tools, "version", lambda p: versions[p])
    b = w3builds.open_build(build_dir(tmp_path / "b"), "0.9.1")
    exe = w3builds.harness(b)
    assert exe.name == "wasm3_bench" and exe.parent.parent == tmp_path / "cache" / "wasm3-bench"
    cmd, what = runs[0]
    assert cmd[:3] == ["/usr/bin/cc-x", "-O3", "-Dd_m3HasTracer=0"]
    assert f"-I{b.src}" in cmd and str(w3builds.HARNESS) in cmd and cmd[-1] == "-lm"
    assert [c for c in cmd if c.endswith(".c")] == [str(w3builds.HARNESS), str(b.src / "m3_core.c"),
                                                    str(b.src / "m3_env.c")]
    assert what == "compiling wasmcu's host program bench.c with wasm3 0.9.1"
    assert json.loads((exe.parent / "meta.json").read_text()) == {"wasm3": "0.9.1", "source_sha256": "cafe",
                                                                  "flags": ["-O3", "-Dd_m3HasTracer=0"]}
    assert w3builds.harness(b) == exe and len(runs) == 1
    seen = {exe}
    seen.add(w3builds.harness(b, ["-DWASMCU_WASM3_GAS=100"]))
    assert "-DWASMCU_WASM3_GAS=100" in runs[-1][0]
    (b.src / "m3_exec.h").write_text("/* changed header */\n")
    seen.add(w3builds.harness(b))
    (b.src / "m3_core.c").write_text("int core2;\n")
    seen.add(w3builds.harness(b))
    versions["/usr/bin/cc-x"] = "cc 2"
    seen.add(w3builds.harness(b))
    other = tmp_path / "contain.c"
    other.write_text("int main(void) { return 0; }\n")
    seen.add(w3builds.harness(b, program=other))
    assert runs[-1][1] == "compiling wasmcu's host program contain.c with wasm3 0.9.1"
    assert len(seen) == 6 and len(runs) == 6
