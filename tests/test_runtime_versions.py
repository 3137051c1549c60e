"""Runtime versions: `wasmcu wasm3 build` on pywasm3's sources, WAMR builds side by side, versions in cells,
compare's warning and the report's versions table."""

import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from conftest import bench_json, wasmcu

from wasmcu.model import Cell, Result
from wasmcu.runtimes.wasm3 import build as wasm3_build
from wasmcu.runtimes.wasm3.firmware import SDIST_DIR


def _sdist() -> Path:
    found = sorted(SDIST_DIR.glob("pywasm3-*.tar.gz"))
    if not found:
        pytest.skip("pywasm3's source distribution is not in the set-up's share directory (run scripts/setup.sh)")
    return found[0]


def _unpacked(tmp: Path) -> Path:
    """The sources unpacked and copied (owned by this user, as a checkout of one's own is: git refuses others')."""
    with tarfile.open(_sdist()) as tar:
        tar.extractall(tmp / "x")
    return Path(shutil.copytree(next((tmp / "x").glob("pywasm3-*")), tmp / "tree"))


@pytest.mark.slow
def test_wasm3_build_of_pywasm3_sources_runs_beside_the_built_in_on_host_and_board(tmp_path):
    cfg = tmp_path / "config.toml"
    env = {"WASMCU_CONFIG": str(cfg)}
    proc = wasmcu("wasm3", "build", str(_sdist()), "--out", str(tmp_path / "w3"), env=env)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "wasm3@0.5.0" in proc.stderr + proc.stdout
    assert '"0.5.0"' in cfg.read_text() and "[wasm3.builds]" in cfg.read_text()
    listed = wasmcu("list", "runtimes", env=dict(env, COLUMNS="250"))
    assert "wasm3@0.5.0" in listed.stdout, listed.stdout
    proc, cells = bench_json("--device", "host,pico", "--runtime", "wasm3,wasm3@0.5.0", "--workload", "crc16:100",
                             "--lang", "c", "--repeat", "3", "--db", str(tmp_path / "r.db"), env=env)
    assert proc.returncode == 0, proc.stderr
    by = {(c["device"], c["runtime"]): c for c in cells}
    assert set(by) == {(d, r) for d in ("host", "pico") for r in ("wasm3", "wasm3@0.5.0")}
    for c in cells:
        assert c["status"] == "ok", c
        assert c["runtime_version"] == "0.5.0" and c["provenance"]["runtime"]["version"] == "0.5.0"
    # the same sources: the same hash, the same checksums, and on the board the same interpreter run
    assert len({c["runtime_source_sha256"] for c in cells}) == 1
    assert len({c["checksum"] for c in cells}) == 1
    assert by[("pico", "wasm3")]["instructions"] == by[("pico", "wasm3@0.5.0")]["instructions"]
    # the registered build is timed in wasmcu's C program, not through pywasm3's binding
    assert "harness" in by[("host", "wasm3@0.5.0")]["provenance"]["build"]


def test_a_broken_tree_is_a_clear_error_and_leaves_the_other_runtimes_usable(tmp_path):
    cfg = tmp_path / "config.toml"
    env = {"WASMCU_CONFIG": str(cfg)}
    incomplete = tmp_path / "incomplete"
    (incomplete / "source").mkdir(parents=True)
    (incomplete / "source" / "wasm3.h").write_text('#define M3_VERSION "9.9.9"\n')
    proc = wasmcu("wasm3", "build", str(incomplete), "--out", str(tmp_path / "a"), env=env)
    assert proc.returncode != 0 and "incomplete wasm3 source tree" in proc.stderr and "m3_core.c" in proc.stderr
    tree = _unpacked(tmp_path / "u")
    with open(tree / "wasm3" / "m3_core.c", "a") as f:
        f.write("\nthis is not C;\n")
    proc = wasmcu("wasm3", "build", str(tree), "--out", str(tmp_path / "b"), env=env)
    assert proc.returncode != 0
    assert "does not build" in proc.stderr and "nothing was registered" in proc.stderr, proc.stderr
    assert not cfg.exists()  # nothing registered
    proc, cells = bench_json("--device", "host", "--runtime", "wasm3", "--workload", "crc16:100", "--lang", "c",
                             "--repeat", "2", "--db", str(tmp_path / "r.db"), env=env)
    assert proc.returncode == 0 and cells[0]["status"] == "ok", proc.stderr


def test_a_registered_build_that_is_gone_is_unavailable_not_a_crash(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[wasm3.builds]\n"0.7.7" = "{tmp_path / "gone"}"\n')
    env = {"WASMCU_CONFIG": str(cfg)}
    proc, cells = bench_json("--device", "host", "--runtime", "wasm3@0.7.7,wasm3", "--workload", "crc16:100",
                             "--lang", "c", "--repeat", "2", "--db", str(tmp_path / "r.db"), env=env)
    by = {c["runtime"]: c for c in cells}
    assert by["wasm3"]["status"] == "ok"
    assert by["wasm3@0.7.7"]["status"] in ("unsupported", "error")
    assert "wasmcu wasm3 build" in by["wasm3@0.7.7"]["error"]


def test_version_of_a_git_checkout_adds_its_commit_unless_at_a_tag(tmp_path):
    tree = _unpacked(tmp_path / "u")
    git = ["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    head = subprocess.run([*git, "rev-parse", "--short=7", "HEAD"], capture_output=True, text=True).stdout.strip()
    src = wasm3_build.source_dir(tree)
    assert wasm3_build.m3_version(src) == "0.5.0"
    assert wasm3_build.git_commit(tree) == head
    subprocess.run([*git, "tag", "v0.5.0"], check=True)
    assert wasm3_build.git_commit(tree) is None
    assert wasm3_build.git_commit(tree / "wasm3") is None  # a folder inside a checkout is not its checkout


def _result(runtime, device="pico", version=None, sha=None, **kw):
    r = Result(cell=Cell("crc16", 100, "c", runtime, device), backend="qemu", status="ok", **kw)
    r.provenance["runtime"] = {"name": runtime, "version": version, "source_sha256": sha, "from": None}
    return r


def test_compare_warns_when_a_runtime_ran_at_another_version(tmp_path):
    def run(version, sha):
        return [_result("wamr-classic", version=version, sha=sha, time_us=10.0, cycles=100, instructions=90).to_json()]

    (tmp_path / "a.json").write_text(json.dumps(run("2.4.5", "aa" * 32)))
    (tmp_path / "b.json").write_text(json.dumps(run("2.4.3+29b2783", "bb" * 32)))
    (tmp_path / "c.json").write_text(json.dumps(run("2.4.5", "aa" * 32)))
    proc = wasmcu("compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"))
    assert "runtime versions differ: wamr-classic ran 2.4.5" in proc.stdout and "2.4.3+29b2783" in proc.stdout
    proc = wasmcu("compare", str(tmp_path / "a.json"), str(tmp_path / "c.json"))
    assert "runtime versions differ" not in proc.stdout, proc.stdout


def test_report_puts_the_versions_of_a_runtime_side_by_side():
    from wasmcu.report.versions import version_rows, versions_markdown

    results = [_result("wasm3", version="0.5.0", time_us=10.0, flash_bytes=98_000, ram_peak_bytes=90_000,
                       extra={"stack_hwm_bytes": 3848}),
               _result("wasm3@0.9.0", version="0.9.0", time_us=11.0, flash_bytes=126_000, ram_peak_bytes=124_000,
                       extra={"stack_hwm_bytes": 8576}),
               _result("wamr-classic", version="2.4.5", time_us=5.0)]
    rows = version_rows(results)
    assert len(rows) == 1 and rows[0]["family"] == "wasm3"  # WAMR ran at one version only
    assert rows[0]["versions"]["wasm3@0.9.0"]["stack_bytes"] == 8576
    md = versions_markdown(results)
    assert "## Runtime versions" in md and "126,000" in md and "8,576" in md and "3,848" in md


def test_a_second_wamr_build_is_registered_by_version_beside_the_default(tmp_path, monkeypatch):
    from wasmcu.runtimes import RUNTIMES
    from wasmcu.runtimes.wamr import build as wamr_build

    cfg = tmp_path / "config.toml"
    monkeypatch.setenv("WASMCU_CONFIG", str(cfg))
    plan = wamr_build.steps(arches=("armv6m",), wamrc=False)
    for version in ("2.4.5", "2.4.3+29b2783"):
        out = tmp_path / version
        built = {s.name: out / s.name for s in plan}
        outcome = wamr_build.Outcome(built=built, version=version)
        wamr_build._write_config(outcome, plan)
        text = cfg.read_text()
    import tomllib

    data = tomllib.loads(text)
    assert data["wamr"]["classic"] == str(tmp_path / "2.4.5" / "host-classic")  # the first stays the default
    assert data["wamr"]["versions"]["2.4.3+29b2783"]["classic"] == str(tmp_path / "2.4.3+29b2783" / "host-classic")
    assert data["wamr"]["versions"]["2.4.5"]["firmware"]["armv6m-fast"] == str(tmp_path / "2.4.5" / "armv6m-fast")
    names = list(RUNTIMES)
    for kind in ("classic", "fast", "aot"):
        assert f"wamr-{kind}" in names and f"wamr-{kind}@2.4.5" in names and f"wamr-{kind}@2.4.3+29b2783" in names
    assert RUNTIMES["wamr-fast@2.4.3+29b2783"].version == "2.4.3+29b2783"
    assert "wamr-classic@2.4.5" not in RUNTIMES.defaults("host")
    # --default makes the second one the default
    wamr_build._write_config(wamr_build.Outcome(built={s.name: tmp_path / "2.4.3+29b2783" / s.name for s in plan},
                                                version="2.4.3+29b2783"), plan, make_default=True)
    assert tomllib.loads(cfg.read_text())["wamr"]["classic"] == str(tmp_path / "2.4.3+29b2783" / "host-classic")
    cfg.write_text("")
    assert "wamr-classic@2.4.5" not in list(RUNTIMES)  # the registry follows the config file


def test_wasm3s_own_stack_trap_has_its_kind_and_the_native_limit_is_a_recorded_setting(tmp_path, monkeypatch):
    from wasmcu.backends.readout import firmware_error_kind
    from wasmcu.model import ERROR_KINDS
    from wasmcu.runtimes.wasm3.registered import Wasm3Registered

    assert "stack-limit" in ERROR_KINDS
    assert firmware_error_kind("trap: [trap] stack overflow") == "stack-limit"
    assert firmware_error_kind("trap: [trap] out of bounds memory access") == "trap"
    rt = Wasm3Registered("0.5.0")
    assert rt.firmware_sizes["native_stack_limit_bytes"][0] == 0  # off unless a device asks: figures stay

    class Device:
        def __init__(self, tables):
            self.tables = tables

        def section(self, name):
            return self.tables if name == "runtimes" else {}

    given = Device({"wasm3": {"stack_bytes": 2048}, "wasm3@0.5.0": {"native_stack_limit_bytes": 16384}})
    assert rt.firmware_settings(given) == {"stack_bytes": 2048, "memory_limit_bytes": 0, "native_stack_limit_bytes": 16384}


def test_each_configured_wasm3_build_is_a_runtime_named_by_its_version(tmp_path, monkeypatch):
    from wasmcu.runtimes.wasm3 import registered

    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[wasm3.builds]\n"0.7.7" = "{tmp_path / "a"}"\n"0.9.0+abc1234" = "{tmp_path / "b"}"\n')
    monkeypatch.setenv("WASMCU_CONFIG", str(cfg))
    runtimes = registered.provided()
    assert [(r.name, r.version) for r in runtimes] == [("wasm3@0.7.7", "0.7.7"), ("wasm3@0.9.0+abc1234", "0.9.0+abc1234")]
    assert runtimes[0].summary == ("wasm3 0.7.7 built from a source tree by `wasmcu wasm3 build` (wasmcu's C host "
                                   "program)")
    assert not runtimes[0].default
