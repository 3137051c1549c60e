"""The local executor: cells run in this process, emulated ones in parallel threads, host and board ones alone."""

from __future__ import annotations

import concurrent.futures as cf
import logging
from typing import Callable, Iterable

from ..model import Cell, Result

log = logging.getLogger("wasmcu")

# backends whose cells run one at a time: host timings (parallel work would disturb them) and
# real boards (a board runs one image at a time)
ALONE = ("host", "board")


def run_local(cells: Iterable[Cell], workloads, devices, ctx, run_one: Callable, record: Callable[[Result], None],
              jobs: int = 1, prepare: Callable | None = None) -> None:
    """Run `cells` with `run_one(cell, workload, device, ctx) -> Result`, handing each Result to
    `record` (in this thread) as it comes: first the emulated cells, `jobs` at a time, then the
    host and board cells one by one, with nothing else running. With `prepare(cell, workload,
    device)`, the host and board cells are prepared (built) in the first phase, in parallel with
    the emulated cells, so that only their measurement runs alone; a prepare that fails is
    ignored (the cell's run meets the failure again and reports it)."""
    cells = list(cells)
    parallel = [c for c in cells if devices[c.device].backend not in ALONE]
    alone = [c for c in cells if devices[c.device].backend in ALONE]
    _run_parallel(parallel, workloads, devices, ctx, run_one, record, jobs, alone if prepare else [], prepare)
    for cell in alone:
        record(run_one(cell, workloads[cell.workload], devices[cell.device], ctx))


def _prepare(prepare: Callable, cell: Cell, workload, device) -> None:
    try:
        prepare(cell, workload, device)
    except Exception:  # the cell's own run reports it
        log.debug("preparing %s failed", cell, exc_info=True)


def _run_parallel(cells: list[Cell], workloads, devices, ctx, run_one, record, jobs: int,
                  to_prepare: list[Cell] = (), prepare: Callable | None = None) -> None:
    if not cells and not to_prepare:
        return
    if jobs <= 1:
        for cell in to_prepare:
            _prepare(prepare, cell, workloads[cell.workload], devices[cell.device])
        for cell in cells:
            record(run_one(cell, workloads[cell.workload], devices[cell.device], ctx))
        return
    pool = cf.ThreadPoolExecutor(max_workers=jobs)
    try:
        prepared = [pool.submit(_prepare, prepare, c, workloads[c.workload], devices[c.device]) for c in to_prepare]
        futures = [pool.submit(run_one, c, workloads[c.workload], devices[c.device], ctx) for c in cells]
        for fut in cf.as_completed(futures):
            record(fut.result())
        cf.wait(prepared)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
