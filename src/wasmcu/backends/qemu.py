"""The `qemu` backend: emulated boards.

Its jobs: the firmware image is built by wasmcu.backends.image (shared with the real
boards); QEMU runs it (this module); the firmware's report becomes the result through
wasmcu.backends.readout (shared too), with cycles estimated here. Each cell becomes a bare-metal firmware image (cross compiler + picolibc, the device's
real flash and RAM sizes), run by QEMU with `-icount shift=0` so instruction counts are
deterministic, under wasmcu's event-count plugin: it counts the instructions of each
class, the taken branches and the flash-cache hits and misses of the measured windows,
and the device profile's cost table turns the counts into estimated cycles with a range
(wasmcu.measure.cycles). The firmware reports through the same line protocol a real
board uses over serial.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import subprocess
import tempfile
from pathlib import Path

from .. import tools
from ..measure.energy import modelled_energy
from ..measure.footprint import symbol_address
from ..model import CYCLES_ESTIMATED, ERROR, OK, Draft, Result
from ..protocol import parse
from .. import runtimes as runtimes_mod
from ..toolchains import mcu
from ..toolchains.cache import cached, digest
from .base import Backend, RunContext
from .containment import qemu_cell
from .faults import explain as explain_fault
from .sizing import MODULE, resize
from .linear_memory import SMALL, shrink
from .shadow_need import fit as fit_shadow_stack
from .benefits import record_update_time
from .image import FIRMWARE, build_cell, build_image, build_opt, firmware_cc  # noqa: F401  (build_opt, firmware_cc: for callers)
from .replay import emulate
from .readout import apply_report, reported_error

PLUGIN_DIR = Path(__file__).resolve().parent / "plugin"


def machine_args(device) -> list[str]:
    """QEMU's machine options from the device's layers ([qemu] machine and args)."""
    q = device.section("qemu")
    return ["-M", q["machine"], *q.get("args", [])]


def memory_args(device) -> str:
    """The plugin's memory-system options from the profile's [memory_system] (empty without one)."""
    ms = device.section("memory_system")
    if not ms:
        return ""
    q = device.section("qemu")
    flash, ram = q.get("flash_origin", 0), q.get("ram_origin", 0x20000000)
    args = f",cache={flash:#x}:{device.flash_bytes:#x}:{ms['cache_bytes']}:{ms['cache_ways']}:{ms['line_bytes']}"
    if ms.get("data_reads", False):
        args += f",ram={ram:#x}:{device.ram_bytes:#x},data=1"
    return args


def plugin_library() -> Path:
    """The event-count plugin, compiled on first use into the cache."""
    cc = tools.require("cc")
    src = PLUGIN_DIR / "events.c"
    header = PLUGIN_DIR / "qemu-plugin-api.h"
    key = digest("qemu-plugin", src, header, tools.version(cc))

    def build(tmp: Path) -> dict:
        tools.run([cc, "-O2", "-shared", "-fPIC", f"-I{PLUGIN_DIR}", str(src), "-o", str(tmp / "events.so")],
                  what="compiling the QEMU event-count plugin")
        return {"compiler": tools.version(cc)}

    return cached("qemu-plugin", key, build) / "events.so"


def emulation_command(elf: Path, device, arch, counts_file: Path, limit: int, memory_model: bool = True) -> list[str]:
    """QEMU's command line for a firmware image under the event-count plugin: deterministic
    instruction counts (-icount), semihosting, the measured windows between the image's
    marks, at most `limit` instructions, the counts written to `counts_file`; with the
    profile's memory-system model unless `memory_model` is false."""
    marks = {k: symbol_address(elf, f"wasmcu_mark_{k}") for k in ("run_begin", "run_end", "load_begin", "load_end")}
    plugin_arg = (f"{plugin_library()},isa={arch.isa},out={counts_file},limit={limit}"
                  f"{memory_args(device) if memory_model else ''},"
                  f"begin0={marks['run_begin']:#x},end0={marks['run_end']:#x},"
                  f"begin1={marks['load_begin']:#x},end1={marks['load_end']:#x}")
    return [tools.require(arch.qemu), *machine_args(device), "-nographic", "-monitor", "none", "-icount", "shift=0",
            "-semihosting-config", "enable=on,target=native", "-kernel", str(elf), "-plugin", plugin_arg]


class QemuBackend(Backend):
    name = "qemu"

    def unsupported_reason(self, runtime, device):
        rt = runtimes_mod.get(runtime)
        if not runtimes_mod.runs_on(rt, self.name):
            return f"runtime '{runtime}' has no firmware build: it runs on host only"
        return rt.firmware_unavailable_reason(device)

    def run_cell(self, cell, workload, device, ctx: RunContext) -> Result:
        return self._measure(cell, workload, device, ctx).freeze()

    def _measure(self, cell, workload, device, ctx: RunContext) -> Draft:
        """The cell with the profile's sizes; a part that ran out sized from the module (wasmcu.backends.sizing)."""
        return resize(self, self.measure_sized(cell, workload, device, ctx), cell, workload, device, ctx)

    def measure_sized(self, cell, workload, device, ctx: RunContext) -> Draft:
        """The cell built and run with the sizes of `device` (the profile, or a variant of it)."""
        res = Draft(cell=cell, backend=self.name)
        if ctx.ram in (MODULE, SMALL):  # the shadow stack the module was measured to need (shadow_need)
            workload = fit_shadow_stack(res, workload, cell)
        if ctx.ram == SMALL:  # the linear memory its data needs (wasmcu.backends.linear_memory)
            workload, device = shrink(res, workload, device, cell)
        built = build_cell(res, workload, device, build_opt(device, cell.build))
        if built is None:
            return res
        if "linear_memory_data_bytes" in res.extra:
            res.extra["linear_memory_bytes"] = res.extra["linear_memory_data_bytes"]
        elf, fp = built
        if device.arch == "armv6m":
            res.extra["uf2_bytes"] = fp.uf2_bytes()
        res.provenance.update(qemu_machine=machine_args(device), cycle_model=device.cycle_model.as_dict(),
                              memory_system=device.section("memory_system") or None)
        if workload.containment:  # a misbehaving kernel: observed and classified (backends.containment)
            qemu_cell(res, workload, runtimes_mod.get(cell.runtime), elf, device, mcu.arch_of(device), ctx,
                                  command=emulation_command, arm_fault=arm_fault)
            return res
        res = self.execute(res, elf, device, mcu.arch_of(device), ctx, fp)
        if res.status == OK:
            record_update_time(res, device, ctx.link)
        if res.status == ERROR and res.error_kind == "stack-overflow":
            need, tried = self.stack_needed(cell, workload, device, ctx)
            if need:
                res.extra["stack_needed_bytes"] = need
                res.error += (f"; the run needs {need:,} bytes of stack (measured in QEMU with a {tried:,}-byte "
                              f"stack region)")
            elif tried:
                res.error += f"; the run needs more than {tried:,} bytes of stack (it overflowed that too in QEMU)"
        return res

    def stack_needed(self, cell, workload, device, ctx: RunContext) -> tuple[int | None, int | None]:
        """How much native stack the cell's run uses, measured on a variant of the device whose
        stack region (and RAM, by as much) is four times larger: QEMU's machines have more
        RAM than the boards. (the stack used or None, the region tried or None)"""
        stack = int(device.section("build").get("stack_bytes", 8192))
        if not device.ram_bytes:
            return None, None
        tried = 4 * stack
        data = copy.deepcopy(device.data)
        data.setdefault("build", {})["stack_bytes"] = tried
        data.setdefault("memory", {})["ram_bytes"] = device.ram_bytes + tried - stack
        variant = dataclasses.replace(device, data=data)
        probe = Draft(cell=cell, backend=self.name)
        built = build_cell(probe, workload, variant, build_opt(variant, cell.build), runtime_share=False)
        if built is None:
            return None, None
        probe = self.execute(probe, built[0], variant, mcu.arch_of(variant), ctx, built[1])
        if probe.status == OK and probe.extra.get("stack_hwm_bytes"):
            return int(probe.extra["stack_hwm_bytes"]), tried
        overflowed = probe.status == ERROR and probe.error_kind == "stack-overflow"
        return None, tried if overflowed else None

    def build(self, runtime, kernel, device, opt, chip=None, defines=(), firmware_cc="gcc", containment=False):
        """The firmware image of a kernel's build record (wasmcu.backends.image.build_image)."""
        return build_image(runtime, kernel, device, opt, chip=chip, defines=defines, firmware_cc=firmware_cc,
                           containment=containment)

    def execute(self, res: Draft, elf: Path, device, arch, ctx: RunContext, fp) -> Draft:
        plugin = plugin_library()
        with tempfile.TemporaryDirectory(prefix="wasmcu-qemu-") as tmp:
            out = Path(tmp) / "counts.json"
            cmd = emulation_command(elf, device, arch, out, ctx.max_instructions)
            try:  # an identical earlier emulation is read back (wasmcu.backends.replay)
                proc = emulate(res, cmd, elf=elf, counts_file=out, plugin=plugin, ctx=ctx)
            except subprocess.TimeoutExpired:
                res.fail("timeout", f"timeout: QEMU did not finish within {ctx.timeout_s:g} s")
                return res
            counts = proc.counts
        report = parse(proc.stdout + proc.stderr)
        res.extra["qemu_exit"] = proc.returncode
        if counts and counts.get("limit_hit"):
            res.fail("budget-exhausted", f"instruction budget exhausted: the firmware ran more than "
                                         f"{ctx.max_instructions:,} instructions without finishing")
            return res
        if reported_error(res, report, fp, device):
            return res
        if proc.returncode != 0 or not report.ended or counts is None:
            text = (proc.stdout + proc.stderr).decode(errors="replace")
            fault = arm_fault(text, device, symbol_address(elf, "__heap_end"))
            named = explain_fault(text, elf, device, arch.cc) if fault is None or fault[0] == "fault" else None
            if named:  # unaligned access, bus fault, undefined instruction: which, where (backends.faults)
                res.extra["fault_cause"], fault = named[0], ("fault", named[1])
            if fault:
                res.fail(*fault)
                return res
            tail = text.strip()[-300:]
            why = "the firmware's report was cut off" if report.malformed else "the firmware did not finish its report"
            res.fail("no-report", f"QEMU exited with status {proc.returncode}; {why}: {tail!r}")
            return res
        run_w, load_w = counts["windows"]
        events = {"run": {"insns": run_w["insns"], **run_w["events"]}, "load": {"insns": load_w["insns"], **load_w["events"]}}
        hz = device.clock_hz
        run_est, load_est = device.cycle_model.estimate(events["run"]), device.cycle_model.estimate(events["load"])
        res.instructions, res.cycles, res.cycles_kind = run_w["insns"], run_est.cycles, CYCLES_ESTIMATED
        res.time_us, res.time_kind = res.cycles / hz * 1e6, "estimated"
        res.load_us = load_est.cycles / hz * 1e6
        if not apply_report(res, report, fp):
            return res
        time_range = [run_est.low / hz * 1e6, run_est.high / hz * 1e6]
        res.extra.update(events=events, cycles_range=[run_est.low, run_est.high], time_us_range=time_range)
        res.energy_uj, energy_range, res.energy_kind, scope = modelled_energy(device, res.time_us, time_range)
        if res.energy_uj is not None:
            res.extra.update(energy_uj_range=energy_range, energy_scope=scope)
        res.extra.update(load_cycles=load_est.cycles, load_instructions=load_w["insns"],
                         taken_branches=run_w["events"]["taken_branches"], total_instructions=counts["total_insns"],
                         clock_hz=hz)
        res.status = OK
        return res


PAINT = 0xA5A5A5A5  # what firmware/main.c paints the stack region with


def arm_fault(text: str, device, stack_bottom: int | None = None) -> tuple[str, str] | None:
    """Explain QEMU's register dump after an unrecoverable Cortex-M fault (lockup): (the failure
    kind, stack-overflow or fault, and the message), or None when the text shows no fault.

    The firmware guards the bottom of its stack region (MPU region or MSPLIM, see main.c),
    so an overflow locks the core up with sp at the guard, or below RAM for huge frames."""
    stack = int(device.section("build").get("stack_bytes", 8192))
    # picolibc's fault handler prints the exception frame it finds at sp. A frame that is all
    # stack paint was never pushed: stacking faulted (MSTKERR) because sp had reached the
    # guard, which happens when a deep chain of small frames (wasm3's operations calling one
    # another: GCC makes no sibling calls in Thumb-1 code) runs down the stack.
    m = re.search(r"ARM fault: (\w+)((?:\s+\w+:\s+0x[0-9a-fA-F]{8})+)", text)
    if m:
        regs = re.findall(r"\w+:\s+0x([0-9a-fA-F]{8})", m.group(2))
        if regs and all(v.lower() == f"{PAINT:08x}" for v in regs):
            return "stack-overflow", (f"native stack overflow: a {m.group(1)} was taken with sp at the guard below "
                                      f"the stack region (the exception frame could not be pushed; the registers "
                                      f"shown are stack paint); the stack region is {stack} bytes (set [build] "
                                      f"stack_bytes in the device profile)")
    if "Lockup" not in text and "HardFault" not in text:
        return None
    m = re.search(r"R13=([0-9a-fA-F]{8})", text)
    sp = int(m.group(1), 16) if m else None
    ram = device.section("qemu").get("ram_origin", 0x20000000)
    at_guard = stack_bottom is not None and sp is not None and sp < stack_bottom + 1024
    if sp is not None and (at_guard or not (ram <= sp <= ram + device.ram_bytes)):
        where = "at the guard below the stack region" if at_guard and sp >= ram else "outside RAM"
        return "stack-overflow", (f"native stack overflow: the CPU locked up with sp=0x{sp:08x}, {where}; the stack "
                                  f"region is {stack} bytes (set [build] stack_bytes in the device profile)")
    pc = re.search(r"R15=([0-9a-fA-F]{8})", text)
    return "fault", f"CPU fault: the core locked up (HardFault) at pc=0x{pc.group(1) if pc else '?'}"


def doctor_lines() -> list[str]:
    lines = []
    binaries = {mcu.ARCHES[a].qemu for a in mcu.ARCHES if mcu.ARCHES[a].qemu}
    for name in sorted(binaries):
        path = tools.find(name)
        if path is None:
            continue
        proc = subprocess.run(["nm", "-D", path], capture_output=True, text=True) if tools.find("nm") else None
        if proc is not None and proc.returncode == 0:
            ok = "qemu_plugin_register_vcpu_tb_trans_cb" in proc.stdout
            lines.append(f"{name}: TCG plugin support {'present' if ok else '[red]missing[/]: cycle estimates need it'}")
    return lines
