"""Re-costing stored cells with another cost table, without running anything.

Stores 1,000 emulated cells (event counts as the plugin writes them, from one real
emulated run copied with varied counts) in a fresh SQLite file, then times
`wasmcu.measure.cycles.recost` over all of them with a changed table, reading them from
the store as `wasmcu recost` does (goal: under 2 s).

usage: python benchmarks/recost_speed.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from wasmcu import devices, workloads  # noqa: E402
from wasmcu.backends import RunContext  # noqa: E402
from wasmcu.bench import execute_cell  # noqa: E402
from wasmcu.measure.cycles import CostModel, recost  # noqa: E402
from wasmcu.model import Cell  # noqa: E402
from wasmcu.store import Store  # noqa: E402

CELLS = 1000


def main() -> None:
    dev = devices.discover()["pico"]
    wl = workloads.discover()["crc16"]
    seed = execute_cell(Cell("crc16", 16, "c", "wasm3", "pico"), wl, dev, RunContext())
    assert seed.status == "ok", seed.error
    table = dict(dev.section("cycle_model"), fetch_wait=1, ifetch_miss={"value": 90, "low": 60, "high": 120,
                                                                      "why": "a slower flash"})
    model = CostModel.from_table(table, "benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        with Store(Path(tmp) / "s.sqlite") as store:
            run = store.begin_run({})
            for i in range(CELLS):
                seed.cell = Cell("crc16", 16 + i, "c", "wasm3", "pico")
                seed.extra["events"]["run"]["alu"] += 1
                store.add_result(run, seed)
            t0 = time.perf_counter()
            results = store.results(run)
            t1 = time.perf_counter()
            rows = recost(results, model, "pico")
            t2 = time.perf_counter()
    print(f"{len(rows)} stored cells re-costed: reading the store {t1 - t0:.3f} s, re-costing {t2 - t1:.3f} s, "
          f"total {t2 - t0:.3f} s (goal: under 2 s)")


if __name__ == "__main__":
    main()
