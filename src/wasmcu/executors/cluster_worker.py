"""What a Dask worker runs for `bench --cluster`: its facts (versions), the checks of its inputs, one cell."""

from __future__ import annotations

import hashlib
import os
import platform
import socket
import sys
from pathlib import Path
from typing import Callable

from ..errors import WasmcuError
from ..model import ERROR, Cell, Result


def _runtime_versions() -> dict:
    """Versions of the runtimes usable on this computer (build directories left out: they
    are paths, which differ between computers without changing results)."""
    from .. import runtimes

    out = {}
    for rt in runtimes.RUNTIMES.values():
        try:
            if rt.unavailable_reason():
                continue
            versions = rt.versions()
        except Exception:  # a runtime that cannot tell its version: not usable here either
            continue
        for key, value in versions.items():
            if not key.endswith("_build"):
                out[key] = value
    return out


_FACTS: dict | None = None


def worker_facts() -> dict:
    """This computer's wasmcu, Python and tool versions (asked of every worker by the client)."""
    global _FACTS
    if _FACTS is None:
        from .._version import __version__
        from ..provenance import cpu_model, git_revision, tool_versions

        _FACTS = {"hostname": socket.gethostname(), "platform": platform.platform(), "cpu": cpu_model(),
                  "cores": os.cpu_count(), "wasmcu": __version__,
                  "git_revision": git_revision(), "python": sys.version.split()[0], "tools": tool_versions(),
                  "runtimes": _runtime_versions()}
    return dict(_FACTS, pid=os.getpid())


def versions_that_matter(facts: dict) -> dict:
    """The versions of a worker that change results: wasmcu, its tools and its runtimes."""
    out = {"wasmcu": facts.get("wasmcu")}
    out.update({f"tools.{k}": v for k, v in (facts.get("tools") or {}).items()})
    out.update({f"runtimes.{k}": v for k, v in (facts.get("runtimes") or {}).items()})
    return out


def workload_fingerprint(workload) -> str:
    """Hash of every file of a workload's directory: sources, oracle and description."""
    h = hashlib.sha256()
    root = Path(workload.directory)
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


_DISCOVERED: dict[tuple, tuple] = {}


def _inputs(workload_dirs: tuple[str, ...], device_dirs: tuple[str, ...]):
    key = (workload_dirs, device_dirs)
    if key not in _DISCOVERED:
        from .. import devices, workloads

        _DISCOVERED[key] = (workloads.discover([Path(d) for d in workload_dirs]),
                            devices.discover([Path(d) for d in device_dirs]))
    return _DISCOVERED[key]


def _this_worker() -> dict:
    out = {"hostname": socket.gethostname(), "pid": os.getpid()}
    dist = sys.modules.get("distributed")  # imported in a Dask worker; not imported: not in one
    if dist is not None:
        try:
            w = dist.get_worker()
            out.update(address=w.address, name=str(w.name))
        except ValueError:  # not inside a Dask worker (called directly)
            pass
    return out


def run_cell_task(cell: Cell, ctx, inputs: dict, expect: dict | None,
                  run_one: Callable) -> tuple[Result, dict[str, bytes]]:
    """Run one cell on this worker with `run_one(cell, workload, device, ctx)` (the caller's:
    wasmcu.bench.execute_cell builds, runs and verifies it), never raising for the cell's own failure.

    `inputs`: the client's workload and device folders and the content hashes of the
    workload and device of this cell; `expect`: the versions every worker must have (None
    when mixed versions are allowed). Returns the Result and the files it refers to that go
    beside the client's store (a board's power trace: `extra.power_trace`), by relative path."""
    import dataclasses
    import shutil
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="wasmcu-cell-"))
    try:
        if getattr(ctx, "db_path", None):  # files meant to go beside the store are made here, then sent
            ctx = dataclasses.replace(ctx, db_path=scratch / "results.sqlite")
        result = _run_cell(cell, ctx, inputs, expect, run_one)
        files = {}
        ref = result.extra.get("power_trace")
        if isinstance(ref, str) and (scratch / ref).is_file():
            files[ref] = (scratch / ref).read_bytes()
        return result, files
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_cell(cell: Cell, ctx, inputs: dict, expect: dict | None, run_one: Callable) -> Result:
    me = _this_worker()
    facts = worker_facts()
    backend = "?"
    try:
        workloads, devices = _inputs(tuple(inputs["workload_dirs"]), tuple(inputs["device_dirs"]))
        wl, dev = workloads.get(cell.workload), devices.get(cell.device)
        if wl is None or dev is None:
            missing = f"workload '{cell.workload}'" if wl is None else f"device '{cell.device}'"
            raise WasmcuError(f"the worker {me.get('address', '')} on {me['hostname']} has no {missing}: install the "
                              "same wasmcu on every worker, and put --workload-dir/--device-dir folders at the same "
                              "path on the workers (e.g. a shared file system)")
        backend = dev.backend
        if workload_fingerprint(wl) != inputs["workload_hash"] or dev.profile_hash != inputs["device_hash"]:
            what = (f"workload '{cell.workload}' ({wl.directory})" if workload_fingerprint(wl) != inputs["workload_hash"]
                    else f"device profile '{cell.device}' ({dev.file})")
            raise WasmcuError(f"the worker {me.get('address', '')} on {me['hostname']} has another {what} than the "
                              "client: install the same wasmcu (and the same extra folders) on every worker")
        if expect is not None:
            mine = versions_that_matter(facts)
            differ = [f"{k}: {mine.get(k)!r} here, {v!r} on the others" for k, v in expect.items()
                      if k in mine and mine[k] != v]
            if differ:
                raise WasmcuError(f"the worker {me.get('address', '')} on {me['hostname']} has other versions than the "
                                  f"cluster's other workers ({'; '.join(differ)}): install the same tools there, or "
                                  "pass --mixed-versions")
        result = run_one(cell, wl, dev, ctx)
    except WasmcuError as exc:
        result = Result(cell=cell, backend=backend, status=ERROR, error=str(exc), error_kind=exc.kind)
    except Exception as exc:  # a bug or an unexpected failure on the worker: the cell's error, with its reason
        result = Result(cell=cell, backend=backend, status=ERROR, error=f"on worker {me}: {type(exc).__name__}: {exc}",
                        error_kind="internal")
    return result.replace(provenance=dict(result.provenance, worker=me))
