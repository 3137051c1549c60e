"""`v8-liftoff` and `v8-turbofan`: V8's baseline and optimising wasm compilers via Node.js."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from .. import tools
from ..errors import CellError
from .wasi_host import is_command, node_command
from .base import HostJob, HostMeasurement, Runtime, harness_not_repeatable, run_measured
from .registry import register

SCRIPT = Path(__file__).with_name("v8_bench.js")
CONTAIN_SCRIPT = Path(__file__).with_name("v8_contain.js")  # the containment suite's program


@register
class V8(Runtime):
    name = "v8-liftoff"
    mode = "jit"
    summary = "V8's Liftoff baseline compiler only (node --liftoff-only)"
    flags = ["--liftoff-only"]

    def unavailable_reason(self):
        node = tools.find("node")
        if node is None:
            return "Node.js was not found: apt-get install nodejs (or set WASMCU_NODE)"
        return tools.check_version("node", node)

    def versions(self):
        return {"node": tools.version(tools.require("node"))}

    def measure(self, job: HostJob, once: bool = False) -> HostMeasurement:
        node = tools.require("node")
        if is_command(job.artifact):  # a WASI command: node:wasi, a fresh instance per sample
            digest, samples, loads, output, versions = node_command(node, self.flags, job)
            return HostMeasurement(checksum=digest, samples_us=samples, load_samples_us=loads, calls_per_sample=1,
                                   extra={**versions, **output})
        cmd = [node, *self.flags, str(SCRIPT), job.artifact, str(job.repeat), str(job.warmup),
               str(job.load_repeat), str(job.min_sample_us), str(job.seed), str(job.min_warmup_s),
               *(["once"] if once else [])]
        proc, rss = run_measured(cmd)
        try:
            out = json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise CellError(f"node failed (exit {proc.returncode}): {(proc.stderr or proc.stdout).strip()[-500:]}",
                            "crash") from None
        if "error" in out:
            if out.get("kind") == "not-repeatable":
                raise harness_not_repeatable("V8", out["error"])
            raise CellError(f"V8: {out['error']}", out.get("kind", "error"))
        return HostMeasurement(checksum=out["checksum"], samples_us=out["samples_us"],
                               load_samples_us=out["load_samples_us"], calls_per_sample=out["calls_per_sample"],
                               peak_rss_bytes=rss, extra={"node": out["node"], "v8": out["v8"]})

    def contain(self, job: HostJob) -> dict:
        """The containment suite's call and second call in node (v8_contain.js): a call that outlives
        job.watchdog_s is terminated by V8 (a vm timeout), and the process goes on."""
        from .contained_program import run_contain_program

        return run_contain_program([tools.require("node"), *self.flags, str(CONTAIN_SCRIPT), job.artifact,
                                    str(job.seed), str(max(1, round((job.watchdog_s or 1.0) * 1000)))], "V8")

    def once_sample(self, job, tmp, i):
        """A node process per sample, calling `run` once."""
        m = self.measure(dataclasses.replace(job, load_repeat=1), once=True)
        return m.checksum, m.samples_us[0], m.load_samples_us[0]


@register
class V8Turbofan(V8):
    name = "v8-turbofan"
    summary = "V8's TurboFan optimising compiler only (node --no-liftoff)"
    flags = ["--no-liftoff"]
