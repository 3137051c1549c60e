"""Emulation speed with and without wasmcu's event-count plugin (and its cache model), side by side.

Runs the same wasm3 bubblesort:1000 firmware of each emulated board under QEMU with
`-icount shift=0`, alternately with the plugin and without any plugin, and prints
millions of emulated instructions per second for each and their ratio (goal: the
plugin, with the device's instruction-cache model, keeps at least 80 % of plain QEMU's
speed on every board). The instruction count comes from the plugin run; with -icount it is
identical in both runs. Speed is measured in QEMU's CPU time (user + system, all its
threads), not wall time: on a shared machine wall time mostly measures the other load. The
best of ROUNDS alternating runs is compared (WASMCU_ROUNDS overrides: on a busy machine more
rounds give the quiet moments a better chance).

usage: python benchmarks/plugin_speed.py [device ...]   (default: every emulated board)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from wasmcu import devices, tools, workloads  # noqa: E402
from wasmcu.backends.qemu import QemuBackend, machine_args, memory_args, plugin_library  # noqa: E402
from wasmcu.toolchains import mcu  # noqa: E402

ROUNDS = int(os.environ.get("WASMCU_ROUNDS", 5))


def measure(name: str) -> tuple[int, float, float]:
    """(instructions, best plain CPU seconds, best CPU seconds with the plugin) for one board."""
    device = devices.discover()[name]
    wl = workloads.discover()["bubblesort"]
    arch = mcu.ARCHES[device.arch]
    elf, _ = QemuBackend().build("wasm3", wl, 1000, "c", device, device.section("build").get("opt", "-O2"))
    qemu = tools.require(arch.qemu)
    base = [qemu, *machine_args(device), "-nographic", "-monitor", "none", "-icount", "shift=0",
            "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        with_plugin = base + ["-plugin", f"{plugin_library()},isa={arch.isa},out={out}{memory_args(device)}"]
        plain, plugged = [], []
        for _ in range(ROUNDS):
            for cmd, times in ((base, plain), (with_plugin, plugged)):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run(cmd, check=True, capture_output=True)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        insns = json.loads(out.read_text())["total_insns"]
    return insns, min(plain), min(plugged)


def main() -> None:
    names = sys.argv[1:] or [n for n, d in devices.discover().items() if d.backend == "qemu"]
    print(f"wasm3 bubblesort:1000 (C), QEMU's CPU time, best of {ROUNDS} alternating runs each")
    worst = None
    for name in names:
        insns, plain, plugged = measure(name)
        ratio = plain / plugged
        worst = ratio if worst is None else min(worst, ratio)
        print(f"  {name:10s} {insns:>13,} instructions  plain QEMU {plain:6.2f} s {insns / plain / 1e6:6.1f} MIPS"
              f"  with the plugin and cache model {plugged:6.2f} s {insns / plugged / 1e6:6.1f} MIPS  {ratio:4.0%}")
    print(f"slowest board keeps {worst:.0%} of plain QEMU's speed (goal: at least 80 %)")


if __name__ == "__main__":
    main()
