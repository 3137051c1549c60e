"""The cost in wall time of sizing board runtimes' memory from the module (`--ram module`, the default) against the profile's fixed sizes.

Runs the same `wasmcu bench` twice per sizing, into temporary stores (the first run of each
fills the build cache): default, the paper suite's bubble sort and CRC-16 in C on the Pico
under wasm3, WAMR classic and fast (cells that fit the fixed sizes: sizing must cost them
nothing), plus a generated module of 600 functions that exhausts WAMR's fixed pool (the cells
sizing reruns). Prints the wall time per sizing and per cell, the statuses, and the cells whose
sizes the module chose.

usage: python benchmarks/ram_sizing_cost.py [--device pico] [--runtime wasm3,wamr-classic,wamr-fast]
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
ENV = dict(os.environ, PYTHONPATH=str(SRC))
FUNCTIONS = 600


def many_functions(root: Path) -> None:
    """A workload of one prebuilt module: `run` calls FUNCTIONS small functions in turn."""
    d = root / "manyfuncs"
    d.mkdir(parents=True)
    funcs = " ".join(f"(func $f{i} (param i32) (result i32) local.get 0 i32.const 3 i32.mul i32.const {i} i32.add)"
                     for i in range(FUNCTIONS))
    calls = " ".join(f"call $f{i}" for i in range(FUNCTIONS))
    (d / "m.wat").write_text(f'(module (memory 1) {funcs} (func (export "run") (param i32) (result i32) '
                             f'local.get 0 {calls}))')
    subprocess.run(["wat2wasm", str(d / "m.wat"), "-o", str(d / "module.wasm")], check=True)
    (d / "oracle.py").write_text(f"def checksum(n, seed):\n    x = seed\n    for i in range({FUNCTIONS}):\n"
                                 f"        x = (x * 3 + i) & 0xFFFFFFFF\n    return x\n")
    (d / "workload.toml").write_text('name = "manyfuncs"\ndescription = "600 small functions"\nsizes = [4]\n'
                                     '[sources]\nwasm = "module.wasm"\n')


def bench(args: list[str], tmp: Path, ram: str, i: int) -> tuple[float, list[dict]]:
    cmd = [sys.executable, "-m", "wasmcu", "bench", *args, "--ram", ram, "--json", "--jobs", "1",
           "--db", str(tmp / f"{ram}-{i}.sqlite")]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    wall = time.perf_counter() - t0
    return wall, json.loads(proc.stdout or "[]")


def main(argv: list[str]) -> None:
    opts = {"--device": "pico", "--runtime": "wasm3,wamr-classic,wamr-fast"}
    for k, v in zip(argv[::2], argv[1::2]):
        opts[k] = v
    with tempfile.TemporaryDirectory(prefix="wasmcu-ram-sizing-") as tmp:
        tmp = Path(tmp)
        many_functions(tmp / "w")
        args = ["--device", opts["--device"], "--runtime", opts["--runtime"], "--workload",
                "bubblesort:100,crc16:100,manyfuncs:4", "--lang", "c,wasm", "--workload-dir", str(tmp / "w")]
        for ram in ("profile", "module"):
            bench(args, tmp, ram, 0)  # fills the build cache
            wall, cells = bench(args, tmp, ram, 1)
            statuses = Counter(c["status"] for c in cells)
            sized = [f"{c['workload']}/{c['runtime']}: {c['extra'].get('ram_sized')}" for c in cells
                     if c.get("extra", {}).get("ram_sized")]
            print(f"--ram {ram}: {wall:.1f} s for {len(cells)} cells ({wall / max(len(cells), 1):.2f} s per cell); "
                  f"{dict(statuses)}")
            for line in sized:
                print(f"    sized from the module: {line}")


if __name__ == "__main__":
    main(sys.argv[1:])
