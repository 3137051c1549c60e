"""Check that a change of the event-count plugin leaves its counts identical: every builtin kernel, on every board.

Builds the plugin from its sources at a git revision (REV, default HEAD) and from the working
tree, runs the firmware of each builtin workload (C, at its first size; native and wasm3) on each
emulated board under both, with the arguments the qemu backend uses (the measured windows, the
instruction budget, the device's cache model); again with data reads on (`data=1`); with a
tiny cache (256 bytes, 2 ways: many evictions, and blocks that span more lines than it has
sets); and with an instruction budget of half the instructions the firmware runs (stopped in
the middle, as a runaway kernel is). Compares the two JSON outputs field by field, prints one
line per firmware and variant, and exits 1 when any count differs.

usage: python benchmarks/plugin_counts.py [--rev REV] [--workload NAME ...] [--device NAME ...]
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from wasmcu import devices, tools, workloads  # noqa: E402
from wasmcu.backends.qemu import PLUGIN_DIR, QemuBackend, machine_args, memory_args, plugin_library  # noqa: E402
from wasmcu.backends.base import RunContext  # noqa: E402
from wasmcu.measure.footprint import symbol_address  # noqa: E402
from wasmcu.toolchains import mcu  # noqa: E402

BOARDS = ["pico", "esp32c6", "nrf5340"]


def plugin_at(rev: str, tmp: Path) -> Path:
    """The plugin compiled from its sources at git revision `rev`."""
    src = tmp / "src"
    src.mkdir()
    rel = PLUGIN_DIR.relative_to(ROOT)
    for name in ("events.c", "qemu-plugin-api.h"):
        text = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{rel / name}"], check=True,
                              capture_output=True).stdout
        (src / name).write_bytes(text)
    out = tmp / "events.so"
    subprocess.run([tools.require("cc"), "-O2", "-shared", "-fPIC", f"-I{src}", str(src / "events.c"), "-o",
                    str(out)], check=True)
    return out


def counts(plugin: Path, elf: Path, device, tmp: Path, limit: int) -> dict:
    arch = mcu.arch_of(device)
    marks = {k: symbol_address(elf, f"wasmcu_mark_{k}") for k in ("run_begin", "run_end", "load_begin", "load_end")}
    out = tmp / "counts.json"
    out.unlink(missing_ok=True)
    arg = (f"{plugin},isa={arch.isa},out={out},limit={limit}{memory_args(device)},"
           f"begin0={marks['run_begin']:#x},end0={marks['run_end']:#x},"
           f"begin1={marks['load_begin']:#x},end1={marks['load_end']:#x}")
    cmd = [tools.require(arch.qemu), *machine_args(device), "-nographic", "-monitor", "none", "-icount", "shift=0",
           "-semihosting-config", "enable=on,target=native", "-kernel", str(elf), "-plugin", arg]
    subprocess.run(cmd, capture_output=True, timeout=600)
    return json.loads(out.read_text())


def variant(device, **memory_system):
    data = copy.deepcopy(device.data)
    data["memory_system"].update(memory_system)
    return dataclasses.replace(device, data=data)


# (label, memory-system changes, instruction budget: a small one stops most firmware in a window)
BUDGET = RunContext().max_instructions
VARIANTS = {"": ({}, BUDGET), " data=1": ({"data_reads": True}, BUDGET),
            " stopped half-way": ({}, None),
            " tiny cache": ({"cache_bytes": 256, "cache_ways": 2, "line_bytes": 16}, BUDGET),
            " tiny cache data=1": ({"cache_bytes": 256, "cache_ways": 2, "line_bytes": 16, "data_reads": True}, BUDGET)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rev", default="HEAD", help="git revision of the plugin to compare with (default HEAD)")
    p.add_argument("--workload", nargs="*", help="builtin workloads (default: all)")
    p.add_argument("--device", nargs="*", default=BOARDS)
    p.add_argument("--runtime", nargs="*", default=["native", "wasm3"])
    args = p.parse_args()
    wls = workloads.discover()
    names = args.workload or sorted(n for n, w in wls.items() if "builtin" in str(w.directory))
    devs = devices.discover()
    differ = checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        old, new = plugin_at(args.rev, tmp), plugin_library()
        print(f"plugin at {args.rev} against the working tree's, counts of both windows compared")
        for board in args.device:
            for name in names:
                wl = wls[name]
                for runtime in args.runtime:
                    device = devs[board]
                    try:
                        elf, _ = QemuBackend().build(runtime, wl, wl.sizes[0], "c", device, "-O2")
                    except Exception as exc:  # a firmware that does not build here is not the plugin's business
                        print(f"  {board:8s} {name}:{wl.sizes[0]}/{runtime}: not built ({type(exc).__name__})")
                        continue
                    half = None
                    for label, (change, limit) in VARIANTS.items():
                        dev = variant(device, **change)
                        limit = limit or half
                        a, b = counts(old, elf, dev, tmp, limit), counts(new, elf, dev, tmp, limit)
                        checked += 1
                        half = half or a["total_insns"] // 2
                        same = a == b
                        differ += not same
                        insns = a["windows"][0]["insns"]
                        print(f"  {board:8s} {name}:{wl.sizes[0]}/{runtime}{label}: "
                              f"{'identical' if same else 'DIFFERENT'} ({insns:,} instructions in the run window)")
                        if not same:
                            for w, (x, y) in enumerate(zip(a["windows"], b["windows"])):
                                for k in sorted(set(x["events"]) | set(y["events"])):
                                    if x["events"].get(k) != y["events"].get(k):
                                        print(f"      window {w} {k}: {x['events'].get(k)} -> {y['events'].get(k)}")
    print(f"{checked - differ} of {checked} identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
