"""Wall time of the whole native + wasm3 paper matrix on the three emulated boards.

Runs `wasmcu bench --device pico,esp32c6,nrf5340 --runtime native,wasm3` (36 cells)
twice into a temporary store: the first run fills the build cache if it is cold, the
second is the figure that matters (goal: under 2 minutes on two cores when cached).

usage: python benchmarks/paper_matrix_time.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def run(db: Path) -> tuple[float, list[dict]]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "wasmcu", "bench", "--device", "pico,esp32c6,nrf5340",
                           "--runtime", "native,wasm3", "--db", str(db), "--json"],
                          capture_output=True, text=True, env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    return time.perf_counter() - t0, json.loads(proc.stdout)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        first, _ = run(Path(tmp) / "a.sqlite")
        second, cells = run(Path(tmp) / "b.sqlite")
    ok = sum(c["status"] == "ok" for c in cells)
    print(f"paper matrix, native + wasm3 on pico, esp32c6, nrf5340: {len(cells)} cells, {ok} ok")
    print(f"  first run (fills the cache if cold): {first:6.1f} s")
    print(f"  cached run                         : {second:6.1f} s  (goal: under 120 s on two cores)")


if __name__ == "__main__":
    main()
