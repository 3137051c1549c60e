"""WAMR (WebAssembly Micro Runtime): `wamr-classic`, `wamr-fast` and `wamr-aot`.

WAMR is in no package registry: wasmcu uses a WAMR the user built (`build.py` drives WAMR's
own CMake on the user's tree; `builds.py` finds and checks the builds). On the host, the
runtime is wasmcu's own small embedding program (`bench.c`), compiled against the user's
libiwasm.a, so load and execution are timed separately in-process; on a board, the user's
library is linked with wasmcu's glue (`glue.c`) and bare-metal platform layer (`platform/`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ... import tools
from ...errors import CellError, RuntimeUnavailable
from ...toolchains.cache import cached, digest
from ..harness_output import HOST_PROGRAM_H, parse as parse_harness_output
from ..base import HostJob, HostMeasurement, Runtime, harness_not_repeatable, run_measured
from ..registry import REGISTRY, register
from .builds import WamrBuild, aot_c_array, compile_aot, firmware_build, host_build, wamrc

HARNESS = Path(__file__).with_name("bench.c")
# the failure kind of each stage bench.c reports an error in
HARNESS_STAGES = {"load": "load-failed", "instantiate": "load-failed", "trap": "trap", "mismatch": "not-deterministic"}


def harness(build: WamrBuild) -> Path:
    """wasmcu's host embedding program, compiled against the user's WAMR library (cached)."""
    cc = tools.require("cc")
    key = digest("wamr-bench", HARNESS, HOST_PROGRAM_H, build.library, str(build.include), tools.version(cc))

    def make(tmp: Path) -> dict:
        tools.run([cc, "-O2", f"-I{build.include}", f"-I{HOST_PROGRAM_H.parent}", str(HARNESS), str(build.library), "-o", str(tmp / "wamr_bench"),
                   "-lm", "-ldl", "-lpthread"], what="compiling wasmcu's WAMR host program")
        return {"wamr_build": str(build.directory), "wamr": build.describe()}

    return cached("wamr-bench", key, make) / "wamr_bench"


class Wamr(Runtime):
    """WAMR, one runtime per build kind (`kind`: classic, fast or aot)."""

    mode = "interpreter"
    kind = ""
    version: str | None = None  # None: the default build ([wamr]); else a version of [wamr.versions]
    where = ("host", "firmware")
    firmware_glue = Path(__file__).with_name("glue.c")
    # WAMR's fixed heap pool (module, instance, stacks; linear memory comes from malloc) and
    # the wasm operand/call stack of the instance
    firmware_sizes = {"pool_bytes": (32 * 1024, "WASMCU_WAMR_POOL"), "stack_bytes": (4096, "WASMCU_WAMR_STACK")}

    def firmware_unavailable_reason(self, device):
        try:
            firmware_build(device.arch, self.kind, self.version)
        except RuntimeUnavailable as exc:
            return str(exc)
        return None

    def firmware_parts(self, kernel, device, arch, opt):
        from ...toolchains.wasm import build_wasm

        build = firmware_build(device.arch, self.kind, self.version)
        module = build_wasm(kernel)
        array = module.c_array if self.kind != "aot" else aot_c_array(compile_aot(module.wasm, device.arch, self.version))
        return [array, build.library], [build.include], [f'-DWASMCU_WAMR_KIND="{self.name}"',
                                                          *self.firmware_defines(device)]

    def derived_artefact(self, wasm, arch):
        return ("aot", compile_aot(wasm, arch, self.version)) if self.kind == "aot" else None

    def unavailable_reason(self):
        try:
            host_build(self.kind, self.version)
            if self.kind == "aot":
                wamrc(self.version)
        except RuntimeUnavailable as exc:
            return str(exc)
        return None

    def versions(self):
        b = host_build(self.kind, self.version)
        out = {"wamr_build": str(b.directory), "wamr": b.describe()}
        if self.kind == "aot":
            out["wamrc"] = tools.version(wamrc(self.version))
        return out

    def version_info(self):
        from .builds import build_identity

        return build_identity(host_build(self.kind, self.version))

    def prepare(self, kernel):
        artifact, meta = super().prepare(kernel)
        build = host_build(self.kind, self.version)
        meta = dict(meta, harness=str(harness(build)))
        if kernel.containment:  # its containment program, built here: the worker's short time limit runs it only
            from .contain import program

            meta["contain_program"] = str(program(build))
        if self.kind != "aot":
            return artifact, meta
        aot = compile_aot(Path(artifact), None, self.version)
        return str(aot), dict(meta, aot=str(aot))

    def measure(self, job: HostJob, once: bool = False) -> HostMeasurement:
        exe = harness(host_build(self.kind, self.version))
        cmd = [str(exe), job.artifact, str(job.repeat), str(job.warmup), str(job.load_repeat),
               str(job.min_sample_us), str(job.min_warmup_s), str(job.seed), *(["once"] if once else [])]
        proc, rss = run_measured(cmd)
        out, _notes = parse_harness_output("WAMR host program", proc.returncode, proc.stdout, proc.stderr)
        if "error" in out:  # "STAGE: message" (bench.c's fail)
            if out.get("kind") == "not-repeatable":
                raise harness_not_repeatable("WAMR", out["error"])
            stage = out["error"].split(":", 1)[0]
            raise CellError(f"WAMR: {out['error']}", HARNESS_STAGES.get(stage, "error"))
        return HostMeasurement(checksum=out["checksum"], samples_us=out["samples_us"],
                               load_samples_us=out["load_samples_us"], calls_per_sample=out["calls_per_sample"],
                               peak_rss_bytes=rss)

    def contain(self, job: HostJob) -> dict:
        """The containment suite's two calls in wasmcu's WAMR containment program (contain.py), under a
        watchdog thread that calls wasm_runtime_terminate."""
        from .contain import contain

        return contain(host_build(self.kind, self.version), job.artifact, job.seed, job.watchdog_s or 1.0)

    def once_sample(self, job, tmp, i):
        """A process of WAMR's host program per sample, calling `run` once."""
        m = self.measure(dataclasses.replace(job, load_repeat=1), once=True)
        return m.checksum, m.samples_us[0], m.load_samples_us[0]

    def doctor_lines(self) -> list[str]:
        """Every WAMR host build, wamrc and every board library (the same for the three modes)."""
        from ... import devices

        arches = devices.arch_names()
        lines = []

        def line(what, find, show):
            try:
                lines.append(f"{what}: [green]{show(find())}[/]")
            except RuntimeUnavailable as exc:
                lines.append(f"{what}: [yellow]not configured[/]: {exc}")

        from .builds import build_identity, versions

        def show_host(b):
            ident = build_identity(b)
            return f"{b.directory} ({b.describe()}; WAMR {ident['version'] or 'of unknown version'})"

        for kind in ("classic", "fast", "aot"):
            line(f"WAMR host ({kind})", lambda k=kind: host_build(k), show_host)
        for version in versions():
            for kind in ("classic", "fast", "aot"):
                line(f"WAMR {version} host ({kind}, wamr-{kind}@{version})", lambda k=kind, v=version: host_build(k, v),
                     show_host)
        line("wamrc", wamrc, lambda path: f"{path} ({tools.version(path)})")
        for arch in arches:
            for kind in ("classic", "fast", "aot"):
                line(f"WAMR for {arch} ({kind})", lambda a=arch, k=kind: firmware_build(a, k),
                     lambda b, a=arch, k=kind: str(b.library) + _aligned_note(a, k, b))
        return lines


def _aligned_note(arch: str, kind: str, build: WamrBuild) -> str:
    """A classic build for a core without unaligned access that predates the aligned stores."""
    from .build import aligned_stores
    from .builds import has_aligned_stores

    if kind != "classic" or not aligned_stores(arch) or has_aligned_stores(build.library):
        return ""
    return (" (built without wasmcu's aligned i64/f64 stores: a module storing an i64 at an unaligned address "
            "faults; rebuild it with `wasmcu wamr build PATH --only " + f"{arch}-classic`)")


@register
class WamrClassic(Wamr):
    name = "wamr-classic"
    kind = "classic"
    summary = "WAMR's classic interpreter (a WAMR the user built)"


@register
class WamrFast(Wamr):
    name = "wamr-fast"
    kind = "fast"
    summary = "WAMR's fast interpreter (a WAMR the user built)"


@register
class WamrAot(Wamr):
    name = "wamr-aot"
    kind = "aot"
    mode = "aot"
    default = ("host", "qemu")
    summary = "WAMR ahead-of-time: wamrc compiles, iwasm runs (a WAMR the user built)"


def _versioned() -> list[Wamr]:
    """wamr-classic@VERSION, wamr-fast@VERSION, wamr-aot@VERSION for each WAMR version in [wamr.versions]."""
    from .builds import versions

    out = []
    for version in versions():
        for cls in (WamrClassic, WamrFast, WamrAot):
            rt = cls()
            rt.name, rt.version, rt.default = f"{cls.name}@{version}", version, False
            rt.summary = f"{cls.summary.split(' (')[0]}, WAMR {version} (`wasmcu wamr build`)"
            out.append(rt)
    return out


REGISTRY.add_provider(_versioned)
