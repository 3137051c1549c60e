"""Wall time of one suite run locally and on a two-worker Dask cluster on this machine.

Starts `dask scheduler` and two `dask worker ... --nworkers 1 --nthreads 1` on 127.0.0.1,
then runs the same `wasmcu bench` (default: the paper suite's workloads in C and Rust with
native and wasm3 on host, pico, esp32c6 and nrf5340: 48 cells) three ways into temporary
stores: once to fill the build cache if it is cold, then three times each, alternately,
locally (as many parallel jobs as cores) and through `--cluster`. Prints the median and best
wall times, the cells by status, and whether the two gave the same cells and checksums.

usage: python benchmarks/cluster_wall_time.py [wasmcu bench options replacing the default suite]
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
SUITE = ["--device", "host,pico,esp32c6,nrf5340", "--runtime", "native,wasm3"]
ENV = dict(os.environ, PYTHONPATH=str(SRC))
ROUNDS = 3


def dask(*args: str, log: Path) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("dask")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "dask"]
    return subprocess.Popen(cmd + list(args), stdout=open(log, "w"), stderr=subprocess.STDOUT, env=ENV,
                            start_new_session=True)


def bench(db: Path, suite: list[str], extra: list[str]) -> tuple[float, list[dict]]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "wasmcu", "bench", *suite, "--db", str(db), "--json", *extra],
                          capture_output=True, text=True, env=ENV)
    elapsed = time.perf_counter() - t0
    if not proc.stdout.strip():
        sys.exit(f"wasmcu bench printed nothing:\n{proc.stderr[-3000:]}")
    return elapsed, json.loads(proc.stdout)


def start_cluster(tmp: Path) -> tuple[str, list[subprocess.Popen]]:
    file = tmp / "scheduler.json"
    procs = [dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(file),
                  log=tmp / "scheduler.log")]
    while not (file.exists() and file.stat().st_size):
        time.sleep(0.1)
    address = json.loads(file.read_text())["address"]
    for i in range(2):
        procs.append(dask("worker", address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
                          "--no-dashboard", log=tmp / f"worker{i}.log"))
    wait = ("import sys; from distributed import Client; c = Client(sys.argv[1], timeout=30); "
            "c.wait_for_workers(2, timeout=60); c.close()")
    subprocess.run([sys.executable, "-c", wait, address], check=True, env=ENV)
    return address, procs


def main() -> None:
    suite = sys.argv[1:] or SUITE
    key = lambda c: (c["workload"], c["n"], c["lang"], c["runtime"], c["device"], c["build"])  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        warm, _ = bench(tmp / "warm.sqlite", suite, [])
        address, procs = start_cluster(tmp)
        local_times, cluster_times = [], []
        try:
            for i in range(ROUNDS):  # alternated, so that other load on the machine hits both alike
                t, local_cells = bench(tmp / f"local{i}.sqlite", suite, [])
                local_times.append(t)
                t, cells = bench(tmp / f"cluster{i}.sqlite", suite, ["--cluster", address])
                cluster_times.append(t)
        finally:
            for p in reversed(procs):
                os.killpg(p.pid, signal.SIGTERM)
            for p in procs:
                p.wait()
    status = Counter(c["status"] for c in cells)
    same = {key(c): (c["status"], c["checksum"]) for c in cells} == \
           {key(c): (c["status"], c["checksum"]) for c in local_cells}
    workers = Counter(c["provenance"]["worker"]["address"] for c in cells)
    print(f"wasmcu bench {' '.join(suite)}: {len(cells)} cells, "
          + ", ".join(f"{v} {k}" for k, v in sorted(status.items())))
    print(f"  cores: {os.cpu_count()}")
    print(f"  first run (fills the build cache if cold): {warm:6.1f} s")
    fmt = lambda ts: f"median {statistics.median(ts):5.1f} s, best {min(ts):5.1f} s of {len(ts)}"  # noqa: E731
    print(f"  local ({os.cpu_count()} parallel jobs)                 : {fmt(local_times)}")
    print(f"  two Dask workers on 127.0.0.1           : {fmt(cluster_times)}  "
          f"(cells per worker: {', '.join(str(n) for n in sorted(workers.values()))})")
    print(f"  load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"  same cells and checksums as the local run: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
