"""`wasm3@VERSION`: a wasm3 the user built from a source tree, run by wasmcu's own C program on the host and in firmware.

One runtime per build in the config file's [wasm3.builds] (see `builds.py`), given to the
registry by a provider (asked again when the config file changes). On the host
the build runs in wasmcu's embedding program (`bench.c`), which times load and calls in C
as WAMR's does; in firmware its sources are linked with the same glue as the built-in
`wasm3` and built with the same compiler and sizes (a device's [runtimes.wasm3] table
applies to every version, a [runtimes."wasm3@VERSION"] table to that one).
"""

from __future__ import annotations

import dataclasses
import json

from ...errors import CellError, RuntimeUnavailable
from ..base import HostJob, HostMeasurement, harness_not_repeatable, run_measured
from ..registry import REGISTRY
from . import Wasm3
from .builds import configured, find, harness, library

# the failure kind of each stage bench.c reports an error in
HARNESS_STAGES = {"load": "load-failed", "instantiate": "load-failed", "trap": "trap", "stack-limit": "stack-limit",
                  "mismatch": "not-deterministic"}


class Wasm3Registered(Wasm3):
    """wasm3 built from a source tree: `wasm3@VERSION`."""

    default = False
    # native_stack_limit_bytes: wasm3's native stack budget (d_m3MaxNativeStack, newer wasm3): a
    # recursion deeper than this traps cleanly (kind stack-limit) instead of overflowing the
    # board's stack; 0 keeps the tree's own default. A setting of the firmware library.
    firmware_sizes = {**Wasm3.firmware_sizes, "native_stack_limit_bytes": (0, "WASMCU_WASM3_NATIVE_STACK_LIMIT")}

    def __init__(self, version: str):
        self.version = version
        self.name = f"wasm3@{version}"
        self.summary = f"wasm3 {version} built from a source tree by `wasmcu wasm3 build` (wasmcu's C host program)"

    metering = ("none: wasm3 offers no way to interrupt a call and meters only a module instrumented for gas "
                "(wasm3-gas@VERSION); only the time limit ends an endless loop")
    host_defines: list[str] = []  # -D flags of the host programs (a gas budget: wasm3-gas@VERSION)

    def build(self):
        return find(self.version)

    def harness(self):
        return harness(self.build(), self.host_defines)

    def contain(self, job: HostJob) -> dict:
        """The containment suite's two calls in wasmcu's wasm3 containment program (contain.c)."""
        from .contain import contain

        return contain(self.build(), job.artifact, job.seed, self.contain_defines())

    def contain_defines(self) -> list[str]:
        return self.host_defines

    def unavailable_reason(self):
        try:
            self.harness()
        except RuntimeUnavailable as exc:
            return str(exc)
        except Exception as exc:  # a build that no longer compiles (a changed compiler)
            return f"wasm3 {self.version} does not build for the host: {str(exc).splitlines()[0]}"
        return None

    def firmware_unavailable_reason(self, device):
        try:
            self.build()
        except RuntimeUnavailable as exc:
            return str(exc)
        return None

    def versions(self):
        b = self.build()
        return {"wasm3": b.version, "wasm3_source_sha256": b.source_sha256, "wasm3_build": str(b.directory)}

    def version_info(self):
        b = self.build()
        return {"version": b.version, "source_sha256": b.source_sha256, "from": f"{b.source} (built into "
                                                                                 f"{b.directory})"}

    def firmware_parts(self, kernel, device, arch, opt):
        from ...toolchains.wasm import build_wasm

        b = self.build()
        module = build_wasm(kernel)
        limit = self.firmware_settings(device)["native_stack_limit_bytes"]
        lib = library(b, arch, opt, [f"-Dd_m3MaxNativeStack={limit}"] if limit else [])
        return [module.c_array, lib], [b.src], self.firmware_defines(device)

    def prepare(self, kernel):
        artifact, meta = super().prepare(kernel)
        meta = dict(meta, harness=str(self.harness()))
        if kernel.containment:  # its containment program, built here: the worker's short time limit runs it only
            from .contain import program

            meta["contain_program"] = str(program(self.build(), self.contain_defines()))
        return artifact, meta

    def load(self, job: HostJob):  # measured by its own program, never through pywasm3
        raise CellError(f"{self.name} runs in wasmcu's host program, not in-process", "error")

    def measure(self, job: HostJob, once: bool = False) -> HostMeasurement:
        exe = self.harness()
        cmd = [str(exe), job.artifact, str(job.repeat), str(job.warmup), str(job.load_repeat),
               str(job.min_sample_us), str(job.min_warmup_s), str(job.seed), *(["once"] if once else [])]
        proc, rss = run_measured(cmd)
        try:
            out = json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise CellError(f"wasm3 {self.version}'s host program failed (exit {proc.returncode}): "
                            f"{(proc.stderr or proc.stdout).strip()[-400:]}", "crash") from None
        if "error" in out:
            if out.get("kind") == "not-repeatable":
                raise harness_not_repeatable(f"wasm3 {self.version}", out["error"])
            raise CellError(f"wasm3 {self.version}: {out['error']}", HARNESS_STAGES.get(out["error"].split(":")[0],
                                                                                       "error"))
        return HostMeasurement(checksum=out["checksum"], samples_us=out["samples_us"],
                               load_samples_us=out["load_samples_us"], calls_per_sample=out["calls_per_sample"],
                               peak_rss_bytes=rss)

    def once_sample(self, job, tmp, i):
        m = self.measure(dataclasses.replace(job, load_repeat=1), once=True)
        return m.checksum, m.samples_us[0], m.load_samples_us[0]

    def identity(self, job, tmp):
        return None


def provided() -> list[Wasm3Registered]:
    """One runtime per build in the config file."""
    return [Wasm3Registered(version) for version in configured()]


REGISTRY.add_provider(provided)
