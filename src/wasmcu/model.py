"""The data model shared by every layer: cells, results, statuses."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

OK, MISMATCH, ERROR, UNSUPPORTED, DOES_NOT_FIT = "ok", "mismatch", "error", "unsupported", "does-not-fit"
# the cell ran and gave a checksum, but there is nothing to compare it with: the workload has
# no oracle and the host's native reference failed (the reason is the cell's error)
UNVERIFIED = "unverified"
STATUSES = (OK, MISMATCH, ERROR, UNSUPPORTED, DOES_NOT_FIT, UNVERIFIED)
PASSING = (OK, UNSUPPORTED)

# What a cell's failure was (`Result.error_kind`), beside its message: code and readers branch
# on the kind, never on the message's text. A kind for each cause a user acts on differently.
ERROR_KINDS = {
    "build-failed": "a source did not compile or link, or a tool the build needs is missing",
    "does-not-fit": "the image, the module's linear memory or the runtime's memory exceeds the device",
    "heap-exhausted": "the runtime's heap (malloc) ran out on the device",
    "pool-exhausted": "WAMR's fixed memory pool ran out on the device",
    "stack-overflow": "the native stack overflowed its region",
    "wasm-stack-overflow": "the runtime's wasm stack (WAMR's operand stack, wasm3's value stack) overflowed",
    "shadow-stack-overflow": "the module's own data stack in its linear memory ([wasm] stack_bytes) overflowed",
    "linear-memory-exhausted": "the module's linear memory could not be allocated on the device",
    "trap": "the runtime stopped the module (out-of-bounds access, unreachable, ...)",
    "stack-limit": "the runtime's own stack limit stopped the module cleanly (wasm3's value stack, or its native "
                   "stack budget: native_stack_limit_bytes) before the native stack overflowed",
    "out-of-fuel": "the runtime's metering (wasmtime's fuel) ran out: the call was stopped on its budget",
    "out-of-gas": "the module's gas (metering.usegas, a module instrumented by wasm-metering) ran out: the host's "
                  "usegas stopped the call on its budget",
    "terminated": "a watchdog had the runtime terminate a call that ran too long (V8's TerminateExecution, WAMR's "
                  "wasm_runtime_terminate)",
    "load-failed": "the runtime refused or could not instantiate the module",
    "wasi-unprovided": "the module imports a WASI call that wasmcu's WASI layer does not provide on the device",
    "fault": "the CPU took a fault that was not a stack overflow",
    "crash": "the runtime's host process died (a signal)",
    "timeout": "the cell's wall-clock limit (--timeout) ended it",
    "budget-exhausted": "the emulated run exceeded its instruction budget",
    "no-report": "the firmware's report was cut off or never finished",
    "board": "the real board could not be found, flashed, read, or runs at another clock",
    "mismatch": "the checksum differs from the expected one",
    "no-checksum": "the run reported no checksum",
    "self-check-failed": "the workload's own check (an Embench benchmark's verify_benchmark) failed",
    "oracle-failed": "the workload's oracle raised",
    "reference-failed": "the host-native reference of a workload without an oracle failed (an `unverified` cell "
                        "ran, but nothing checks its result)",
    "not-deterministic": "the kernel returned different results on repeated calls",
    "unsupported": "the cell cannot run here (a runtime, tool or build missing; does not apply)",
    "internal": "an unexpected exception in wasmcu or a binding (a bug: please report it)",
    "error": "another failure; the message says which",
}

# kinds of a time/cycle figure; a measured figure and a modelled one are never confused
CYCLES_MEASURED = "measured cycles"
CYCLES_ESTIMATED = "estimated cycles"
CYCLES_INSTRUCTIONS = "instructions"
ENERGY_MODEL = "model"

# how a result's expected checksum was obtained: the workload's Python oracle, or (a workload
# without one) the host's native build of the same kernel, language, n and seed, or (a prebuilt
# module, which has no source to build natively) a reference runtime's result on the host,
# stored as "reference:<runtime>" (e.g. reference:wasmtime)
VERIFIED_ORACLE, VERIFIED_NATIVE_HOST, VERIFIED_REFERENCE = "oracle", "native-host", "reference"

# build modes: `o2`, the same flags everywhere; `sdk`, each board's vendor-SDK default
# optimisation level (the device profile's [build] sdk_opt)
BUILD_MODES = ("o2", "sdk")
# the compilers of a board's kernel and runtime libraries; a cell's build names one as
# MODE+COMPILER (o2+clang), or none for the default of its runtime and architecture
FIRMWARE_CCS = ("gcc", "clang")

# execution modes of a runtime, in the order reports show them: the kernel compiled for
# the target; the module interpreted; compiled ahead of time (before the run, on the
# build machine: wasm2c, wamrc); compiled just in time (while loading, on the target)
EXECUTION_MODES = ("native", "aot", "jit", "interpreter")


@dataclass(frozen=True, order=True)
class Cell:
    """One combination: workload x size x language x runtime x device."""

    workload: str
    n: int
    lang: str
    runtime: str
    device: str
    build: str = "o2"

    @property
    def key(self) -> str:
        key = f"{self.workload}:{self.n}/{self.lang}/{self.runtime}/{self.device}"
        return key if self.build == "o2" else f"{key}/{self.build}"

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class Result:
    """What one run of a cell gave, once measured: immutable. Fields that do not apply
    stay None. Backends fill a `Draft` and freeze it; a changed copy is `replace(...)`."""

    SCHEMA: ClassVar[int] = 5  # the version of this layout (and of the store's, which derives from it)

    cell: Cell
    backend: str
    status: str = ERROR
    error: str | None = None
    error_kind: str | None = None  # one of ERROR_KINDS when status is not ok (None for ok)
    checksum: int | None = None
    expected: int | None = None
    verified_by: str | None = None  # where `expected` came from: VERIFIED_ORACLE or VERIFIED_NATIVE_HOST
    time_us: float | None = None
    time_us_ci: list[float] | None = None
    time_kind: str | None = None  # 'measured' (host clock) or 'estimated' (cycle model)
    load_us: float | None = None
    cycles: int | None = None
    cycles_kind: str | None = None
    instructions: int | None = None
    flash_bytes: int | None = None
    ram_static_bytes: int | None = None
    ram_peak_bytes: int | None = None     # firmware: static RAM + heap and stack high-water marks
    host_rss_bytes: int | None = None     # host: peak resident memory of the runtime's own process
    runtime_flash_bytes: int | None = None
    runtime_ram_bytes: int | None = None
    energy_uj: float | None = None
    energy_kind: str | None = None
    samples_us: list[float] = field(default_factory=list)
    load_samples_us: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)

    def replace(self, **changes) -> "Result":
        return dataclasses.replace(self, **changes)

    def failed(self, status: str, kind: str, message: str) -> "Result":
        """This result with a failure: its status, kind (ERROR_KINDS) and message."""
        return dataclasses.replace(self, status=status, error_kind=kind, error=message)

    def to_json(self) -> dict[str, Any]:
        """The CLI contract's object for this cell (see DESIGN: `bench --json`)."""
        d = {
            "workload": self.cell.workload,
            "n": self.cell.n,
            "lang": self.cell.lang,
            "runtime": self.cell.runtime,
            "device": self.cell.device,
            "build": self.cell.build,
        }
        body = asdict(self)
        body.pop("cell")
        d.update(body)
        d["samples"] = len(self.samples_us)
        runtime = self.provenance.get("runtime")
        runtime = runtime if isinstance(runtime, dict) else {}  # {name, version, source_sha256, from}
        d["runtime_version"], d["runtime_source_sha256"] = runtime.get("version"), runtime.get("source_sha256")
        d["schema"] = self.SCHEMA
        return d


def _draft_field(f: dataclasses.Field):
    if f.default is not dataclasses.MISSING:
        return field(default=f.default)
    if f.default_factory is not dataclasses.MISSING:
        return field(default_factory=f.default_factory)
    return field()


# The mutable form a backend fills while it measures, with the fields of Result; freeze()
# gives the immutable Result.
def _fail(self, kind: str, message: str, status: str = ERROR):
    """Mark the draft failed: its status (error unless given), kind (ERROR_KINDS) and message."""
    self.status, self.error_kind, self.error = status, kind, message
    return self


Draft = dataclasses.make_dataclass(
    "Draft", [(f.name, f.type, _draft_field(f)) for f in dataclasses.fields(Result)],
    namespace={"freeze": lambda self: Result(**{f.name: getattr(self, f.name) for f in dataclasses.fields(Result)}),
               "fail": _fail,
               "__doc__": "A Result being measured (mutable); freeze() gives the Result, fail() marks it failed."})
