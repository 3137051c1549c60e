"""Wall time of the embedded suite on the three emulated boards with native and wasm3.

Runs `wasmcu bench --suite embedded --device pico,esp32c6,nrf5340 --runtime native,wasm3`
(12 kernels x C and Rust x 3 boards x 2 runtimes = 144 cells) twice into a temporary
store: the first run fills the build cache if it is cold, the second is the figure that
matters (goal: under 5 minutes on two cores with a warm build cache). Prints the wall
times, the cell count by status, and the slowest cells' emulated instruction counts.

usage: python benchmarks/embedded_suite_time.py [--jobs N]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def run(db: Path, extra: list[str]) -> tuple[float, list[dict]]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "wasmcu", "bench", "--suite", "embedded",
                           "--device", "pico,esp32c6,nrf5340", "--runtime", "native,wasm3",
                           "--db", str(db), "--json", *extra],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(SRC)))
    elapsed = time.perf_counter() - t0
    if not proc.stdout.strip():
        sys.exit(f"wasmcu bench printed nothing:\n{proc.stderr[-3000:]}")
    return elapsed, json.loads(proc.stdout)


def main() -> None:
    extra = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        first, _ = run(Path(tmp) / "a.sqlite", extra)
        second, cells = run(Path(tmp) / "b.sqlite", extra)
    status = Counter(c["status"] for c in cells)
    print(f"embedded suite, native + wasm3 on pico, esp32c6, nrf5340: {len(cells)} cells, "
          + ", ".join(f"{v} {k}" for k, v in sorted(status.items())))
    print(f"  cores: {os.cpu_count()}")
    print(f"  first run (fills the cache if cold): {first:6.1f} s")
    print(f"  cached run                         : {second:6.1f} s  (goal: under 300 s on two cores)")
    slow = sorted((c for c in cells if c.get("instructions")), key=lambda c: -c["instructions"])[:3]
    for c in slow:
        print(f"  {c['workload']}:{c['n']}/{c['lang']}/{c['runtime']}/{c['device']}: "
              f"{c['instructions']:,} instructions emulated")
    for c in cells:
        if c["status"] not in ("ok", "unsupported"):
            print(f"  {c['workload']}:{c['n']}/{c['lang']}/{c['runtime']}/{c['device']}: {c['status']}: {c['error']}")


if __name__ == "__main__":
    main()
