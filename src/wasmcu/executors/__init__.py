"""Executors: where a bench's cells run, each given the cells and a function that runs one cell.

- :mod:`.local`: this process (emulated cells in parallel threads, host and board cells alone);
- :mod:`.cluster`: the workers of a Dask scheduler (`bench --cluster`), with
  :mod:`.cluster_worker` the part that runs on a worker and :mod:`.security` the TLS set-up.

An executor hands each Result back through a `record` callback as it arrives; it knows
nothing of how a cell is built, run or verified (that is the function it is given,
wasmcu.bench.execute_cell), and never imports wasmcu.bench.
"""

from __future__ import annotations

from .local import run_local

__all__ = ["run_local"]
