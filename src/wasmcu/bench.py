"""Run a planned experiment: execute every cell, verify it, store it at once.

A broken cell never stops the others: its error is stored and the run goes on.
Ctrl-C stops the run; every cell finished so far is already stored and
`--resume` runs only what is missing.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Callable

from . import runstate
from .backends import RunContext, get_backend, shadowstack
from .backends.host import native_reference, reference_runtime
from .errors import ConfigError, WasmcuError
from .executors import run_local
from .model import (ERROR, MISMATCH, OK, UNSUPPORTED, UNVERIFIED, VERIFIED_NATIVE_HOST, VERIFIED_ORACLE,
                    VERIFIED_REFERENCE, Cell,
                    Result)
from .plan import Spec, plan
from .portable import portable, roots
from .toolchains.cache import cache_root
from .provenance import run_provenance
from .store import Store

log = logging.getLogger("wasmcu")


def execute_cell(cell: Cell, workload, device, ctx: RunContext) -> Result:
    """Build, run and verify one cell; never raises for a cell's own failure."""
    try:
        backend = get_backend(device.backend)
    except ConfigError as exc:  # e.g. a profile for a real board: no such backend yet
        return verify(Result(cell=cell, backend=device.backend, status=UNSUPPORTED, error=str(exc),
                             error_kind="unsupported"), workload, ctx.timeout_s)
    try:
        reason = backend.unsupported_reason(cell.runtime, device)
        if reason:
            return Result(cell=cell, backend=device.backend, status=UNSUPPORTED, error=reason, error_kind="unsupported")
        result = backend.run_cell(cell, workload, device, ctx)
    except WasmcuError as exc:
        result = Result(cell=cell, backend=device.backend, status=ERROR, error=str(exc), error_kind=exc.kind)
    except Exception as exc:  # a bug or an unexpected tool failure: keep going, say what happened
        log.debug("cell %s failed", cell, exc_info=True)
        result = Result(cell=cell, backend=device.backend, status=ERROR, error=f"{type(exc).__name__}: {exc}",
                        error_kind="internal")
    result = verify(result, workload, ctx.timeout_s)
    result = shadowstack.explain(result, workload, lambda variant: verify(
        backend.run_cell(cell, variant, device, ctx), variant, ctx.timeout_s))
    if result.status != OK and result.error_kind is None:  # a backend from another package that sets none
        result = result.replace(error_kind="unsupported" if result.status == UNSUPPORTED else "error")
    # no paths of this machine in what is stored (the same build stores the same provenance anywhere)
    where = roots(cache_root(), getattr(workload, "directory", None))
    return result.replace(provenance=portable(result.provenance, where))


def prepare_cell(cell: Cell, workload, device) -> None:
    """Build what `cell` needs before it is measured (Backend.prepare: a host cell's kernel or
    module), so that a cell measured alone spends its time alone measuring."""
    backend = get_backend(device.backend)
    if not backend.unsupported_reason(cell.runtime, device):
        backend.prepare(cell, workload, device)


def verify(result: Result, workload, timeout_s: float | None = None) -> Result:
    """Compare the checksum with the expected one; a difference is a failed cell. The expected
    checksum is the oracle's (run in a child process bounded by `timeout_s`), or, for a workload
    without an oracle, the host's native result for the same language, n and seed; `verified_by`
    says which. A containment kernel has no expected checksum: its outcome was classified by the
    backend (wasmcu.measure.containment)."""
    if workload.containment:
        return result
    if workload.has_oracle:
        verified_by, source = VERIFIED_ORACLE, "the oracle's"
        try:
            expected = workload.expected(result.cell.n, timeout_s=timeout_s)
        except Exception as exc:  # the oracle is user code: whatever it raises is this cell's error
            message = str(exc) if isinstance(exc, WasmcuError) else \
                f"the oracle {workload.oracle_file} raised {type(exc).__name__}: {exc}"
            return result.failed(ERROR, "oracle-failed", message) if result.status in (OK, MISMATCH) else result
    else:
        if result.status not in (OK, MISMATCH):
            return result  # nothing to compare: no native build is made for it
        cell = result.cell
        reference = reference_runtime(cell.lang)
        if reference == "native":
            verified_by, source = VERIFIED_NATIVE_HOST, "the host's native result"
        else:  # a prebuilt module: a reference runtime's result on the host
            verified_by, source = f"{VERIFIED_REFERENCE}:{reference}", f"the reference runtime's ({reference} on the host)"
        if result.backend == "host" and cell.runtime == reference and result.checksum is not None:
            expected = result.checksum & 0xFFFFFFFF  # this cell is the reference itself
        else:
            try:
                expected = native_reference(workload, cell.n, cell.lang)
            except WasmcuError as exc:
                if result.status == OK and result.checksum is not None:  # it ran: keep it, say why it is unchecked
                    return _self_check(result.failed(UNVERIFIED, "reference-failed", f"unverified: {exc}"), workload)
                return result.failed(ERROR, "reference-failed", str(exc))
    result = result.replace(expected=expected, verified_by=verified_by)
    if result.status == OK:
        if result.checksum is None:
            return result.failed(ERROR, "no-checksum", "the run reported no checksum")
        if (result.checksum & 0xFFFFFFFF) != expected:
            return _self_check(result.failed(MISMATCH, "mismatch", f"checksum {result.checksum & 0xFFFFFFFF:#010x} "
                                                                f"differs from {source} {expected:#010x}"), workload)
    return _self_check(result, workload)


def _self_check(result: Result, workload) -> Result:
    """A workload with a check of its own (an Embench benchmark's verify_benchmark, carried in
    the checksum) records what it said; a check that failed fails the cell, whatever the
    comparison with the expected checksum said."""
    check = getattr(workload, "self_check", None)
    if check is None or result.checksum is None or result.status not in (OK, MISMATCH, UNVERIFIED):
        return result
    extra, error = check(result)
    result = result.replace(extra={**result.extra, **extra})
    if error:
        both = error if result.status == OK else f"{error}; {result.error}"
        return result.failed(MISMATCH, "self-check-failed", both)
    return result


def _no_update_table(device, link: str) -> None:
    raise ConfigError(f"--link {link}: device {device.name!r} has no [update] table (its links and flash timings)",
                      file=device.file, field="update", expected="[update] with [update.links.NAME] tables, as the "
                      "built-in board profiles have")
def spec_differences(stored: dict, current: dict) -> list[str]:
    """How the options of a bench differ from those a stored run was started with ("repeat: 20 ->
    5"); options a run stored before they existed count as their defaults."""
    defaults = Spec().as_dict()
    out = []
    for key, now in current.items():
        was = stored.get(key, defaults.get(key))
        if was != now:
            out.append(f"{key}: {was!r} then, {now!r} now")
    return out


def run_bench(spec: Spec, store: Store, *, resume: int | None = None, jobs: int | None = None,
              argv: list[str] | None = None,
              on_result: Callable[[Result, int, int], None] | None = None,
              cluster: str | None = None, mixed_versions: bool = False,
              place=None, tls: dict | None = None, planned=None, fresh: bool = False) -> tuple[int, list[Result]]:
    """Run `spec`, storing each result as it comes. Returns (run id, results of this invocation).
    With `cluster` (a Dask scheduler's address) the cells run on its workers (see wasmcu.executors.cluster);
    `tls` ({"tls_ca": ..., "tls_cert": ..., "tls_key": ...}) are the TLS files for a tls:// cluster;
    with `place` (wasmcu.farm.Place) the board cells run on a farm's board; `planned` is what
    plan(spec) gave, when the caller planned already (to refuse bad input before opening a store);
    `fresh` emulates every emulated cell again instead of reusing an identical emulation kept
    beside the store (wasmcu.backends.replay)."""
    cells, workloads, devices = planned or plan(spec)
    cells = list(cells)
    if place is not None and not any(devices[c.device].backend == "board" for c in cells):  # the planned devices
        raise WasmcuError("--place runs board devices (backend \"board\", such as pico-board): name one with --device")
    session = None
    if cluster:  # connect before anything is stored: a bad address leaves no empty run behind
        from .executors.cluster import ClusterRun

        session = ClusterRun(cluster, mixed_versions=mixed_versions, **(tls or {}))
    if spec.link:  # a link a planned board lacks is a bad option, said before anything runs
        from .measure.update import link_of

        for device in {c.device for c in cells}:
            if devices[device].backend != "host":
                link_of(devices[device], spec.link) or _no_update_table(devices[device], spec.link)
    ctx = RunContext(repeat=spec.repeat, warmup=spec.warmup, timeout_s=spec.timeout, db_path=store.path, place=place,
                     link=spec.link, ram=spec.ram, fresh=fresh)
    if resume is not None:
        if store.run(resume) is None:
            if session:
                session.close()
            raise WasmcuError(f"there is no run {resume} in {store.path} to resume")
        run_id = resume
        differ = spec_differences(json.loads(store.run(run_id)["spec"] or "{}"), spec.as_dict())
        if differ:
            if session:
                session.close()
            raise WasmcuError(f"run {run_id} was started with other options ({'; '.join(differ)}): resuming it so "
                              f"would mix cells of two experiments. Resume it with the options it was started with, "
                              f"or leave out --resume to start a new run")
        done = store.done_cells(run_id)
        cells = [c for c in cells if c not in done]
        store.reopen_run(run_id)
        log.info("resuming run %d: %d cells already stored, %d to go", run_id, len(done), len(cells))
    else:
        provenance = run_provenance()
        if session:
            provenance.update(session.provenance())
        run_id = store.begin_run(spec.as_dict(), argv, provenance)
    ctx.run_id = run_id
    results: list[Result] = []
    total = len(cells)

    def record(result: Result) -> None:
        store.add_result(run_id, result)
        results.append(result)
        if on_result:
            on_result(result, len(results), total)

    try:
        with runstate.heartbeat(store.path, run_id):
            if session:
                session.run(cells, workloads, devices, ctx, spec, record, execute_cell)
            else:
                run_local(cells, workloads, devices, ctx, execute_cell, record, jobs or os.cpu_count() or 1,
                          prepare=prepare_cell)
    except BaseException:
        store.finish_run(run_id, "interrupted")
        raise
    finally:
        if session:
            session.close()
    store.finish_run(run_id, "complete")
    order = {c: i for i, c in enumerate(cells)}
    results.sort(key=lambda r: order.get(r.cell, len(order)))  # plan order, whatever finished first
    return run_id, results

