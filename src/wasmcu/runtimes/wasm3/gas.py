"""`wasm3-gas`: the built-in wasm3 running its module instrumented for gas metering, with a budget per call.

The module is instrumented by wasm-metering (wasmcu.toolchains.metering): every block calls
``metering.usegas(cost)`` first, one unit per wasm instruction. wasmcu provides ``usegas`` in
pywasm3 on the host (a Python function) and in the firmware's glue (``glue.c`` with
WASMCU_WASM3_GAS, a C function): it subtracts the cost from the call's budget and traps once
the budget is spent (failure kind ``out-of-gas``). An ordinary kernel runs with a budget it
never reaches (GAS), so its cell shows what metering costs in time and flash beside plain
``wasm3``; a containment kernel runs with CONTAIN_GAS, which stops the endless loop.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import CellError
from ..base import HostJob
from ..registry import REGISTRY, register
from . import Wasm3
from .builds import configured
from .registered import Wasm3Registered

GAS = 2_000_000_000     # an ordinary call's budget (fits the glue's int32): metering's cost, not a limit
CONTAIN_GAS = 200_000   # a containment call's budget: ample for run(0), stops an endless loop within milliseconds
OUT_OF_GAS = "out of gas"


@register
class Wasm3Gas(Wasm3):
    name = "wasm3-gas"
    default = False
    summary = ("wasm3 with gas metering: the module instrumented by wasm-metering (npm), usegas provided by the "
               "host, a budget per call")
    host_sizes = {**Wasm3.host_sizes, "gas": GAS}
    firmware_sizes = {**Wasm3.firmware_sizes, "gas": (GAS, "WASMCU_WASM3_GAS")}
    contain_settings = {"gas": CONTAIN_GAS}  # a containment cell's budget (wasmcu.backends.containment)
    metering = (f"gas: the module is instrumented by wasm-metering to call metering.usegas (one unit per wasm "
                f"instruction); the host's usegas traps once {CONTAIN_GAS:,} units are spent")
    metering_words = {"out-of-gas": f"gas: {CONTAIN_GAS:,} units (one per wasm instruction), then usegas traps"}

    def unavailable_reason(self):
        return _metering_missing() or super().unavailable_reason()

    def firmware_unavailable_reason(self, device):
        return self.unavailable_reason()

    def derived_artefact(self, wasm: Path, arch):
        from ...toolchains import metering

        return metering.DERIVED_KIND, metering.metered(wasm) / "module.wasm"

    def prepare(self, kernel):
        from ...toolchains import metering

        artifact, meta = super().prepare(kernel)
        out = metering.metered(Path(artifact))
        return str(out / "module.wasm"), dict(meta, metered=str(out / "module.wasm"), gas=self.host_sizes["gas"])

    def firmware_parts(self, kernel, device, arch, opt):
        from ...toolchains import metering
        from ...toolchains.wasm import build_wasm
        from . import firmware

        module = metering.metered(build_wasm(kernel).wasm)
        defines = self.firmware_defines(device)
        if kernel.containment:  # the containment suite's budget stops the endless loop
            defines = [d for d in defines if not d.startswith("-DWASMCU_WASM3_GAS=")] + [
                f"-DWASMCU_WASM3_GAS={CONTAIN_GAS}"]
        return [module / "module_wasm.c", firmware.library(arch, opt)], [firmware.sources()], defines

    def load(self, job: HostJob):
        import wasm3

        budget = CONTAIN_GAS if job.containment else self.host_sizes["gas"]
        left = [budget]

        def usegas(cost):
            left[0] -= cost
            if left[0] < 0:
                raise RuntimeError(OUT_OF_GAS)

        data = Path(job.artifact).read_bytes()
        try:
            env = wasm3.Environment()
            rt = env.new_runtime(self.host_sizes["stack_bytes"])
            module = env.parse_module(data)
            rt.load(module)
            module.link_function("metering", "usegas", "v(i)", usegas)
            fn = rt.find_function("run")
        except RuntimeError as exc:
            raise CellError(f"wasm3 could not load the metered module: {exc}", "load-failed") from exc
        seed = job.seed

        def call():
            left[0] = budget  # a budget per call
            try:
                return fn(seed)
            except RuntimeError as exc:
                if left[0] < 0:
                    raise CellError(f"trap in wasm3: {OUT_OF_GAS} (a budget of {budget:,} units)",
                                    "out-of-gas") from exc
                raise CellError(f"trap in wasm3: {exc}", "trap") from exc

        call._keep = (env, rt, module, usegas)
        return call


class Wasm3GasRegistered(Wasm3Registered):
    """`wasm3-gas@VERSION`: a wasm3 built from a source tree, with the same metering: usegas in
    wasmcu's C host programs (bench.c, contain.c) and in the firmware's glue."""

    firmware_sizes = {**Wasm3Registered.firmware_sizes, "gas": (GAS, "WASMCU_WASM3_GAS")}
    host_sizes = {**Wasm3Registered.host_sizes, "gas": GAS}
    host_defines = [f"-DWASMCU_WASM3_GAS={GAS}"]
    contain_settings = Wasm3Gas.contain_settings
    metering = Wasm3Gas.metering

    def __init__(self, version: str):
        super().__init__(version)
        self.name = f"wasm3-gas@{version}"
        self.summary = f"wasm3 {version} with gas metering (wasm-metering; usegas in wasmcu's C programs and glue)"

    def contain_defines(self):
        return [f"-DWASMCU_WASM3_GAS={CONTAIN_GAS}"]

    def unavailable_reason(self):
        return _metering_missing() or super().unavailable_reason()

    def derived_artefact(self, wasm: Path, arch):
        return Wasm3Gas.derived_artefact(self, wasm, arch)

    def prepare(self, kernel):
        from ...toolchains import metering

        artifact, meta = super().prepare(kernel)
        out = metering.metered(Path(artifact))
        return str(out / "module.wasm"), dict(meta, metered=str(out / "module.wasm"), gas=GAS)

    def firmware_parts(self, kernel, device, arch, opt):
        from ...toolchains import metering
        from ...toolchains.wasm import build_wasm

        objects, includes, defines = super().firmware_parts(kernel, device, arch, opt)
        objects = [metering.metered(build_wasm(kernel).wasm) / "module_wasm.c", *objects[1:]]
        if kernel.containment:
            defines = [d for d in defines if not d.startswith("-DWASMCU_WASM3_GAS=")] + [
                f"-DWASMCU_WASM3_GAS={CONTAIN_GAS}"]
        return objects, includes, defines


def provided() -> list[Wasm3GasRegistered]:
    """A gas variant of every registered wasm3 build."""
    return [Wasm3GasRegistered(version) for version in configured()]


REGISTRY.add_provider(provided)


def _metering_missing() -> str | None:
    """Why the instrumenter (npm's wasm-metering) cannot run here, or None."""
    from ...toolchains import metering

    try:
        metering.package_dir()
    except Exception as exc:  # noqa: BLE001 - any reason it cannot be found is the cell's reason
        return str(exc)
    return None
