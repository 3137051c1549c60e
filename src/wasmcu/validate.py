"""An independent cross-check of the Pico's cycle estimates: rp2040js.

rp2040js (npm) emulates the RP2040 itself and counts Cortex-M0+ cycles per the Arm
manual. The same kernel and runtime sources are built for the RP2040's own memory map
and UART0 (`chips.CHIPS["rp2040"]`), run in rp2040js, and the cycles of the
same window (the call into the kernel, between the firmware's marker functions) are set
beside wasmcu's estimate from QEMU event counts — with the device's memory model, and
without it (the instruction-cache refill cost set to 0), because rp2040js models no XIP
cache: every flash fetch costs what an SRAM fetch costs there.
"""

from __future__ import annotations

from dataclasses import dataclass

from .backends import RunContext
from .bench import execute_cell
from .errors import WasmcuError
from .measure.cycles import CostModel
from .model import OK, Cell
from .workloads.kernel_source import kernel_source
from .chips.rp2040.emulator import RP2040JS_VERSION, SCRIPT, rp2040js_dir, run_rp2040js  # noqa: F401 (importable from here too)


@dataclass
class Check:
    cell: str
    checksum_ok: bool
    estimate: int | None          # QEMU event counts x the profile's costs, memory model on
    estimate_low: int | None
    estimate_high: int | None
    estimate_no_cache: int | None  # the same counts, instruction-cache refills at 0 cycles
    rp2040js: int | None
    lr_pc_transfers: int | None = None  # PUSH {.., lr} + POP {.., pc}: rp2040js charges them no cycle
    error: str | None = None
    fitted: int | None = None      # the same counts x a fitted profile's costs (wasmcu calibrate), when asked

    @property
    def difference(self) -> float | None:
        """rp2040js vs the estimate without the memory model, relative."""
        if not self.rp2040js or not self.estimate_no_cache:
            return None
        return self.estimate_no_cache / self.rp2040js - 1

    @property
    def explained_difference(self) -> float | None:
        """The same, once the LR/PC transfers that rp2040js does not charge are taken out."""
        if not self.rp2040js or not self.estimate_no_cache or self.lr_pc_transfers is None:
            return None
        return (self.estimate_no_cache - self.lr_pc_transfers) / self.rp2040js - 1


def validate(workloads: dict, device, cells: list[Cell], fitted: CostModel | None = None) -> list[Check]:
    """Each cell: the estimate (QEMU) beside rp2040js's cycle count; a broken cell is reported, not raised.
    `fitted`: a cost table fitted to a board (wasmcu calibrate), whose estimate is shown beside the table's."""
    from .backends.qemu import QemuBackend, build_opt, firmware_cc
    from .protocol import parse

    model = device.cycle_model
    no_cache = CostModel.from_table(dict(device.section("cycle_model"), ifetch_miss=0), device.file)
    out = []
    for cell in cells:
        wl = workloads[cell.workload]
        res = execute_cell(cell, wl, device, RunContext())
        if res.status != OK:
            out.append(Check(cell.key, False, None, None, None, None, None, f"{res.status}: {res.error}"))
            continue
        events = res.extra["events"]["run"]
        est, flat = model.estimate(events), no_cache.estimate(events)
        fit_est = fitted.estimate(events).cycles if fitted is not None else None
        try:
            elf, _ = QemuBackend().build(cell.runtime, kernel_source(wl, cell.n, cell.lang), device,
                                         build_opt(device, cell.build), chip="rp2040",
                                         firmware_cc=firmware_cc(cell, device)[0], containment=bool(wl.containment))
            run = run_rp2040js(elf)
            report = parse(run["output"].encode())
            ok = report.int("checksum") is not None and (report.int("checksum") & 0xFFFFFFFF) == res.expected
            error = None if ok else f"rp2040js run reported {run['output'][-200:]!r}"
            out.append(Check(cell.key, ok, est.cycles, est.low, est.high, flat.cycles, run["cycles"],
                             events.get("push_lr", 0) + events["pop_pc"], error, fit_est))
        except WasmcuError as exc:
            out.append(Check(cell.key, False, est.cycles, est.low, est.high, flat.cycles, None, error=str(exc),
                             fitted=fit_est))
    return out


WHY = ("rp2040js charges every instruction fetch as a zero-wait-state access (it has no XIP cache or QSPI timing), "
       "so it is compared with the estimate without the memory model; the estimate with the model adds the XIP "
       "cache refills. Both count the same window with the Cortex-M0+ timings of the Arm manual, with one "
       "difference: rp2040js (1.4.1) charges no cycle for the LR in PUSH {.., lr} nor for the PC in POP {.., pc}, "
       "where the Cortex-M0+ TRM (table 3-1) gives 1+N and 3+N with N counting them; 'explained' takes those "
       "transfers out. Interpreters call and return far more often than the native kernels, so they show it.")


def validate_device(device: str = "pico", runtimes: str | None = None, workloads: str | None = None,
                    langs: str | None = None, fitted: str | None = None,
                    device_dirs=()) -> tuple[list[Check], CostModel | None]:
    """Plan the cells of `device` (an emulated RP2040), check them against rp2040js, and cost the
    same event counts with the `fitted` profile's table when one is named: (the checks, that
    table or None). A device that is not an emulated RP2040, or a `fitted` profile of another
    core, is a WasmcuError saying so."""
    from . import devices as devices_mod
    from .plan import Spec, plan

    cells, wls, devs = plan(Spec(suite="paper", devices=device, runtimes=runtimes, workloads=workloads,
                                 langs=langs, device_dirs=list(device_dirs)))
    dev = devs[device]
    if dev.arch != "armv6m" or dev.backend != "qemu":
        raise WasmcuError(f"wasmcu validate compares an emulated RP2040 with rp2040js; '{device}' is "
                          f"{dev.backend}/{dev.arch} (use --device pico)")
    model = None
    if fitted:
        known = devices_mod.discover(list(device_dirs))
        if fitted not in known:
            raise WasmcuError(f"unknown device '{fitted}' for --fitted; known: {', '.join(known)} (wasmcu "
                              "calibrate writes NAME-fitted.toml; add its folder with --device-dir)")
        if known[fitted].core != dev.core:
            raise WasmcuError(f"--fitted {fitted} is a {known[fitted].core} profile, not {dev.core}")
        model = known[fitted].cycle_model
    return validate(wls, dev, cells, model), model

