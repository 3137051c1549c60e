"""Emulation speed with and without wasmcu's event-count plugin (and its cache model), side by side.

Runs the same wasm3 bubblesort:1000 firmware (emulated Pico) under QEMU with
`-icount shift=0`, alternately with the plugin and without any plugin, and prints
millions of emulated instructions per second for each and their ratio (goal: the
plugin, with the device's instruction-cache model, keeps at least 60 % of plain QEMU's speed). The instruction count comes from
the plugin run; with -icount it is identical in both runs.

usage: python benchmarks/plugin_speed.py [device]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from wasmcu import devices, tools, workloads  # noqa: E402
from wasmcu.backends.qemu import QemuBackend, machine_args, memory_args, plugin_library  # noqa: E402
from wasmcu.toolchains import mcu  # noqa: E402

ROUNDS = 3


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "pico"
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
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True)
                times.append(time.perf_counter() - t0)
        insns = json.loads(out.read_text())["total_insns"]
    mips_plain = insns / min(plain) / 1e6
    mips_plugged = insns / min(plugged) / 1e6
    print(f"wasm3 bubblesort:1000 (C) on emulated {name}: {insns:,} instructions, best of {ROUNDS} runs each")
    print(f"  plain QEMU      : {min(plain):6.2f} s  {mips_plain:7.1f} MIPS")
    print(f"  with the plugin : {min(plugged):6.2f} s  {mips_plugged:7.1f} MIPS")
    print(f"  plugin with the cache model keeps {mips_plugged / mips_plain:.0%} of plain QEMU's speed (goal: at least 60 %)")


if __name__ == "__main__":
    main()
