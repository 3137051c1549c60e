"""The backends' hook for what WebAssembly buys: a cell's module identity and what an update of it ships and costs.

`record_module` runs for every cell (host and boards): the .wasm's sha256 and size, and the
artefact the runtime derives from it for that device (wasmcu.measure.identity).
`record_update` runs for board cells once the image is built: what a device receives to
replace the kernel, compressed and, where the workload has a next version ([update] in
workload.toml), as a delta. `record_update_time` runs once the cell has run (its load time
is known): the update's delivery time and energy (wasmcu.measure.update).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .. import runtimes as runtimes_mod
from ..errors import WasmcuError
from ..measure import update as upd
from ..measure.energy import active_power
from ..measure.identity import record_identity
from ..toolchains.metering import DERIVED_KIND as METERED
from ..toolchains.wasm import build_wasm

# what a device receives to replace the kernel, per kind of runtime: (part, why)
PART_MODULE = ("module (.wasm)", "the runtime loads the module from flash: replacing the kernel replaces the module "
               "only, the firmware stays")
PART_AOT = ("AOT module (.aot)", "WAMR loads the ahead-of-time compiled file and runs it in place: replacing the "
            "kernel replaces that file only, the firmware stays")
PART_IMAGE = ("application image (every loadable byte of the firmware)",
              "the kernel is compiled into the firmware and linked at fixed addresses with it, and the firmware has "
              "no loader for code: replacing the kernel means writing the whole application image again")


def record_module(res, kernel, arch: str | None) -> None:
    """The cell's module identity in res.extra (wasm runtimes only); `kernel`: the cell's
    kernel build (wasmcu.workloads.kernel_source); `arch`: the board's architecture, or None
    on the host."""
    rt = runtimes_mod.get(res.cell.runtime)
    if not rt.wasm:
        return
    wasm = build_wasm(kernel).wasm
    try:
        derived = rt.derived_artefact(wasm, arch)
    except WasmcuError as exc:
        derived = None
        res.extra["derived_unknown"] = str(exc).splitlines()[0]
    record_identity(res.extra, wasm, derived)


def _shipped(rt, kernel, arch: str, elf: Path | None) -> tuple[bytes, tuple[str, str]]:
    """The bytes a device receives to replace this kernel, and (which part, why)."""
    if rt.wasm:
        wasm = build_wasm(kernel).wasm
        derived = rt.derived_artefact(wasm, arch)
        if derived is None:
            return wasm.read_bytes(), PART_MODULE
        if derived[0] == "aot":
            return derived[1].read_bytes(), PART_AOT
        if derived[0] == METERED:  # the module instrumented for gas (wasm3-gas): still a module the runtime loads
            return derived[1].read_bytes(), PART_MODULE
    return upd.image_bytes(elf), PART_IMAGE


def next_version(workload, lang: str):
    """The workload with its next version's source for `lang` ([update] in workload.toml), or None."""
    nxt = (workload.update_next or {}).get(lang)
    if nxt is None:
        return None
    return dataclasses.replace(workload, sources={**workload.sources, lang: nxt},
                               files={**workload.files, lang: [nxt]}, _oracle=None)


def record_update(res, kernel, device, arch: str, elf: Path, rebuild=None, next_kernel=None) -> None:
    """What an update of this board cell ships: extra.update_bytes (+ update_part and
    update_why), update_bytes_compressed ({lzma, heatshrink}), and, for a kernel with a next
    version (`next_kernel`, its build record), update_delta_bytes from this version to it
    (`rebuild(next_kernel)` builds the next version's image for a runtime that ships the
    image). Never fails the cell: a problem is noted in extra.update_unknown."""
    rt = runtimes_mod.get(res.cell.runtime)
    try:
        data, (part, why) = _shipped(rt, kernel, arch, elf)
        res.extra.update(update_bytes=len(data), update_part=part, update_why=why,
                         update_bytes_compressed=upd.compressed_sizes(data))
        nxt = next_kernel
        if nxt is not None:
            new_elf = None
            if part == PART_IMAGE[0]:
                if rebuild is None:
                    return
                new_elf = rebuild(nxt)
            new, _ = _shipped(rt, nxt, arch, new_elf)
            res.extra.update(update_delta_bytes=upd.delta_bytes(data, new), update_delta_to=str(nxt.root.name),
                             update_delta_new_bytes=len(new), update_delta_tool="detools (sequential, heatshrink)")
    except (WasmcuError, OSError) as exc:
        res.extra["update_unknown"] = str(exc).splitlines()[0]


def record_update_time(res, device, link: str | None = None) -> None:
    """The update's delivery time and energy (modelled, with the measured or estimated load),
    for a board cell whose update_bytes are known and whose device profile has [update]."""
    nbytes = res.extra.get("update_bytes")
    if nbytes is None:
        return
    try:
        lk = upd.link_of(device, link)
    except WasmcuError as exc:
        res.extra["update_unknown"] = str(exc)
        return
    if lk is None:
        res.extra["update_unknown"] = f"device {device.name!r} has no [update] table (link and flash timings)"
        return
    fl = upd.flash(device.section("update"), device.file)
    load_kind = {"measured": upd.MEASURED, "estimated": upd.ESTIMATED}.get(res.time_kind, upd.MEASURED)
    load_us = res.load_us if rt_has_load(res) else None
    t = upd.update_time(nbytes, lk, fl, load_us, load_kind)
    res.extra.update(t, update_link=lk.name)
    res.extra.update(upd.update_energy(t, lk, active_power(device)))


def rt_has_load(res) -> bool:
    """A wasm runtime loads and instantiates the module after an update; native code is just there."""
    return runtimes_mod.get(res.cell.runtime).wasm and res.load_us is not None
