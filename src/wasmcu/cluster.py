"""The Dask cluster executor's names, importable from here as before (wasmcu.executors.cluster)."""

from __future__ import annotations

from .executors.cluster import (CONNECT_TIMEOUT_S, GRACE_ENV, ClusterRun, board_resource, check_address,
                                compare_workers, grace_seconds, host_timing_computers)
from .executors.cluster_worker import run_cell_task, versions_that_matter, worker_facts, workload_fingerprint

__all__ = ["CONNECT_TIMEOUT_S", "GRACE_ENV", "ClusterRun", "board_resource", "check_address", "compare_workers",
           "grace_seconds", "host_timing_computers", "run_cell_task", "versions_that_matter", "worker_facts",
           "workload_fingerprint"]
