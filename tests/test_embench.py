"""Embench-IoT from a checkout (here a small Embench-shaped tree written for the tests), the host
reference that cannot be hijacked, run-once kernels, unverified cells, and the scores."""

import dataclasses
import math
import shutil

import pytest

from wasmcu.errors import ConfigError
from wasmcu.model import OK, Cell, Result
from wasmcu.report import embench_score
from wasmcu.workloads import embench

from conftest import ROOT, bench_json, wasmcu

FIXTURE = ROOT / "tests" / "embench_fixture"


def lcg_sum(seed=7, count=64):
    """tiny-sum's result, computed here by hand (its generator in Python)."""
    value, total = seed, 0
    for _ in range(count):
        value = (value * 1103515245 + 12345) & ((1 << 31) - 1)
        total += value >> 16
    return total


def machine(lsf=3, gsf=1):
    out = 0
    for _ in range(lsf * gsf):
        time, state = 0, 0
        for step in range(100):
            time += step * 3
            state = (state * 5 + (time & 7)) % 1009
        out += state
    return out


# --- the checkout and the port (no build) ---

def test_a_checkout_named_in_the_config_file_or_an_experiment_file_is_relative_to_that_file(tmp_path, monkeypatch):
    """[paths] embench in the config file is accepted, and a relative path there or in an experiment
    file means the folder beside that file, not the current directory."""
    from wasmcu import config
    from wasmcu.plan import load_spec_file

    (tmp_path / "etc").mkdir()
    cfg = tmp_path / "etc" / "config.toml"
    cfg.write_text('[paths]\nembench = "checkouts/embench"\n')
    monkeypatch.setenv("WASMCU_CONFIG", str(cfg))
    monkeypatch.delenv("WASMCU_EMBENCH", raising=False)
    monkeypatch.chdir(tmp_path)
    assert embench.checkout_path() == (tmp_path / "etc" / "checkouts" / "embench").resolve()
    exp = tmp_path / "etc" / "exp.toml"
    exp.write_text('suite = "embench"\nembench = "../embench-iot"\n')
    assert embench.checkout_path(load_spec_file(exp)["embench"]) == (tmp_path / "embench-iot").resolve()
    assert config.settings()["paths"]["embench"] == "checkouts/embench"


def test_a_path_that_is_not_an_embench_checkout_is_a_clear_error(tmp_path):
    (tmp_path / "src").mkdir()
    with pytest.raises(ConfigError, match=r"is not an Embench-IoT checkout: it has no support/support.h.*github.com/embench"):
        embench.workloads(tmp_path)
    with pytest.raises(ConfigError, match="does not exist"):
        embench.workloads(tmp_path / "nowhere")


def test_the_port_keeps_embench_names_and_defines():
    wls = embench.workloads(FIXTURE)
    assert sorted(wls) == ["state_machine", "tiny-sum"]  # a hyphen is kept
    wl = wls["tiny-sum"]
    files = [f.name for f in wl.source_files("c")]
    assert files[0] == "sum.c" and "beebsc.c" in files and files[-1] == embench.PORT_NAME
    assert wl.build.defines == {"GLOBAL_SCALE_FACTOR": "WASMCU_N", "WARMUP_HEAT": "1"}
    assert wl.sizes == [1] and not wl.has_oracle
    port = wl.source_files("c")[-1].read_text()
    calls = ["initialise_board ()", "initialise_benchmark ()", "warm_caches (WARMUP_HEAT)", "start_trigger ()",
             "result = benchmark ()", "stop_trigger ()", "verify_benchmark (result)"]
    positions = [port.replace("(", " (").find(c) for c in calls]
    assert -1 not in positions and positions == sorted(positions), positions
    assert wls["state_machine"].self_check is not None


def test_the_checksum_carries_embench_verdict():
    check = embench.workloads(FIXTURE)["tiny-sum"].self_check
    cell = Cell("tiny-sum", 1, "c", "native", "host")
    extra, error = check(Result(cell=cell, backend="host", status=OK, checksum=(1234 << 2) | 1))
    assert error is None and extra["embench"]["verify"] == "passed" and extra["embench"]["result"] == 1234
    extra, error = check(Result(cell=cell, backend="host", status=OK, checksum=(1234 << 2) | 2))
    assert error is None and extra["embench"]["verify"] == "no verification"
    extra, error = check(Result(cell=cell, backend="host", status=OK, checksum=1234 << 2))
    assert extra["embench"]["verify"] == "failed" and "Embench's own check failed" in error


def _result(workload, runtime, device, time_us, flash=None, lsf=4, base=4000.0, n=1, kind="measured"):
    return Result(cell=Cell(workload, n, "c", runtime, device), backend="host", status=OK, time_us=time_us,
                  time_kind=kind, flash_bytes=flash,
                  extra={"embench": {"lsf": lsf, "warmup_heat": 1, "baseline_ms": base}})


def test_the_scores_against_a_hand_computation():
    rs = [_result("a", "native", "pico", 1000.0, flash=10_000, lsf=4, base=4000.0),
          _result("b", "native", "pico", 500.0, flash=20_000, lsf=1, base=2000.0),
          _result("a", "wasm3", "pico", 30_000.0, flash=60_000, lsf=4, base=4000.0),
          _result("b", "wasm3", "pico", 5_000.0, flash=80_000, lsf=1, base=2000.0)]
    by = {(s.device, s.runtime): s for s in embench_score.scores(rs)}
    # relative speed = reference ms / (time ms x LSF/(LSF+heat)) x gsf
    rel_a = 4000 / (1.0 * 4 / 5)        # 5000
    rel_b = 2000 / (0.5 * 1 / 2)        # 8000
    speed = by[("pico", "native")].speed
    assert speed.geomean == pytest.approx(math.sqrt(rel_a * rel_b))
    # Embench's geometric SD divides by the count: exp(sqrt(((ln a - m)^2 + (ln b - m)^2) / 2))
    m = (math.log(rel_a) + math.log(rel_b)) / 2
    assert speed.gsd == pytest.approx(math.exp(math.sqrt(((math.log(rel_a) - m) ** 2 + (math.log(rel_b) - m) ** 2) / 2)))
    wasm = by[("pico", "wasm3")]
    assert wasm.slowdown.geomean == pytest.approx(math.sqrt(30 * 10))
    assert wasm.size.geomean == pytest.approx(math.sqrt(6 * 4))
    assert wasm.speed.geomean == pytest.approx(math.sqrt((4000 / (30 * 0.8)) * (2000 / (5 * 0.5))))
    assert by[("pico", "native")].slowdown.geomean == pytest.approx(1.0)


# --- end to end on the host (real builds and runs) ---

def _cells(cells):
    return {(c["workload"], c["runtime"]): c for c in cells}


def test_embench_on_the_host_verified_twice(tmp_path):
    proc, cells = bench_json("--suite", "embench", "--embench", str(FIXTURE), "--device", "host",
                             "--runtime", "native,wasm3", "--repeat", "2", "--db", str(tmp_path / "db.sqlite"))
    assert proc.returncode == 0, proc.stderr
    by = _cells(cells)
    for rt in ("native", "wasm3"):
        tiny, mach = by[("tiny-sum", rt)], by[("state_machine", rt)]
        # wasmcu's check: against the host's native result
        assert tiny["status"] == OK and tiny["verified_by"] == "native-host" and tiny["checksum"] == tiny["expected"]
        # Embench's own check, and the result the benchmark returned (computed here by hand)
        assert tiny["extra"]["embench"]["verify"] == "passed"
        assert tiny["checksum"] == ((lcg_sum() << 2) | 1) & 0xFFFFFFFF
        # `unsigned long time; char step;` in the kernel: the host reference is not bound to libc's time()
        assert mach["status"] == OK and mach["extra"]["embench"]["verify"] == "no verification"
        assert mach["checksum"] >> 2 == machine()
    report = tmp_path / "report"
    out = wasmcu("report", "--db", str(tmp_path / "db.sqlite"), "--out", str(report))
    assert out.returncode == 0, out.stderr
    md = (report / "report.md").read_text()
    assert "## Embench-IoT score" in md and "| host | wasm3 | 2 |" in md and "Host native baseline: o2" in md
    rows = (report / "embench-score.csv").read_text().splitlines()
    assert rows[0].startswith("device,runtime,benchmarks") and len(rows) == 3
    assert (report / "embench-score.png").stat().st_size > 1000


def test_a_failing_embench_check_and_a_broken_benchmark(tmp_path):
    root = tmp_path / "embench"
    shutil.copytree(FIXTURE, root)
    sum_c = root / "src" / "tiny-sum" / "sum.c"
    sum_c.write_text(sum_c.read_text().replace("#define EXPECTED 1042493", "#define EXPECTED 5"))
    (root / "src" / "broken").mkdir()
    (root / "src" / "broken" / "broken.c").write_text("int benchmark(void) { return }\n")
    proc, cells = bench_json("--suite", "embench", "--embench", str(root), "--device", "host", "--runtime", "native",
                             "--repeat", "2", "--db", str(tmp_path / "db.sqlite"))
    assert proc.returncode == 1
    by = _cells(cells)
    assert by[("tiny-sum", "native")]["status"] == "mismatch"
    assert "Embench's own check failed: verify_benchmark() of tiny-sum returned 0" in by[("tiny-sum", "native")]["error"]
    assert by[("broken", "native")]["status"] == "error" and "build failed" in by[("broken", "native")]["error"]
    assert by[("state_machine", "native")]["status"] == OK  # the others still run


def test_not_a_checkout_on_the_command_line(tmp_path):
    proc = wasmcu("bench", "--suite", "embench", "--embench", str(tmp_path), "--device", "host")
    assert proc.returncode != 0 and "is not an Embench-IoT checkout" in proc.stderr


# --- the host reference: symbols, run-once kernels, crashes, unverified cells ---

def _workload(root, name, source):
    d = root / name
    d.mkdir(parents=True)
    (d / "kernel.c").write_text(source)
    (d / "workload.toml").write_text(f'name = "{name}"\nsizes = [1]\n[sources]\nc = "kernel.c"\n')
    return d


CLASH = """\
#include <stdint.h>
unsigned long time;
char step;
uint32_t run(uint32_t seed) {
    time = seed;
    for (step = 0; step < 10; step++)
        time = time * 3 + (unsigned long)step;
    return (uint32_t)time;
}
"""

RUN_ONCE = """\
#include <stdint.h>
static uint32_t m[8];
static int ready;
uint32_t run(uint32_t seed) {      /* changes its own data: a second call gives another result */
    if (!ready) { for (int i = 0; i < 8; i++) m[i] = seed + i; ready = 1; }
    uint32_t h = 0;
    for (int i = 0; i < 8; i++) { m[i] = m[i] * 3 + 1; h = h * 31 + m[i]; }
    return h;
}
"""

NATIVE_ONLY_CRASH = """\
#include <stdint.h>
uint32_t run(uint32_t seed) {
#ifndef __wasm__
    *(volatile uint32_t *)(uintptr_t)16 = seed;   /* natively, a write to an unmapped page */
#endif
    return seed * 2654435761u;
}
"""


def test_a_kernel_with_a_global_named_time_runs_on_the_host(tmp_path):
    d = _workload(tmp_path, "clash", CLASH)
    proc, cells = bench_json("--workload-dir", str(d), "--workload", "clash", "--device", "host",
                             "--runtime", "native,wasm3", "--repeat", "2", "--db", str(tmp_path / "db.sqlite"))
    assert proc.returncode == 0, proc.stderr
    value = 42
    for step in range(10):
        value = value * 3 + step
    assert {c["runtime"]: (c["status"], c["checksum"]) for c in cells} == {
        "native": (OK, value & 0xFFFFFFFF), "wasm3": (OK, value & 0xFFFFFFFF)}


def test_a_run_once_kernel_is_timed_by_fresh_instances(tmp_path):
    """Every host runtime times a run-once kernel by fresh instances: WAMR's, where a WAMR is built,
    by one process of its host program per sample."""
    from wasmcu.runtimes import RUNTIMES

    wamr = [rt for rt in ("wamr-classic", "wamr-fast", "wamr-aot") if RUNTIMES[rt].unavailable_reason() is None]
    d = _workload(tmp_path, "runonce", RUN_ONCE)
    proc, cells = bench_json("--workload-dir", str(d), "--workload", "runonce", "--device", "host",
                             "--runtime", ",".join(["native", "wasm3", "wasm2c", "v8-liftoff", *wamr]), "--repeat", "3",
                             "--db", str(tmp_path / "db.sqlite"))
    assert proc.returncode == 0, proc.stderr
    assert sorted(c["runtime"] for c in cells) == sorted(["native", "wasm3", "wasm2c", "v8-liftoff", *wamr])
    m = [(42 + i) * 3 + 1 & 0xFFFFFFFF for i in range(8)]
    h = 0
    for v in m:
        h = (h * 31 + v) & 0xFFFFFFFF
    for c in cells:
        assert c["status"] == OK and c["checksum"] == h, c  # the first call of a fresh instance, as on a board
        assert c["extra"]["run_once"] is True and "not repeatable" in c["extra"]["run_once_reason"]
        assert c["samples"] == 3 and c["extra"]["calls_per_sample"] == 1


@pytest.mark.slow
def test_without_a_host_reference_cells_are_unverified_with_the_reason(tmp_path):
    d = _workload(tmp_path, "crashy", NATIVE_ONLY_CRASH)
    proc, cells = bench_json("--workload-dir", str(d), "--workload", "crashy", "--device", "host",
                             "--runtime", "native,wasm3,wasm2c", "--repeat", "2", "--db", str(tmp_path / "db.sqlite"))
    assert proc.returncode == 1  # unverified is not ok
    by = {c["runtime"]: c for c in cells}
    native = by["native"]
    assert native["status"] == "error"
    # the signal, where, and what to try
    assert "killed by signal SIGSEGV" in native["error"] and "while running the kernel" in native["error"]
    assert "what to try:" in native["error"]
    for rt in ("wasm3", "wasm2c"):
        c = by[rt]
        assert c["status"] == "unverified" and c["checksum"] == (42 * 2654435761) & 0xFFFFFFFF
        assert c["error"].startswith("unverified: ") and "SIGSEGV" in c["error"]
    assert "2 of 2 cells that ran agree on checksum" in proc.stderr.replace("\n", " ")
    # stored, and counted in the report
    out = wasmcu("report", "--db", str(tmp_path / "db.sqlite"), "--out", str(tmp_path / "r"))
    assert out.returncode == 0, out.stderr
    md = (tmp_path / "r" / "report.md").read_text()
    assert "## Unverified cells: do they agree?" in md and "| crashy:1/c/wasm3/host | unverified |" in md


def test_the_host_baseline_at_the_aot_compilers_level(tmp_path):
    proc, cells = bench_json("--suite", "embench", "--embench", str(FIXTURE), "--workload", "tiny-sum",
                             "--device", "host", "--runtime", "native", "--host-baseline", "o3", "--repeat", "2",
                             "--db", str(tmp_path / "db.sqlite"))
    assert proc.returncode == 0, proc.stderr
    build = cells[0]["provenance"]["build"]
    assert build["host_baseline"] == "o3" and "-O3" in build["flags"] and "-O2" not in build["flags"]
    bad = wasmcu("bench", "--suite", "embench", "--embench", str(FIXTURE), "--device", "host", "--host-baseline", "o9")
    assert bad.returncode != 0 and "invalid choice" in bad.stderr


def test_a_mismatch_still_records_embench_verdict(tmp_path):
    """wasmcu's comparison fails (the wasm build computes another result) and Embench's own check
    passes in that build: both are recorded."""
    root = tmp_path / "embench"
    shutil.copytree(FIXTURE, root)
    sum_c = root / "src" / "tiny-sum" / "sum.c"
    text = sum_c.read_text().replace("return result == EXPECTED;", "return 1;")
    text = text.replace("int benchmark(void) {", "#ifdef __wasm__\n#define SHIFT 4\n#else\n#define SHIFT 0\n#endif\n"
                                                  "int benchmark(void) { return SHIFT +")
    sum_c.write_text(text.replace("{ return SHIFT + return ", "{ return SHIFT + "))
    proc, cells = bench_json("--suite", "embench", "--embench", str(root), "--workload", "tiny-sum", "--device",
                             "host", "--runtime", "native,wasm3", "--repeat", "2", "--db", str(tmp_path / "db.sqlite"))
    by = _cells(cells)
    wasm = by[("tiny-sum", "wasm3")]
    assert by[("tiny-sum", "native")]["status"] == OK
    assert wasm["status"] == "mismatch" and "differs from the host's native result" in wasm["error"]
    assert wasm["extra"]["embench"]["verify"] == "passed"


# --- the port's parts, in the test process ---

def test_the_workloads_carry_embench_reference_data_and_build_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("WASMCU_CACHE", str(tmp_path / "cache"))
    wls = embench.workloads(FIXTURE, gsf=3, heat=2, memory_bytes=131072, stack_bytes=8192)
    wl = wls["tiny-sum"]
    assert wl.name == "tiny-sum" and wl.sizes == [3] and wl.memory_bytes == 131072 and wl.shadow_stack_bytes == 8192
    assert wl.description == "Embench-IoT tiny-sum (n: GLOBAL_SCALE_FACTOR; warmup heat 2)"
    assert wl.build.defines == {"GLOBAL_SCALE_FACTOR": "WASMCU_N", "WARMUP_HEAT": "2"} and wl.build.cflags == ["-w"]
    assert wl.build.include_dirs == [FIXTURE / "support", FIXTURE / "src" / "tiny-sum"]
    port = tmp_path / "cache" / "embench-port"
    assert wl.files["c"][-1].parent.parent == port and wl.files["c"][-1].read_text() == embench.PORT_C
    assert [p.name for p in wl.files["c"][-1].parent.iterdir()] == [embench.PORT_NAME]   # no temporary file left
    cell = Cell("tiny-sum", 3, "c", "native", "host")
    extra, _ = wl.self_check(Result(cell=cell, backend="host", status=OK, checksum=(9 << 2) | 1, time_us=2000.0))
    record = extra["embench"]
    lsf = record["lsf"]
    assert lsf == 4                                        # the fixture's LOCAL_SCALE_FACTOR
    fraction = 4 * 3 / (4 * 3 + 2)
    assert record["benchmark"] == "tiny-sum" and record["warmup_heat"] == 2 and record["gsf"] == 3
    assert record["baseline_ms"] == 4000 and record["baseline_size"] == {"text": 120, "rodata": 0, "data": 0, "bss": 256}
    assert record["body_fraction"] == pytest.approx(fraction)
    assert record["relative_speed"] == pytest.approx(4000 / (2.0 * fraction) * 3)
    extra, _ = wl.self_check(Result(cell=cell, backend="host", status=OK, checksum=(9 << 2) | 1))
    assert "relative_speed" not in extra["embench"]   # no time, no speed
    assert wls["state_machine"].build.defines["WARMUP_HEAT"] == "2"


def test_the_relative_speed_of_a_stored_cell():
    r = _result("a", "native", "pico", 1000.0, lsf=4, base=4000.0, n=2)
    assert embench.cell_relative_speed(r) == pytest.approx(4000 / (1.0 * 8 / 9) * 2)
    r.extra["embench"].pop("warmup_heat")                  # heat 1 when the record has none
    assert embench.cell_relative_speed(r) == pytest.approx(4000 / (1.0 * 8 / 9) * 2)
    assert embench.cell_relative_speed(_result("a", "native", "pico", 1000.0, lsf=None)) == pytest.approx(4000.0)
    for bad in (_result("a", "native", "pico", None), _result("a", "native", "pico", -1.0),
                _result("a", "native", "pico", 1000.0, base=None)):
        assert embench.cell_relative_speed(bad) is None
    failed = dataclasses.replace(_result("a", "native", "pico", 1000.0), status="mismatch")
    assert embench.cell_relative_speed(failed) is None
    assert embench.body_fraction(4, 2, 1) == pytest.approx(8 / 9) and embench.body_fraction(None, 2, 1) == 1.0


def test_bad_reference_data_and_bad_settings_are_clear_errors(tmp_path):
    root = tmp_path / "e"
    shutil.copytree(FIXTURE, root)
    assert embench.baseline(root) == {"tiny-sum": {"speed_ms": 4000, "size": {"text": 120, "rodata": 0, "data": 0,
                                                                          "bss": 256}},
                                      "state_machine": {"speed_ms": 2000, "size": {"text": 200, "rodata": 0,
                                                                                  "data": 0, "bss": 16}}}
    (root / "baseline-data" / "speed.json").write_text("[1, 2]")
    with pytest.raises(ConfigError) as err:
        embench.baseline(root)
    assert err.value.file == root / "baseline-data" / "speed.json" and "not a table of benchmarks" in str(err.value)
    assert err.value.expected == '{"aha-mont64": ..., ...}'
    (root / "baseline-data" / "size.json").write_text("{")
    (root / "baseline-data" / "speed.json").write_text("{}")
    with pytest.raises(ConfigError, match="cannot read Embench's reference data") as err:
        embench.baseline(root)
    assert err.value.file == root / "baseline-data" / "size.json"
    for gsf, heat in ((0, 1), (1, -1), (True, 1), (1.5, 1)):
        with pytest.raises(ConfigError, match=r"invalid Embench (gsf|warmup heat)") as err:
            embench.workloads(FIXTURE, gsf=gsf, heat=heat)
        assert err.value.expected == "a whole number (gsf >= 1, heat >= 0)"
    assert embench.workloads(FIXTURE, heat=0)["tiny-sum"].build.defines["WARMUP_HEAT"] == "0"
    empty = tmp_path / "empty"
    shutil.copytree(FIXTURE, empty)
    shutil.rmtree(empty / "src")
    (empty / "src").mkdir()
    with pytest.raises(ConfigError, match="holds no benchmark") as err:
        embench.check_checkout(empty)
    assert err.value.expected == "Embench's src/" and str(empty / "src") in str(err.value)
    with pytest.raises(ConfigError) as err:
        embench.check_checkout(tmp_path / "nowhere")
    assert err.value.expected == "the top folder of a clone of https://github.com/embench/embench-iot"
