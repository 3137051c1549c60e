"""Every host runtime, C and Rust, end to end through the host backend."""

import pytest

from wasmcu import devices, workloads
from wasmcu.backends import RunContext
from wasmcu.bench import execute_cell
from wasmcu.model import Cell
from wasmcu.runtimes import RUNTIMES
from wasmcu.workloads.kernel_source import kernel_source

pytestmark = pytest.mark.slow  # end-to-end: real builds, runs and processes

HOST_RUNTIMES = ["native", "wasm3", "wasmtime", "wasmtime-pulley", "v8-liftoff", "v8-turbofan", "wasm2c"]
CTX = RunContext(repeat=3, warmup=1, timeout_s=120)


@pytest.fixture(scope="module")
def env():
    return workloads.discover(), devices.discover()


@pytest.mark.parametrize("runtime", HOST_RUNTIMES)
@pytest.mark.parametrize("lang", ["c", "rust"])
@pytest.mark.parametrize("workload,n", [("bubblesort", 30), ("crc16", 12)])
def test_cell_ok_and_checksum_equals_oracle(env, runtime, lang, workload, n):
    wls, devs = env
    r = execute_cell(Cell(workload, n, lang, runtime, "host"), wls[workload], devs["host"], CTX)
    assert r.status == "ok", r.error
    assert r.checksum == r.expected == wls[workload].expected(n)
    assert len(r.samples_us) == 3
    if r.extra.get("time_unresolved"):  # a tiny kernel behind a 12 µs binding: no time stored, said so
        assert r.time_us is None and r.time_kind is None and "no time stored" in r.extra["warning"]
    else:
        assert r.time_kind == "measured" and r.time_us > 0
        lo, hi = r.time_us_ci
        assert lo <= r.time_us <= hi
    assert r.load_us > 0 and len(r.load_samples_us) >= 1
    assert r.host_rss_bytes > 1_000_000 and r.ram_peak_bytes is None  # a process, in bytes; no firmware


def test_all_host_runtimes_registered_and_available():
    for name in HOST_RUNTIMES:
        assert RUNTIMES[name].unavailable_reason() is None, name


def test_bigger_kernel_takes_longer(env):
    wls, devs = env
    small = execute_cell(Cell("bubblesort", 50, "c", "wasm3", "host"), wls["bubblesort"], devs["host"], CTX)
    big = execute_cell(Cell("bubblesort", 400, "c", "wasm3", "host"), wls["bubblesort"], devs["host"], CTX)
    assert big.time_us > 10 * small.time_us  # O(n^2): 64x the work


@pytest.mark.parametrize("runtime", ["native", "wasm2c"])
def test_every_load_of_a_shared_library_is_a_real_load(env, runtime, monkeypatch):
    """dlopen of a path already loaded only bumps a reference count: each timed load must map a
    fresh copy of the library. Shown by what the loader mapped (/proc/self/maps), not by time."""
    from pathlib import Path

    from wasmcu.runtimes.base import HostJob

    wls, _ = env
    rt = RUNTIMES[runtime]
    artifact, _ = rt.prepare(kernel_source(wls["crc16"], 12, "c"))
    loaded, real_load = [], type(rt).load
    monkeypatch.setattr(type(rt), "load", lambda self, job: loaded.append(job.artifact) or real_load(self, job))

    def mapped() -> set[str]:
        fields = [line.split(maxsplit=5) for line in Path("/proc/self/maps").read_text().splitlines()]
        return {f[5].removesuffix(" (deleted)") for f in fields if len(f) == 6}

    before = mapped()
    m = rt.measure(HostJob(runtime, artifact, repeat=2, warmup=0, load_repeat=3, min_sample_us=10, min_warmup_s=0))
    assert m.checksum == wls["crc16"].expected(12)
    assert len(m.load_samples_us) == 3 and all(t > 0 for t in m.load_samples_us)
    timed = loaded[:3]  # then the identity function, loaded through the same path for wasm2c
    assert len(set(timed)) == 3 and artifact not in timed, loaded
    assert all(Path(p).name.endswith(Path(artifact).name) for p in timed)
    assert set(timed) <= mapped() - before, "a timed load did not map its own copy"


def test_the_binding_cost_is_reported_apart_and_kept_out_of_the_kernel_figure(env):
    wls, devs = env
    res = {rt: execute_cell(Cell("crc16", 12, "c", rt, "host"), wls["crc16"], devs["host"], CTX)
           for rt in ("native", "wasm2c", "wasmtime")}
    for rt, r in res.items():
        assert r.status == "ok", (rt, r.error)
        assert r.extra["binding_us"] > 0, rt
    # native and wasm2c: timed by the C loop, nothing to take out
    assert "raw_samples_us" not in res["native"].extra and "raw_samples_us" not in res["wasm2c"].extra
    # wasmtime through its Python binding: each sample is the raw one less the binding's cost
    # (the exact arithmetic is checked on a fake clock below, as wall time depends on the machine)
    w = res["wasmtime"]
    raw = w.extra["raw_samples_us"]
    assert len(raw) == len(w.samples_us) and all(k < r for k, r in zip(w.samples_us, raw))


def test_the_binding_cost_measured_after_each_sample_is_taken_out_of_that_sample(monkeypatch):
    """On a clock that only the calls move: a kernel call costs 7 µs, the identity call through
    the same binding 2 + i µs after sample i, so sample i is 5 - i µs."""
    from wasmcu.runtimes import base

    clock, ident_calls = [0], []
    monkeypatch.setattr(base.time, "perf_counter_ns", lambda: clock[0])

    def kernel():
        clock[0] += 7000
        return 9

    def identity():
        ident_calls.append(1)
        clock[0] += 2000 + 1000 * ((len(ident_calls) - 2) // 4)  # 4 calls per sample, one untimed first
        return 42

    job = base.HostJob("wasmtime", repeat=3, warmup=0, min_sample_us=25, min_warmup_s=0)
    m = base.time_calls(kernel, job, [], identity=identity)
    assert m.checksum == 9 and m.calls_per_sample == 4
    assert m.extra["raw_samples_us"] == [7.0, 7.0, 7.0]
    assert m.samples_us == [5.0, 4.0, 3.0] and m.binding_us == 3.0


NONDETERMINISTIC_C = ("static unsigned k;\n"
                      "unsigned run(unsigned seed){ return ++k % 1000 == 999 ? 1u : 7u; }\n")
NONDETERMINISTIC_WAT = ('(module (memory 1) (global $k (mut i32) (i32.const 0)) '
                        '(func (export "run") (param i32) (result i32) '
                        '(global.set $k (i32.add (global.get $k) (i32.const 1))) '
                        '(select (i32.const 1) (i32.const 7) '
                        '(i32.eq (i32.rem_u (global.get $k) (i32.const 1000)) (i32.const 999)))))')


def test_every_implementation_of_the_protocol_checks_every_call(tmp_path, db):
    """One call in a thousand returns something else: the C loop, the JS loop and the Python
    loop all see it, and the kernel is then timed as a run-once kernel (one call per fresh
    instance, as a board runs it), which says why."""
    from conftest import bench_json, make_workload, wat2wasm

    c = make_workload(tmp_path / "c", "flipc", c=NONDETERMINISTIC_C)
    w = make_workload(tmp_path / "w", "flipw", wasm=wat2wasm(NONDETERMINISTIC_WAT, tmp_path))
    proc, cells = bench_json("--device", "host", "--runtime", "native,wasm2c,wasm3,wasmtime,v8-turbofan",
                             "--workload", "flipc:4,flipw:4", "--workload-dir", str(c), "--workload-dir", str(w),
                             "--repeat", "3", "--db", str(db))
    checked = [cell for cell in cells if cell["status"] != "unsupported"]
    assert {cell["runtime"] for cell in checked} == {"native", "wasm2c", "wasm3", "wasmtime", "v8-turbofan"}
    for cell in checked:
        assert cell["status"] == "ok" and cell["checksum"] == 7 and cell["extra"]["run_once"] is True, cell
        assert "not repeatable" in cell["extra"]["run_once_reason"], cell


def test_an_out_of_process_runtime_reports_its_own_peak_memory_only():
    """Not that of another tool run before it (a WAMR build's `nm` once made every WAMR cell 112 MB).

    Checked from a fresh, small Python process: a child's peak starts at its parent's size when
    it is forked (Linux carries it across exec), and this test process grows over the suite. So
    `/bin/true` started by the probe peaks at about the probe's size, far below the 300 MB tool
    the probe ran just before it (which RUSAGE_CHILDREN would report)."""
    import subprocess
    import sys

    probe = (
        "import subprocess, sys\n"
        "from wasmcu.runtimes.base import run_measured\n"
        "subprocess.run([sys.executable, '-c', 'x = bytearray(300 * 1024 * 1024); "
        "x[::4096] = bytes(len(x[::4096]))'], check=True)\n"
        "proc, rss = run_measured(['/bin/true'])\n"
        "print(proc.returncode, rss)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    returncode, rss = map(int, out.split())
    assert returncode == 0 and 0 < rss < 150 * 1024 * 1024, rss
