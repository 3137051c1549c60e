"""Does wasmcu time the host right? Prints, side by side in one run:

1. wasmcu's median time for native bubblesort:1000 (C) and the same compiled kernel
   timed by an independent harness (pyperf's timeit, calling it in-process);
2. wasmcu's own bookkeeping on a run of 1000 calls: the instructions executed by wasmcu's
   sampling loop (one call per sample, every sample timed, recorded and checked) against a
   bare loop of the same calls, counted by valgrind's callgrind, because on a shared
   machine the time of one such loop varies by about 10 % from run to run.

usage: python benchmarks/host_native_vs_pyperf.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from wasmcu import devices, workloads  # noqa: E402
from wasmcu.backends import RunContext  # noqa: E402
from wasmcu.bench import execute_cell  # noqa: E402
from wasmcu.model import Cell  # noqa: E402
from wasmcu.toolchains.host import build_native  # noqa: E402

N = 1000
ROUNDS = 7


def pyperf_median_us(lib: Path) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pyperf.json"
        subprocess.run([sys.executable, "-m", "pyperf", "timeit", "--quiet", "-o", str(out), "--fast",
                        "-s", f"import ctypes; f = ctypes.CDLL({str(lib)!r}).run; f.restype = ctypes.c_uint32",
                        "f()"], check=True)
        data = json.loads(out.read_text())
    values = [v for run in data["benchmarks"][0]["runs"] for v in run.get("values", [])]
    return statistics.median(values) * 1e6


CALLS_SCRIPT = """
import ctypes, sys
sys.path.insert(0, {src!r})
from wasmcu.runtimes.base import HostJob, time_calls
lib, mode = sys.argv[1], sys.argv[2]
f = ctypes.CDLL(lib).run
f.restype = ctypes.c_uint32
if mode == "bare":
    for _ in range({calls} + 2):
        f()
elif mode == "wasmcu":
    job = HostJob(runtime="native", artifact=lib, repeat={calls}, warmup=0, min_sample_us=0, min_warmup_s=0)
    time_calls(f, job, [])  # {calls} samples of one call each, plus its first call and calibration call
"""


def bookkeeping_instructions(lib: Path, calls: int = 1000) -> tuple[int, int, int] | None:
    """Instructions executed (valgrind's callgrind: deterministic, unlike time on a shared
    machine) by start-up alone, by a bare loop of calls, and by wasmcu's sampling loop."""
    import re
    import shutil

    if shutil.which("valgrind") is None:
        return None
    counts = []
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "calls.py"
        script.write_text(CALLS_SCRIPT.format(src=str(Path(__file__).resolve().parents[1] / "src"), calls=calls))
        for mode in ("none", "bare", "wasmcu"):
            proc = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.{mode}",
                                   sys.executable, str(script), str(lib), mode], capture_output=True, text=True)
            counts.append(int(re.search(r"Collected : (\d+)", proc.stderr).group(1)))
    return counts[0], counts[1], counts[2]


def main() -> None:
    wl = workloads.discover()["bubblesort"]
    host = devices.discover()["host"]
    lib = build_native(wl, N, "c")
    print(f"native bubblesort:{N} (C), median per call; the two harnesses alternate, {ROUNDS} rounds")
    ratios = []
    for i in range(ROUNDS):
        r = execute_cell(Cell("bubblesort", N, "c", "native", "host"), wl, host, RunContext(repeat=30, warmup=5))
        assert r.status == "ok", r.error
        ref = pyperf_median_us(lib)
        ratios.append(r.time_us / ref)
        print(f"  round {i + 1}: wasmcu {r.time_us:8.1f} µs (CI {r.time_us_ci[0]:.1f}-{r.time_us_ci[1]:.1f}), "
              f"pyperf {ref:8.1f} µs, ratio {ratios[-1]:.3f}")
    print(f"  median ratio wasmcu/pyperf = {statistics.median(ratios):.3f}  (goal: within 5 %)")
    counts = bookkeeping_instructions(lib)
    if counts is None:
        print("valgrind is not installed: apt-get install valgrind to measure the bookkeeping")
        return
    start, bare, kept = counts
    print("1000 calls, instructions executed (callgrind), start-up subtracted:")
    print(f"  bare loop of calls      : {bare - start:,}")
    print(f"  wasmcu's sampling loop  : {kept - start:,}")
    print(f"  bookkeeping overhead = {(kept - bare) / (bare - start) * 100:+.3f} %  (goal: under 1 %)")


if __name__ == "__main__":
    main()
