"""Building a firmware image for a cell, the job the emulated (`qemu`) and real (`board`) backends share.

The image is worked out here once, as data, and handed to the generic link driver
(wasmcu.toolchains.mcu.link_firmware): the firmware frame (`firmware/main.c`, the interface
`firmware/wasmcu_fw.h` every runtime's glue implements), the runtime's glue and parts (its
folder under wasmcu/runtimes/, see wasmcu.runtimes.base.Runtime), and either QEMU's memory
map with semihosting or a chip's own (its folder under wasmcu/chips/); the device's layers say
for which architecture and memories.
"""

from __future__ import annotations

from pathlib import Path

from .. import chips
from .. import runtimes as runtimes_mod
from ..errors import BuildError, CellError, ConfigError, DoesNotFit, ToolMissing, ToolTooOld
from ..measure.footprint import Footprint, footprint
from ..measure.wasi_cost import wasi_cost
from ..model import DOES_NOT_FIT, UNSUPPORTED, Draft
from ..toolchains import mcu
from ..runtimes import wasi, wasi_host
from ..workloads import WASM_ONLY
from ..workloads.kernel_source import KernelSource, kernel_source
from ..toolchains.wasm import build_wasm, memory_pages
from .benefits import next_version, record_module, record_update
from ..runtimes.identity import runtime_record

FIRMWARE = Path(__file__).resolve().parent / "firmware"  # the firmware frame: main.c and wasmcu_fw.h
WASM_PAGE = 65536


# why a prebuilt module's native cell does not run, on every device
PREBUILT_NATIVE = WASM_ONLY["wasm"]


def split_build(build: str) -> tuple[str, str | None]:
    """A cell's build, "MODE" or "MODE+COMPILER" (o2+clang): (the mode, the firmware compiler
    it names or None for the runtime's default one, Runtime.default_firmware_cc)."""
    mode, _, cc = build.partition("+")
    return mode, cc or None


def firmware_cc(cell, device) -> tuple[str, str]:
    """The compiler of a cell's kernel and runtime libraries, and why it is that one."""
    named = split_build(cell.build)[1]
    if named:
        return named, "named by the cell's build (--firmware-cc)"
    return runtimes_mod.get(cell.runtime).default_firmware_cc(device.arch)


def build_opt(device, mode: str) -> str:
    """The optimisation flag of a build mode: `o2`, or the vendor SDK's default ([build] sdk_opt)."""
    mode = split_build(mode)[0]
    build = device.section("build")
    if mode == "sdk":
        if "sdk_opt" not in build:
            raise ConfigError("no vendor-SDK optimisation level for build mode 'sdk'", file=device.file,
                              field="build.sdk_opt", expected="the SDK's default flag, e.g. \"-Os\", with sdk_source")
        return build["sdk_opt"]
    return build.get("opt", "-O2")


def firmware_frame(rt, device, chip: str | None = None) -> mcu.FirmwareSources:
    """What an image of runtime `rt` is made of besides the kernel and runtime parts: the frame,
    the runtime's glue and, on a real chip, its start-up; the memory map: QEMU's (semihosting)
    or the chip's."""
    if chip:
        c = chips.get(chip)
        layout, oslib, chip_sources = c.layout, ("--crt0=hosted",), c.sources
    else:
        q = device.section("qemu")
        layout = {"__flash": q.get("flash_origin", 0), "__flash_size": device.flash_bytes,
                  "__ram": q.get("ram_origin", 0x20000000), "__ram_size": device.ram_bytes}
        oslib, chip_sources = ("--oslib=semihost", "--crt0=semihost"), ()
    return mcu.FirmwareSources(sources=(FIRMWARE / "main.c", Path(rt.firmware_glue), *chip_sources),
                               headers=(FIRMWARE / "wasmcu_fw.h",), includes=(FIRMWARE,), layout=layout, oslib=oslib,
                               defines=("-DWASMCU_TIME_LOAD",) if chip else ())


def build_image(runtime: str, kernel: KernelSource, device, opt: str, *, chip: str | None = None,
                defines=(), firmware_cc: str = "gcc", containment: bool = False) -> tuple[Path, dict]:
    """The firmware ELF of one runtime and kernel (its build record) for `device` (QEMU's
    memory map with semihosting, or `chip`'s own), its kernel and runtime libraries compiled by
    `firmware_cc` (the image is linked by the architecture's GCC), and its build metadata;
    `containment`: a misbehaving kernel, watched by a canary. Raises DoesNotFit or BuildError."""
    rt = runtimes_mod.get(runtime)
    arch = mcu.with_compiler(mcu.arch_of(device), firmware_cc)
    parts, includes, fw_defines = rt.firmware_parts(kernel, device, arch, opt)
    if containment:  # the canary follows the kernel's data: linked after it (canary.c)
        parts, fw_defines = [*parts, FIRMWARE / "canary.c"], [*fw_defines, "-DWASMCU_CONTAINMENT"]
    frame = firmware_frame(rt, device, chip)
    how = wasi.mode(kernel) if rt.wasm else None
    if how:  # the WASI layer, only where the module imports WASI: every other image is unchanged
        frame = wasi.firmware_frame(frame, rt, how)
    return mcu.link_firmware(device, arch, frame, parts, opt, includes=includes, defines=[*fw_defines, *defines])


def check_linear_memory(rt, kernel: KernelSource, device) -> int | None:
    """A module whose linear memory alone exceeds the device's RAM does not fit; the bytes of
    its initial linear memory (None for a native cell)."""
    if not rt.wasm:
        return None
    try:
        pages = memory_pages(build_wasm(kernel).wasm.read_bytes()) or 0
    except ValueError:
        pages = 0  # not a valid module: the runtime in the firmware reports its own error
    if pages * WASM_PAGE > device.ram_bytes:
        raise DoesNotFit(f"does not fit {device.name}: the module needs {pages * 64} KB of linear "
                         f"memory, the device has {device.ram_bytes // 1024} KB of RAM")
    return pages * WASM_PAGE


def build_cell(res: Draft, workload, device, opt: str, *, chip: str | None = None, defines=(),
               runtime_share: bool = True) -> tuple[Path, Footprint] | None:
    """Build the cell's image and record its footprint and provenance in `res`; None (with
    `res` a does-not-fit or error result) when it cannot be built. `runtime_share`: also build
    the native image of the same kernel, so the runtime's own flash and RAM are known."""
    cell = res.cell
    rt = runtimes_mod.get(cell.runtime)
    if not rt.wasm and cell.lang in WASM_ONLY:
        res.fail("unsupported", WASM_ONLY[cell.lang], UNSUPPORTED)
        return None
    kernel = kernel_source(workload, cell.n, cell.lang)  # the kernel's build, worked out once for the cell
    try:
        how = wasi.mode(kernel) if rt.wasm else None
    except (BuildError, DoesNotFit, ToolMissing, ToolTooOld):
        how = None  # the build below says what is wrong
    if how:
        if wasi.glue(rt) is None:
            res.fail("unsupported", wasi_host.UNSUPPORTED, UNSUPPORTED)
            return None
        try:
            wasi.check_imports(build_wasm(kernel).wasm, device.name)
        except CellError as exc:
            res.fail(exc.kind, str(exc))
            return None
    cc, cc_why = firmware_cc(cell, device)
    contained = kernel.containment
    try:
        linear = check_linear_memory(rt, kernel, device)
        if linear is not None:
            res.extra["linear_memory_bytes"] = linear
        elf, meta = build_image(cell.runtime, kernel, device, opt, chip=chip, defines=defines,
                                firmware_cc=cc, containment=contained)
        native_elf = None
        if runtime_share and cell.runtime != "native" and cell.lang in workload.sources and cell.lang not in WASM_ONLY:
            try:
                native_elf, _ = build_image("native", kernel, device, opt, chip=chip,
                                            defines=defines, firmware_cc=cc, containment=contained)
            except BuildError as exc:  # e.g. a C++ library header this board's toolchain lacks
                res.extra["runtime_share_unknown"] = f"the native image does not build: {str(exc).splitlines()[0]}"
    except DoesNotFit as exc:
        res.fail("does-not-fit", str(exc), DOES_NOT_FIT)
        return None
    except (BuildError, ToolMissing, ToolTooOld) as exc:
        res.fail("build-failed", f"build failed: {exc}")
        return None
    fp = footprint(elf)
    res.flash_bytes, res.ram_static_bytes = fp.flash_bytes, fp.ram_static_bytes
    if how:  # what the WASI layer adds
        res.extra.update(wasi_cost(elf), wasi_mode=how)
    if native_elf is not None:
        base = footprint(native_elf)
        res.runtime_flash_bytes = fp.flash_bytes - base.flash_bytes
        res.runtime_ram_bytes = fp.ram_static_bytes - base.ram_static_bytes
    mode = split_build(cell.build)[0]
    res.provenance["build_mode"] = {"mode": mode, "opt": opt,
                                    "source": device.section("build").get("sdk_source") if mode == "sdk" else
                                    "wasmcu's default: -O2 on every board",
                                    "firmware_cc": cc, "firmware_cc_why": cc_why}
    res.extra["firmware_cc"] = cc
    res.provenance.update(build=meta, device_profile_hash=device.profile_hash, mode=rt.mode,
                          runtime_settings=rt.firmware_settings(device) or None, runtime=runtime_record(rt))
    res.extra.update(opt=opt, heap_limit_bytes=fp.heap_limit_bytes, stack_reserved_bytes=fp.stack_reserved_bytes)
    cost = build_wasm(kernel).meta.get("library_cost") if rt.wasm else meta.get("library_cost")
    record_library_cost(res, cost, "module" if rt.wasm else "firmware")
    record_module(res, kernel, device.arch)
    if not workload.containment:  # a misbehaving kernel is not shipped: no update figures
        nxt = next_version(workload, cell.lang)
        record_update(res, kernel, device, device.arch, elf,
                      rebuild=lambda nxt_kernel: build_image(cell.runtime, nxt_kernel, device, opt, chip=chip,
                                                             defines=defines, firmware_cc=cc)[0],
                      next_kernel=kernel_source(nxt, cell.n, cell.lang) if nxt is not None else None)
    return elf, fp


def record_library_cost(res: Draft, cost: dict | None, where: str) -> None:
    """What the C/C++/Rust libraries add to the cell (wasmcu.toolchains.libcost): in the
    firmware for a native kernel, inside the module for a wasm runtime."""
    if cost is None:
        return
    res.extra.update(library_flash_bytes=cost["flash_bytes"], library_ram_bytes=cost["ram_bytes"],
                     library_in=where,
                     library_members=dict(sorted(cost["members"].items(), key=lambda kv: (-kv[1], kv[0]))[:8]))
