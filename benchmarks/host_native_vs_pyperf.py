"""Does wasmcu time the host right? Prints, side by side in one run:

1. wasmcu's median time for native bubblesort:1000 (C) and the same compiled kernel
   timed by an independent harness (pyperf's timeit, calling it in-process);
2. wasmcu's own bookkeeping on a run of 1000 calls: the wall time of wasmcu's sampling
   loop (one call per sample, every sample recorded and checked) against a bare loop of
   1000 calls.

usage: python benchmarks/host_native_vs_pyperf.py
"""

from __future__ import annotations

import ctypes
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from wasmcu import devices, workloads  # noqa: E402
from wasmcu.backends import RunContext  # noqa: E402
from wasmcu.bench import execute_cell  # noqa: E402
from wasmcu.model import Cell  # noqa: E402
from wasmcu.runtimes.base import HostJob, time_calls  # noqa: E402
from wasmcu.toolchains.host import build_native  # noqa: E402

N = 1000


def pyperf_median_us(lib: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pyperf.json"
        subprocess.run([sys.executable, "-m", "pyperf", "timeit", "--quiet", "-o", str(out), "--fast",
                        "-s", f"import ctypes; f = ctypes.CDLL({str(lib)!r}).run; f.restype = ctypes.c_uint32",
                        "f()"], check=True)
        data = json.loads(out.read_text())
    values = [v for run in data["benchmarks"][0]["runs"] for v in run.get("values", [])]
    return statistics.median(values) * 1e6


def bookkeeping(lib: Path, calls: int = 1000) -> tuple[float, float]:
    f = ctypes.CDLL(str(lib)).run
    f.restype = ctypes.c_uint32
    for _ in range(5):
        f()
    bare, kept = [], []
    for _ in range(5):  # alternate, take the best of each (least disturbed)
        t0 = time.perf_counter()
        for _ in range(calls):
            f()
        bare.append(time.perf_counter() - t0)
        job = HostJob(runtime="native", artifact=str(lib), repeat=calls, warmup=0, min_sample_us=0, min_warmup_s=0)
        t0 = time.perf_counter()
        time_calls(f, job, [])
        kept.append(time.perf_counter() - t0 - _one_call_time(f) * 2)  # time_calls makes 2 extra calls
    return min(bare), min(kept)


def _one_call_time(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def main() -> None:
    wl = workloads.discover()["bubblesort"]
    host = devices.discover()["host"]
    lib = build_native(wl, N, "c")
    print(f"native bubblesort:{N} (C), median per call; the two harnesses alternate, 3 rounds")
    ratios = []
    for i in range(3):
        r = execute_cell(Cell("bubblesort", N, "c", "native", "host"), wl, host, RunContext(repeat=30, warmup=5))
        assert r.status == "ok", r.error
        ref = pyperf_median_us(lib)
        ratios.append(r.time_us / ref)
        print(f"  round {i + 1}: wasmcu {r.time_us:8.1f} µs (CI {r.time_us_ci[0]:.1f}-{r.time_us_ci[1]:.1f}), "
              f"pyperf {ref:8.1f} µs, ratio {ratios[-1]:.3f}")
    print(f"  median ratio wasmcu/pyperf = {statistics.median(ratios):.3f}  (goal: within 5 %)")
    bare, kept = bookkeeping(lib)
    print(f"1000 calls: bare loop {bare * 1e3:.2f} ms, wasmcu's sampling loop {kept * 1e3:.2f} ms")
    print(f"  bookkeeping overhead = {(kept / bare - 1) * 100:+.2f} %  (goal: under 1 %)")


if __name__ == "__main__":
    main()
