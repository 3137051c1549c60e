"""Run a planned experiment: execute every cell, verify it, store it at once.

A broken cell never stops the others: its error is stored and the run goes on.
Ctrl-C stops the run; every cell finished so far is already stored and
`--resume` runs only what is missing.
"""

from __future__ import annotations

import logging
import os
from typing import Callable

from .backends import RunContext, get_backend
from .backends.host import native_reference
from .errors import ConfigError, WasmcuError
from .executors import run_local
from .model import ERROR, MISMATCH, OK, UNSUPPORTED, VERIFIED_NATIVE_HOST, VERIFIED_ORACLE, Cell, Result
from .plan import Spec, plan
from .provenance import run_provenance
from .store import Store

log = logging.getLogger("wasmcu")


def execute_cell(cell: Cell, workload, device, ctx: RunContext) -> Result:
    """Build, run and verify one cell; never raises for a cell's own failure."""
    try:
        backend = get_backend(device.backend)
    except ConfigError as exc:  # e.g. a profile for a real board: no such backend yet
        return verify(Result(cell=cell, backend=device.backend, status=UNSUPPORTED, error=str(exc)), workload)
    try:
        reason = backend.unsupported_reason(cell.runtime, device)
        if reason:
            return Result(cell=cell, backend=device.backend, status=UNSUPPORTED, error=reason)
        result = backend.run_cell(cell, workload, device, ctx)
    except WasmcuError as exc:
        result = Result(cell=cell, backend=device.backend, status=ERROR, error=str(exc))
    except Exception as exc:  # a bug or an unexpected tool failure: keep going, say what happened
        log.debug("cell %s failed", cell, exc_info=True)
        result = Result(cell=cell, backend=device.backend, status=ERROR, error=f"{type(exc).__name__}: {exc}")
    return verify(result, workload)


def prepare_cell(cell: Cell, workload, device) -> None:
    """Build what `cell` needs before it is measured (Backend.prepare: a host cell's kernel or
    module), so that a cell measured alone spends its time alone measuring."""
    backend = get_backend(device.backend)
    if not backend.unsupported_reason(cell.runtime, device):
        backend.prepare(cell, workload, device)


def verify(result: Result, workload) -> Result:
    """Compare the checksum with the expected one; a difference is a failed cell. The expected
    checksum is the oracle's, or, for a workload without an oracle, the host's native result
    for the same language, n and seed; `verified_by` says which."""
    if workload.has_oracle:
        verified_by, source = VERIFIED_ORACLE, "the oracle's"
        try:
            expected = workload.expected(result.cell.n)
        except Exception as exc:  # the oracle is user code: whatever it raises is this cell's error
            message = str(exc) if isinstance(exc, WasmcuError) else \
                f"the oracle {workload.oracle_file} raised {type(exc).__name__}: {exc}"
            return result.replace(status=ERROR, error=message) if result.status in (OK, MISMATCH) else result
    else:
        if result.status not in (OK, MISMATCH):
            return result  # nothing to compare: no native build is made for it
        verified_by, source = VERIFIED_NATIVE_HOST, "the host's native result"
        cell = result.cell
        if result.backend == "host" and cell.runtime == "native" and result.checksum is not None:
            expected = result.checksum & 0xFFFFFFFF  # this cell is the reference itself
        else:
            try:
                expected = native_reference(workload, cell.n, cell.lang)
            except WasmcuError as exc:
                return result.replace(status=ERROR, error=str(exc))
    result = result.replace(expected=expected, verified_by=verified_by)
    if result.status == OK:
        if result.checksum is None:
            return result.replace(status=ERROR, error="the run reported no checksum")
        if (result.checksum & 0xFFFFFFFF) != expected:
            return result.replace(status=MISMATCH, error=f"checksum {result.checksum & 0xFFFFFFFF:#010x} differs from "
                                                         f"{source} {expected:#010x}")
    return result


def run_bench(spec: Spec, store: Store, *, resume: int | None = None, jobs: int | None = None,
              argv: list[str] | None = None,
              on_result: Callable[[Result, int, int], None] | None = None,
              cluster: str | None = None, mixed_versions: bool = False,
              place=None, tls: dict | None = None, fresh: bool = False) -> tuple[int, list[Result]]:
    """Run `spec`, storing each result as it comes. Returns (run id, results of this invocation).
    With `cluster` (a Dask scheduler's address) the cells run on its workers (see wasmcu.executors.cluster);
    `tls` ({"tls_ca": ..., "tls_cert": ..., "tls_key": ...}) are the TLS files for a tls:// cluster;
    with `place` (wasmcu.farm.Place) the board cells run on a farm's board; `fresh` emulates every
    emulated cell again instead of reusing an identical emulation kept beside the store
    (wasmcu.backends.replay)."""
    cells, workloads, devices = plan(spec)
    if place is not None and not any(devices[c.device].backend == "board" for c in cells):  # the planned devices
        raise WasmcuError("--place runs board devices (backend \"board\", such as pico-board): name one with --device")
    session = None
    if cluster:  # connect before anything is stored: a bad address leaves no empty run behind
        from .executors.cluster import ClusterRun

        session = ClusterRun(cluster, mixed_versions=mixed_versions, **(tls or {}))
    ctx = RunContext(repeat=spec.repeat, warmup=spec.warmup, timeout_s=spec.timeout, db_path=store.path, place=place,
                     fresh=fresh)
    if resume is not None:
        if store.run(resume) is None:
            if session:
                session.close()
            raise WasmcuError(f"there is no run {resume} in {store.path} to resume")
        run_id = resume
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

