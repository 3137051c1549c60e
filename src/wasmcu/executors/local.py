"""The local executor: cells run in this process, emulated ones in parallel threads, host and board ones alone."""

from __future__ import annotations

import concurrent.futures as cf
from typing import Callable, Iterable

from ..model import Cell, Result

# backends whose cells run one at a time: host timings (parallel work would disturb them) and
# real boards (a board runs one image at a time)
ALONE = ("host", "board")


def run_local(cells: Iterable[Cell], workloads, devices, ctx, run_one: Callable, record: Callable[[Result], None],
              jobs: int = 1) -> None:
    """Run `cells` with `run_one(cell, workload, device, ctx) -> Result`, handing each Result to
    `record` (in this thread) as it comes: first the emulated cells, `jobs` at a time, then the
    host and board cells one by one."""
    cells = list(cells)
    parallel = [c for c in cells if devices[c.device].backend not in ALONE]
    alone = [c for c in cells if devices[c.device].backend in ALONE]
    _run_parallel(parallel, workloads, devices, ctx, run_one, record, jobs)
    for cell in alone:
        record(run_one(cell, workloads[cell.workload], devices[cell.device], ctx))


def _run_parallel(cells: list[Cell], workloads, devices, ctx, run_one, record, jobs: int) -> None:
    if not cells:
        return
    if jobs <= 1:
        for cell in cells:
            record(run_one(cell, workloads[cell.workload], devices[cell.device], ctx))
        return
    pool = cf.ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(run_one, c, workloads[c.workload], devices[c.device], ctx) for c in cells]
        for fut in cf.as_completed(futures):
            record(fut.result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
