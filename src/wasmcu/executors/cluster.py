"""The Dask cluster executor, client side: `wasmcu bench --cluster ADDRESS` submits cells, records results.

The client (the `wasmcu bench` process) plans the cells as usual and submits each one to a
Dask distributed scheduler; every worker builds and runs its cells with its own wasmcu,
tools and build cache (artifacts are content-addressed, so a worker that lacks one builds
it) and returns the Result. The client alone writes the store, one cell at a time as the
results arrive, exactly as a local run does.

- **Boards**: a cell of a device whose backend is `board` (e.g. `pico-board`) asks for one
  unit of the Dask worker resource named like the device (`board_resource`): start the
  worker on the computer the board is attached to with `--resources pico-board=1`. A board
  cell whose resource no worker has is stored as an `error` saying so, without waiting; a
  cell whose only able worker leaves waits `WASMCU_CLUSTER_GRACE` seconds (default 60) for
  another one, then is stored as an `error` too.
- **Phases**: as locally, the emulated and board cells run first, in parallel; then the
  `host` cells, timed on the worker that runs them, with at most one host cell at a time
  per computer (workers on one computer would disturb each other's timings), and only on
  computers of one kind (`host_timing_computers`: the CPU model most workers have).
- **Workers dying**: Dask runs the cell of a worker that died on another worker; a cell
  whose workers died too often (Dask's `distributed.scheduler.allowed-failures`) is stored
  as an `error` with the reason. Cells already returned are stored; a lost scheduler stops
  the run, and `--resume` runs the cells still missing.
- **Same tools**: before submitting, the client asks each worker for its wasmcu version and
  the versions of its tools and runtimes, and refuses to run when two workers differ in one
  of them (`--mixed-versions` runs anyway, with a warning); a worker that joins later and
  differs stores its cells as errors. Every cell's provenance names the worker that ran it.
- **Same inputs**: each worker checks that its workload sources, oracles and device
  profiles are the client's (by content hash); `--workload-dir`/`--device-dir` folders must
  be reachable at the same path on the workers (e.g. a shared file system).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from pathlib import Path
from typing import Callable

from ..errors import WasmcuError
from ..model import ERROR, Cell, Result
from .cluster_worker import run_cell_task, versions_that_matter, worker_facts, workload_fingerprint
from .security import check_tls, security, tls_files, warn_if_open

log = logging.getLogger("wasmcu")

GRACE_ENV = "WASMCU_CLUSTER_GRACE"
CONNECT_TIMEOUT_S = 10.0
POLL_S = 0.1
WATCH_S = 1.0


def board_resource(device) -> str:
    """The Dask worker resource a cell of this device needs: the device's name, for boards."""
    return device.name


def grace_seconds() -> float:
    from ..env import env_float

    return env_float(GRACE_ENV, 60.0, minimum=0.0, unit="seconds")


def dashboards(info: dict, address: str) -> list[str]:
    """Warnings for every Dask dashboard the cluster serves (plain HTTP, no login: it shows the
    cluster's tasks, logs and addresses to anyone who reaches its port), from `scheduler_info()`."""
    out = []
    port = (info.get("services") or {}).get("dashboard")
    if port:
        out.append(f"the scheduler at {address} serves Dask's dashboard on port {port} (plain HTTP, no login): start "
                   f"it with --no-dashboard, or with --dashboard-address 127.0.0.1:{port} to see it from its own "
                   f"computer only (see the cluster page of wasmcu's docs)")
    shown = [w.get("name") or a for a, w in (info.get("workers") or {}).items() if (w.get("services") or {}).get("dashboard")]
    if shown:
        out.append(f"workers {', '.join(map(str, shown))} serve Dask's dashboard (plain HTTP, no login): start them "
                   f"with --no-dashboard")
    return out


# -- the client ------------------------------------------------------------------------

def compare_workers(facts: dict[str, dict]) -> tuple[list[str], list[str]]:
    """(differences that change results, other differences worth a warning) between workers."""
    differ, warn = [], []
    if len(facts) < 2:
        return differ, warn
    where = {addr: f"{addr} ({f.get('hostname')})" for addr, f in facts.items()}
    versions = {addr: versions_that_matter(f) for addr, f in facts.items()}
    for key in sorted({k for v in versions.values() for k in v}):
        values = {addr: v.get(key) for addr, v in versions.items()}
        present = {addr: v for addr, v in values.items() if v is not None}
        if len(set(present.values())) > 1:
            differ.append(f"{key}: " + ", ".join(f"{v!r} on {where[a]}" for a, v in sorted(present.items())))
        missing = [where[a] for a, v in values.items() if v is None]
        if missing and present:
            warn.append(f"{key} is missing on {', '.join(sorted(missing))}: cells that need it fail there")
    for key in ("python", "git_revision"):
        values = {addr: f.get(key) for addr, f in facts.items()}
        if len(set(values.values())) > 1:
            warn.append(f"{key}: " + ", ".join(f"{v!r} on {where[a]}" for a, v in sorted(values.items())))
    return differ, warn


def check_address(address: str, timeout: float = CONNECT_TIMEOUT_S) -> tuple[str, int]:
    """A clear error, at once, for an address that is malformed or where nothing listens; else
    its (host, port)."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    host, colon, port = rest.rpartition(":")
    host = host.strip("[]")
    if scheme not in ("tcp", "tls") or not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise WasmcuError(f"--cluster '{address}' is not a Dask scheduler address: expected tcp://HOST:PORT or "
                          "tls://HOST:PORT, as `dask scheduler` prints it (e.g. tcp://192.168.1.10:8786)")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        why = "connection refused: nothing listens there" if isinstance(exc, ConnectionRefusedError) else \
            (exc.strerror or str(exc) or type(exc).__name__)
        raise WasmcuError(f"cannot reach a Dask scheduler at '{address}' ({why}): start one with `dask scheduler` "
                          "on that computer, or check the address (tcp://HOST:PORT, as `dask scheduler` prints it) "
                          "and that its port is open; nothing was run") from None
    return host, int(port)


def host_timing_computers(facts: dict[str, dict]) -> tuple[list[str], list[str]]:
    """(computers that time the host cells, computers left out), by hostname: host figures of
    one run are comparable only from computers of one kind, so those of the CPU model and core
    count that most computers have (a tie: the kind whose first computer sorts first)."""
    kinds: dict[tuple, set[str]] = {}
    for f in facts.values():
        kinds.setdefault((str(f.get("cpu")), f.get("cores")), set()).add(f.get("hostname"))
    if not kinds:
        return [], []
    best = min(kinds.values(), key=lambda hosts: (-len(hosts), sorted(hosts)))
    others = sorted({h for hosts in kinds.values() for h in hosts} - best)
    return sorted(best), others


class ClusterRun:
    """A connection to a Dask scheduler that runs cells and hands their results back."""

    def __init__(self, address: str, *, mixed_versions: bool = False, connect_timeout: float = CONNECT_TIMEOUT_S,
                 tls_ca: str | None = None, tls_cert: str | None = None, tls_key: str | None = None):
        """Connect to the scheduler at `address`: tcp://HOST:PORT (open: a warning says what that
        allows), or tls://HOST:PORT with the cluster's CA and this client's certificate and key
        (the tls_* files, else Dask's configuration; see wasmcu.executors.security)."""
        self.address = address
        tls = tls_files(address, tls_ca, tls_cert, tls_key)
        self.tls = tls is not None
        self.mixed_versions = mixed_versions
        self.grace = grace_seconds()
        self._left = 0
        try:
            from distributed import Client
        except ImportError as exc:  # pragma: no cover - a dependency of wasmcu
            raise WasmcuError(f"--cluster needs the Python package 'distributed' ({exc}): pip install distributed")
        if not log.isEnabledFor(logging.DEBUG):  # (after the import: importing distributed sets its levels)
            # the client's reconnection attempts log tracebacks; wasmcu says what happened itself
            for name in ["distributed", *logging.root.manager.loggerDict]:
                if name.split(".")[0] == "distributed":
                    logging.getLogger(name).setLevel(logging.CRITICAL)
        warn_if_open(address)
        host, port = check_address(address, connect_timeout)
        if tls is not None:
            check_tls(address, host, port, tls, connect_timeout)
        try:
            self.client = Client(address, timeout=connect_timeout, set_as_default=False, security=security(tls))
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            hint = "" if tls else (" (a scheduler started with TLS certificates is reached at tls://HOST:PORT with "
                                   "--tls-ca/--tls-cert/--tls-key)")
            raise WasmcuError(
                f"cannot reach a Dask scheduler at '{address}' within {connect_timeout:.0f} s ({type(exc).__name__}: "
                f"{exc}): check the address (tcp://HOST:PORT, as `dask scheduler` prints it) and that the scheduler "
                f"runs and its port is open{hint}; nothing was run") from None
        try:
            for line in dashboards(self.client.scheduler_info(n_workers=-1), address):
                log.warning("cluster: %s", line)
            self._check_workers()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        try:
            self.client.close(timeout=5)
        except Exception:  # closing a connection that is already gone
            pass

    # workers ----------------------------------------------------------------------
    def _workers(self) -> dict[str, dict]:
        return dict(self.client.scheduler_info(n_workers=-1).get("workers", {}))

    def _check_workers(self) -> None:
        try:
            self.client.wait_for_workers(1, timeout=min(self.grace, CONNECT_TIMEOUT_S))
        except (TimeoutError, OSError):
            raise WasmcuError(f"the Dask scheduler at {self.address} has no workers: start at least one with "
                              f"`dask worker {self.address} --nworkers 1 --nthreads 1` (and `--resources "
                              "DEVICE=1` on the computer a board is attached to); nothing was run") from None
        facts = self.client.run(worker_facts, on_error="return")
        broken = {a: f for a, f in facts.items() if isinstance(f, BaseException)}
        if broken:
            which = "; ".join(f"{a}: {type(e).__name__}: {e}" for a, e in sorted(broken.items()))
            raise WasmcuError(f"some workers of {self.address} cannot run wasmcu ({which}): install wasmcu on their "
                              "computers (scripts/setup.sh) and start `dask worker` from that environment "
                              "(.venv/bin/dask); nothing was run")
        self.facts: dict[str, dict] = facts
        differ, warn = compare_workers(self.facts)
        for line in warn:
            log.warning("cluster: workers differ: %s", line)
        if differ:
            text = "; ".join(differ)
            if not self.mixed_versions:
                raise WasmcuError(f"the workers of {self.address} differ in versions that change results ({text}): "
                                  "install the same wasmcu and tools on every worker (scripts/setup.sh), or pass "
                                  "--mixed-versions to run anyway (each cell records its worker); nothing was run")
            log.warning("cluster: running with workers that differ (%s); each cell records its worker", text)
        machines = {f["hostname"] for f in self.facts.values()}
        log.info("cluster %s: %d workers on %d computers", self.address, len(self.facts), len(machines))

    def provenance(self) -> dict:
        """What goes into the run's provenance: the scheduler, every worker and its versions;
        `tools` is the workers' (the client builds and runs nothing)."""
        out: dict = {"cluster": {"scheduler": self.address, "tls": self.tls, "workers": self.facts}}
        tools: dict = {}
        for f in self.facts.values():
            for k, v in (f.get("tools") or {}).items():
                tools.setdefault(k, v)
        out["tools"] = tools
        return out

    def _expected_versions(self) -> dict | None:
        if self.mixed_versions or not self.facts:
            return None
        out: dict = {}
        for f in self.facts.values():
            for k, v in versions_that_matter(f).items():
                if v is not None:
                    out.setdefault(k, v)
        return out

    # cells ------------------------------------------------------------------------
    def run(self, cells: list[Cell], workloads, devices, ctx, spec, record: Callable[[Result], None],
            run_one: Callable) -> None:
        """Run `cells` on the cluster, each by `run_one(cell, workload, device, ctx)` on a worker (a
        module-level function: Dask sends it by name); `record` each Result as it arrives (in this thread)."""
        inputs_common = {"workload_dirs": [str(Path(d).resolve()) for d in spec.workload_dirs],
                         "device_dirs": [str(Path(d).resolve()) for d in spec.device_dirs]}
        hashes_w = {name: workload_fingerprint(workloads[name]) for name in {c.workload for c in cells}}
        hashes_d = {name: devices[name].profile_hash for name in {c.device for c in cells}}
        expect = self._expected_versions()
        self._run_id = uuid.uuid4().hex[:8]
        self.db_path = getattr(ctx, "db_path", None)

        def submit(cell: Cell, **kw):
            inputs = dict(inputs_common, workload_hash=hashes_w[cell.workload], device_hash=hashes_d[cell.device])
            return self.client.submit(run_cell_task, cell, ctx, inputs, expect, run_one, key=f"{cell.key}-{self._run_id}",
                                      pure=False, **kw)

        self._left = len(cells)

        def counted(result: Result) -> None:
            record(result)
            self._left -= 1

        first = [c for c in cells if devices[c.device].backend != "host"]
        host = [c for c in cells if devices[c.device].backend == "host"]
        self._run_spread(first, devices, submit, counted)
        self._run_host(host, submit, counted)

    def _run_spread(self, cells, devices, submit, record) -> None:
        """Emulated and board cells: all submitted at once; board cells where their resource is."""
        if not cells:
            return
        have = self._resources()
        pending = {}
        for cell in cells:
            dev = devices[cell.device]
            if dev.backend == "board":
                res = board_resource(dev)
                if res not in have:
                    record(self._error(cell, dev.backend, self._no_resource(res, dev)))
                    continue
                pending[submit(cell, resources={res: 1})] = (cell, dev.backend, res)
            else:
                pending[submit(cell)] = (cell, dev.backend, None)
        self._collect(pending, record, devices=devices)

    def _run_host(self, cells, submit, record) -> None:
        """Host cells: one at a time per computer, each pinned to one worker of it (another
        worker takes it when that one dies)."""
        queue = list(cells)
        if not queue:
            return
        chosen, others = host_timing_computers(self.facts)
        kind = next((f"{f.get('cpu')}, {f.get('cores')} cores" for f in self.facts.values()
                     if f.get("hostname") in chosen), "?")
        log.info("cluster: host cells are timed on %s (%s), one at a time on each", ", ".join(chosen), kind)
        if others:
            log.warning("cluster: no host cells on %s: another CPU than %s", ", ".join(others), kind)
        busy: dict[str, object] = {}   # hostname -> future
        pending: dict = {}
        warned = False
        while queue or pending:
            if self.client.status != "running":
                self._lost()
            workers = self._workers()
            by_host: dict[str, list[str]] = {}
            for addr, w in workers.items():
                host = (self.facts.get(addr) or {}).get("hostname")
                if host in chosen:
                    by_host.setdefault(host, []).append(addr)
            if workers and not by_host:  # every worker of that kind left: time on what is there, saying so
                if not warned:
                    log.warning("cluster: the workers on %s left; the remaining host cells are timed elsewhere "
                                "(each cell's provenance names its worker)", ", ".join(chosen))
                    warned = True
                for addr, w in workers.items():
                    host = (self.facts.get(addr) or {}).get("hostname") or w.get("host") or addr
                    by_host.setdefault(host, []).append(addr)
            if not workers and not pending:
                try:
                    self.client.wait_for_workers(1, timeout=self.grace)
                except (TimeoutError, OSError):
                    for cell in queue:
                        record(self._error(cell, "host", self._no_workers()))
                    return
                continue
            for host, addrs in sorted(by_host.items()):
                if not queue:
                    break
                if host in busy:
                    continue
                cell = queue.pop(0)
                kw = {"workers": [sorted(addrs)[0]], "allow_other_workers": True} if addrs else {}
                fut = submit(cell, **kw)
                busy[host] = fut.key
                pending[fut] = (cell, "host", None)
            done = self._collect(pending, record, once=True)
            for host, key in list(busy.items()):
                if key in done:
                    del busy[host]

    def _resources(self) -> set[str]:
        return {r for w in self._workers().values() for r, n in (w.get("resources") or {}).items() if n}

    def _no_resource(self, res: str, dev, left: bool = False) -> str:
        head = (f"the worker with the Dask resource '{res}' left the cluster at {self.address} and none came back "
                f"within {self.grace:.0f} s" if left else
                f"no worker of the cluster at {self.address} has the Dask resource '{res}'")
        return (f"{head}: start a worker on the computer the {dev.name} board is attached to with "
                f"`dask worker {self.address} --nworkers 1 --nthreads 1 --resources {res}=1`")

    def _no_workers(self) -> str:
        return (f"the cluster at {self.address} had no workers for {self.grace:.0f} s: start workers with "
                f"`dask worker {self.address} --nworkers 1 --nthreads 1`")

    @staticmethod
    def _error(cell: Cell, backend: str, message: str) -> Result:
        return Result(cell=cell, backend=backend, status=ERROR, error=message, error_kind="error")

    def _lost(self):
        left = self._left
        raise WasmcuError(f"lost the connection to the Dask scheduler at {self.address} with {left} cells not run; "
                          "every finished cell is stored: run the same command with --resume when the scheduler is "
                          "back")

    def _collect(self, pending: dict, record, *, devices=None, once: bool = False) -> set:
        """Record finished futures of `pending` (and drop them from it) until none is left
        (or, with `once`, until at least one finished); returns the keys recorded. Cells that
        cannot run anywhere any more become errors after the grace time. A recorded future is
        released at once: its worker keeps no result the store already has, and a worker
        that dies later leaves nothing to recompute."""
        done_all: set = set()
        stuck_since: dict[str, float] = {}
        fetch_failures: dict[str, int] = {}
        last_watch = 0.0
        while pending:
            done = [f for f in pending if f.done()]
            recorded = 0
            for fut in done:
                cell, backend, _ = pending[fut]
                result = self._outcome(fut, cell, backend)
                if result is None:  # the result was on a worker that died: Dask computes it again
                    fetch_failures[fut.key] = fetch_failures.get(fut.key, 0) + 1
                    if fetch_failures[fut.key] < 3:
                        continue
                    result = self._error(cell, backend, "its result was lost three times on the cluster (the "
                                                        "workers holding it died before it was fetched)")
                del pending[fut]
                done_all.add(fut.key)
                fut.release()
                record(result)
                recorded += 1
            if once and done_all:
                return done_all
            if recorded:
                continue
            now = time.monotonic()
            if now - last_watch >= WATCH_S:
                last_watch = now
                self._watch(pending, record, stuck_since, devices, done_all)
                if once and done_all:
                    return done_all
            self._wait_any(pending)
        return done_all

    def _wait_any(self, pending: dict) -> None:
        """Until one of `pending` finishes, or WATCH_S has passed."""
        from distributed import wait

        try:
            wait(list(pending), timeout=WATCH_S, return_when="FIRST_COMPLETED")
        except Exception:  # a timeout (nothing finished yet) or a scheduler gone: the caller looks again
            time.sleep(POLL_S)

    def _watch(self, pending: dict, record, stuck_since: dict, devices, done_all: set) -> None:
        if self.client.status != "running":
            self._lost()
        try:
            workers = self._workers()
        except Exception:  # the scheduler went away between two looks
            if self.client.status != "running":
                self._lost()
            return
        have = {r for w in workers.values() for r, n in (w.get("resources") or {}).items() if n}
        now = time.monotonic()
        needs = {res for (_, _, res) in pending.values()}
        for res in needs:
            able = bool(workers) and (res is None or res in have)
            tag = res or ""
            if able:
                stuck_since.pop(tag, None)
                continue
            since = stuck_since.setdefault(tag, now)
            if now - since < self.grace:
                continue
            for fut, (cell, backend, r) in list(pending.items()):
                if r != res:
                    continue
                fut.cancel()
                del pending[fut]
                done_all.add(fut.key)
                if res is not None and devices is not None:
                    message = self._no_resource(res, devices[cell.device], left=True)
                else:
                    message = self._no_workers()
                record(self._error(cell, backend, message))

    def _keep_files(self, result: Result, files: dict[str, bytes]) -> Result:
        """Write the files a worker sent with a result beside the store, where its `extra`
        points (only relative paths inside the store's folder)."""
        if not files:
            return result
        if self.db_path is None:
            return result.replace(extra={k: v for k, v in result.extra.items() if k != "power_trace"})
        root = Path(self.db_path).resolve().parent
        for ref, data in files.items():
            path = (root / ref).resolve()
            if root not in path.parents:
                log.warning("cluster: ignored a file from a worker outside the store's folder: %s", ref)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return result

    def _outcome(self, fut, cell: Cell, backend: str) -> Result | None:
        """The Result of a finished future; None when it could not be fetched (yet)."""
        from distributed.scheduler import KilledWorker

        if fut.status == "finished":
            try:
                result, files = fut.result(timeout=30)
            except Exception:  # its worker died before the result was fetched
                if self.client.status != "running":
                    self._lost()
                return None
            return self._keep_files(result, files)
        if fut.status == "cancelled":
            if self.client.status != "running":
                self._lost()
            return self._error(cell, backend, f"the scheduler at {self.address} cancelled it (a worker or the "
                                              "scheduler was shut down meanwhile)")
        exc = fut.exception()
        if isinstance(exc, KilledWorker):
            return self._error(cell, backend, f"every worker that ran it died (killed or crashed) before it finished, "
                                              f"as often as the scheduler allows ({exc}); the other cells went on")
        return self._error(cell, backend, f"it failed on the cluster: {type(exc).__name__}: {exc}")
