"""A sweep's wall time from cold results, then again with the kept emulations, and the plugin's speed.

The embedded suite on the three emulated boards with native, wasm3, wasm2c and the WAMR modes
(those whose firmware build is available here: WAMR is not in any registry, see docs/wamr.md;
the script says which it left out and why):

1. builds every cell's firmware first (so the figures below time emulation, not compilers);
2. `wasmcu bench` into a new store: cold results, every cell emulated;
3. the same command again: every emulated cell whose inputs are unchanged reuses the counts kept
   beside the store (target: at most a fifth of the first run's time), and the two runs' results
   are compared (identical apart from `extra.reused_from`);
4. the event-count plugin's speed against plain QEMU (benchmarks/plugin_speed.py).

Prints wall times and cells per second for both runs, and the plugin's ratio per board. The
machine's load average is printed too: on a shared machine the wall times move with it.

usage: python benchmarks/sweep_time.py [--workload W,...] [--lang c,rust] [--jobs N] [--rounds N]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wasmcu import runtimes  # noqa: E402
from wasmcu.backends.image import build_cell  # noqa: E402
from wasmcu.backends.qemu import build_opt  # noqa: E402
from wasmcu.model import Draft  # noqa: E402
from wasmcu.plan import Spec, plan  # noqa: E402

BOARDS = "pico,esp32c6,nrf5340"
WAMR_MODES = ("wamr-classic", "wamr-fast", "wamr-aot")


def runtimes_here(devices: list) -> tuple[list[str], list[str]]:
    """native, wasm3, wasm2c and the WAMR modes whose firmware builds here; (used, left out with why)."""
    used, left = ["native", "wasm3", "wasm2c"], []
    for name in WAMR_MODES:
        try:
            rt = runtimes.get(name)
        except Exception as exc:
            left.append(f"{name}: {exc}")
            continue
        reasons = {rt.firmware_unavailable_reason(d) for d in devices} - {None}
        if reasons:
            left.append(f"{name}: {sorted(reasons)[0]}")
        else:
            used.append(name)
    return used, left


def warm_builds(cells, workloads, devices) -> float:
    """Build every cell's firmware (cached) as the qemu backend does; returns the seconds it took."""
    t0 = time.perf_counter()
    for cell in cells:
        build_cell(Draft(cell=cell, backend="qemu"), workloads[cell.workload], devices[cell.device],
                   build_opt(devices[cell.device], cell.build))
    return time.perf_counter() - t0


def bench(args: list[str]) -> tuple[float, list[dict]]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "wasmcu", "bench", "--json", *args], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT / "src")))
    elapsed = time.perf_counter() - t0
    if not proc.stdout.strip():
        sys.exit(f"wasmcu bench printed nothing:\n{proc.stderr[-3000:]}")
    return elapsed, json.loads(proc.stdout)


def comparable(cell: dict) -> dict:
    """A cell's JSON without what differs between two runs of the same emulation."""
    out = {k: v for k, v in cell.items() if k not in ("extra", "provenance")}
    out["extra"] = {k: v for k, v in (cell.get("extra") or {}).items() if k != "reused_from"}
    return out


def plugin_ratios(rounds: int) -> list[str]:
    spec = importlib.util.spec_from_file_location("plugin_speed", Path(__file__).with_name("plugin_speed.py"))
    speed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(speed)
    speed.ROUNDS = rounds
    lines = []
    for board in BOARDS.split(","):
        insns, plain, plugged = speed.measure(board)
        lines.append(f"  {board:8s} plain QEMU {insns / plain / 1e6:6.1f} MIPS, with the plugin and cache model "
                     f"{insns / plugged / 1e6:6.1f} MIPS: {plain / plugged:.0%}")
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workload", help="a subset of the suite's workloads (default: all of them)")
    p.add_argument("--lang", help="languages (default: the suite's, c and rust)")
    p.add_argument("--jobs", type=int, help="cells at a time (default: the number of cores)")
    p.add_argument("--rounds", type=int, default=5, help="plugin speed: best of N alternating runs (default 5)")
    args = p.parse_args()
    spec = Spec(suite="embedded", devices=BOARDS, workloads=args.workload, langs=args.lang)
    _, workloads, devices = plan(spec)
    used, left = runtimes_here([devices[name] for name in BOARDS.split(",")])
    spec.runtimes = ",".join(used)
    cells, workloads, devices = plan(spec)
    options = ["--suite", "embedded", "--device", BOARDS, "--runtime", spec.runtimes]
    options += ["--workload", args.workload] if args.workload else []
    options += ["--lang", args.lang] if args.lang else []
    options += ["--jobs", str(args.jobs)] if args.jobs else []
    print(f"embedded suite on {BOARDS}: {len(cells)} cells ({spec.runtimes}; "
          f"{len({c.workload for c in cells})} workloads, {','.join(sorted({c.lang for c in cells}))})")
    for why in left:
        print(f"  left out: {why}")
    print(f"  cores: {os.cpu_count()}, jobs: {args.jobs or os.cpu_count()}, load average before: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"  firmware builds (warm now): {warm_builds(cells, workloads, devices):7.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "sweep.sqlite")
        first, a = bench([*options, "--db", db])
        load = os.getloadavg()[0]
        second, b = bench([*options, "--db", db])
    status = Counter(c["status"] for c in a)
    reused = sum(1 for c in b if (c.get("extra") or {}).get("reused_from"))
    emulated = sum(1 for c in a if (c.get("provenance") or {}).get("emulation_key"))
    key = lambda c: (c["workload"], c["n"], c["lang"], c["runtime"], c["device"], c["build"])  # noqa: E731
    before = {key(c): comparable(c) for c in a}
    differ = [(k, f) for k, c in ((key(c), comparable(c)) for c in b) for f in sorted(set(c) | set(before.get(k, {})))
              if c.get(f) != before.get(k, {}).get(f)]
    print(f"  statuses: {', '.join(f'{v} {k}' for k, v in sorted(status.items()))}")
    print(f"  cold results (every cell emulated) : {first:7.1f} s  {len(a) / first:6.2f} cells/s  "
          f"(load average after: {load:.1f})")
    print(f"  the same again (counts reused)     : {second:7.1f} s  {len(b) / second:6.2f} cells/s  "
          f"{reused} of {emulated} emulated cells reused; {first / second:.1f} times faster (target: 5)")
    print(f"  the two runs' results: {'identical' if not differ else 'DIFFERENT'} (apart from extra.reused_from)")
    for k, field in differ[:10]:
        print(f"    {'/'.join(map(str, k))}: {field} differs")
    for c in a:
        if c["status"] not in ("ok", "unsupported"):
            print(f"  {c['workload']}:{c['n']}/{c['lang']}/{c['runtime']}/{c['device']}: {c['status']}: "
                  f"{(c['error'] or '')[:120]}")
    print(f"event-count plugin against plain QEMU (wasm3 bubblesort:1000, QEMU's CPU time, best of {args.rounds}):")
    for line in plugin_ratios(args.rounds):
        print(line)


if __name__ == "__main__":
    main()
