"""The Python API: what the CLI does, as calls a notebook or a script can make.

Plan and run a bench, load stored results as a pandas DataFrame, write the report::

    from wasmcu import api

    cells = api.plan(devices="host", runtimes="native,wasm3", workloads="crc16:100")
    run = api.bench(devices="host", runtimes="native,wasm3", workloads="crc16:100", db="demo.sqlite")
    df = api.load("demo.sqlite")                 # the latest run: one row per cell
    api.report("demo-report", db="demo.sqlite")  # the files `wasmcu report` writes
    api.listing("runtimes")                      # what `wasmcu list runtimes` shows

The other commands have their calls too (wasmcu.api_commands): ``calibrate``,
``board_check``, ``wamr_build``, ``wasm3_build``.

Names are given as the CLI takes them, as one comma-separated string (``"native,wasm3"``) or
as a list (``["native", "wasm3"]``). Errors are :class:`wasmcu.errors.WasmcuError` with a
message saying what was wrong and what to do. pandas is needed for DataFrames only (the
``notebook`` extra: ``pip install 'wasmcu[notebook]'``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .api_commands import CalibrateRun, board_check, calibrate, listing, wamr_build, wasm3_build
from .api_commands import _names as _name_list
from .bench import run_bench
from .errors import WasmcuError
from .model import PASSING, Cell, Result
from .plan import Spec, check_spec, load_spec_file
from .plan import plan as plan_cells
from .report import write_report
from .store import Store

if TYPE_CHECKING:
    import pandas

__all__ = ["BenchRun", "CalibrateRun", "bench", "board_check", "calibrate", "default_db", "listing", "load", "plan",
           "recost", "report", "results", "runs", "to_frame", "validate", "wamr_build", "wasm3_build"]

Names = str | Iterable[str] | None

# the Cell's fields, first in every frame: they identify the row
CELL_COLUMNS = tuple(f.name for f in dataclasses.fields(Cell))


def _names(value: Names, what: str) -> str | None:
    """A comma-separated list, from a string or an iterable of strings."""
    if isinstance(value, str):
        return value
    items = _name_list(value, what)
    return None if items is None else ",".join(items)


def _spec(suite, devices, runtimes, workloads, langs, build, repeat, warmup, timeout, workload_dirs, device_dirs,
          config, firmware_cc=None, link=None, embench=None, host_baseline=None, ram=None) -> Spec:
    values = load_spec_file(Path(config)) if config else {}
    spec = Spec(**{k: v for k, v in values.items() if k not in ("devices", "runtimes", "workloads", "langs")},
                devices=values.get("devices"), runtimes=values.get("runtimes"),
                workloads=values.get("workloads"), langs=values.get("langs"))
    given = {"suite": suite, "devices": _names(devices, "devices"), "runtimes": _names(runtimes, "runtimes"),
             "workloads": _names(workloads, "workloads"), "langs": _names(langs, "langs"),
             "build": _names(build, "build"), "firmware_cc": _names(firmware_cc, "firmware_cc"),
             "repeat": repeat, "warmup": warmup, "timeout": timeout, "link": link,
             "embench": str(embench) if embench is not None else None, "host_baseline": host_baseline,
             "ram": ram}
    for field, value in given.items():
        if value is not None:
            setattr(spec, field, value)
    check_spec(spec)
    spec.workload_dirs += [Path(d) for d in workload_dirs]
    spec.device_dirs += [Path(d) for d in device_dirs]
    return spec


def plan(suite: str | None = "paper", devices: Names = None, runtimes: Names = None, workloads: Names = None,
         langs: Names = None, build: Names = None, *, firmware_cc: Names = None,
         workload_dirs: Iterable[str | Path] = (), device_dirs: Iterable[str | Path] = (),
         config: str | Path | None = None) -> list[Cell]:
    """The cells a bench with these options would run, without running anything.

    Args:
        suite: a named set of cells (``paper``, ``embedded``, or one of the config file's).
        devices: devices, e.g. ``"host,pico"`` (default: the suite's).
        runtimes: runtimes, e.g. ``["native", "wasm3"]`` (default: each backend's default set).
        workloads: ``workload`` or ``workload:n`` names, e.g. ``"crc16:100"`` (default: the suite's).
        langs: languages, e.g. ``"c"`` (default: the suite's).
        build: build modes on the boards, ``o2`` and/or ``sdk`` (default ``o2``).
        firmware_cc: the compilers firmware is built with, ``gcc`` and/or ``clang`` (default:
            each runtime's own).
        workload_dirs: extra workload directories.
        device_dirs: extra device profile directories.
        config: an experiment file (TOML, the keys of ``wasmcu bench --config``); the
            arguments given here override it.

    Returns:
        The cells, in the order a bench runs them (`wasmcu.model.Cell`: workload, n, lang,
        runtime, device, build).

    Raises:
        WasmcuError: an unknown name, suite, device or workload, with the known ones.
    """
    spec = _spec(suite, devices, runtimes, workloads, langs, build, None, None, None, workload_dirs, device_dirs,
                 config, firmware_cc)
    return plan_cells(spec)[0]


@dataclass(frozen=True)
class BenchRun:
    """What :func:`bench` gives back: the run's id, its store and the results of this call."""

    run_id: int
    """The run's id in the store (``wasmcu report --run ID``)."""
    db: Path
    """The store the results were written to."""
    results: list[Result]
    """One `wasmcu.model.Result` per cell run by this call, in plan order."""

    @property
    def ok(self) -> bool:
        """True when every cell is ``ok`` or ``unsupported`` (what makes ``wasmcu bench`` exit 0)."""
        return all(r.status in PASSING for r in self.results)

    @property
    def failed(self) -> list[Result]:
        """The cells that are ``mismatch``, ``error`` or ``does-not-fit``."""
        return [r for r in self.results if r.status not in PASSING]

    def frame(self) -> "pandas.DataFrame":
        """This call's results as a DataFrame (see :func:`to_frame`)."""
        return to_frame(self.results, run_id=self.run_id)


def bench(suite: str | None = "paper", devices: Names = None, runtimes: Names = None, workloads: Names = None,
          langs: Names = None, build: Names = None, *, firmware_cc: Names = None, repeat: int | None = None,
          warmup: int | None = None, timeout: float | None = None, db: str | Path | None = None,
          jobs: int | None = None, resume: int | str | None = None, cluster: str | None = None,
          mixed_versions: bool = False, tls_ca: str | Path | None = None, tls_cert: str | Path | None = None,
          tls_key: str | Path | None = None, place: Names = None, coordinator: str | None = None,
          workload_dirs: Iterable[str | Path] = (), device_dirs: Iterable[str | Path] = (),
          config: str | Path | None = None, link: str | None = None, embench: str | Path | None = None,
          host_baseline: str | None = None, ram: str | None = None, fresh: bool = False,
          on_result: Callable[[Result, int, int], None] | None = None,
          argv: list[str] | None = None) -> BenchRun:
    """Build, run, verify and store cells, as ``wasmcu bench`` does.

    Each cell is stored as soon as it is measured; a cell that fails is stored with its error
    and the others still run. The arguments that choose cells are those of :func:`plan`.

    Args:
        repeat: host samples per cell (default 20).
        warmup: host warm-up calls per cell (default 3).
        timeout: seconds before a cell is stopped (default 300).
        db: the SQLite store (default ``results/wasmcu.sqlite`` or ``$WASMCU_DB``); created
            when missing.
        jobs: emulated cells run in parallel (default: the number of cores).
        resume: a stored run to finish (its id, or ``"latest"``): only its missing cells run,
            into that run.
        cluster: a Dask scheduler's address (``tcp://HOST:PORT``) to run the cells on.
        mixed_versions: with ``cluster``, run even when workers differ in tool versions.
        tls_ca: with a ``tls://`` cluster: the certificate authority's certificate (PEM).
        tls_cert: with a ``tls://`` cluster: this client's certificate (PEM).
        tls_key: with a ``tls://`` cluster: this client's private key (PEM).
        place: labgrid places (one name or several): the board devices run on the first that
            is free, acquired for the run and released after.
        coordinator: the labgrid coordinator (``HOST:PORT``; default ``$LG_COORDINATOR``).
        link: the link board cells' updates are delivered over, for the update-time model (a
            name of the device profile's [update.links], e.g. ``"ble"``; default: each device's own).
        embench: an Embench-IoT checkout, for ``suite="embench"`` (its benchmarks as workloads).
        host_baseline: the host's native build: ``o2`` (default), ``o3`` or ``o3-native``.
        fresh: emulate every emulated cell again; by default a cell whose firmware image, QEMU
            machine and version, plugin, memory-system model and inputs are unchanged reuses the
            event counts of that earlier emulation (kept beside the store), re-costed with the
            current cost table, and says so in ``extra["reused_from"]``.
        ram: the board runtimes' memory: ``module`` (default: a part that runs out is sized from
            what the module needs, within the device's RAM), ``profile`` (the fixed sizes only) or
            ``small`` (as ``module``, and the module's linear memory only what its data needs).
        on_result: called with (result, cells done, cells in all) as each cell is stored.
        argv: the command line stored with the run (default ``["wasmcu.api.bench"]``).

    Returns:
        A `BenchRun`: the run's id, the store, and the results of the cells this call ran.

    Raises:
        WasmcuError: bad options, an unknown name, or a store that cannot be read; a cell's
            own failure is not raised but stored as that cell's status and error.
    """
    import contextlib

    spec = _spec(suite, devices, runtimes, workloads, langs, build, repeat, warmup, timeout, workload_dirs,
                 device_dirs, config, firmware_cc, link, embench, host_baseline, ram)
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise WasmcuError(f"jobs (--jobs) must be a whole number of cells at once, 1 or more, got {jobs!r}")
    if resume is not None and resume != "latest" and (isinstance(resume, bool) or not isinstance(resume, int)):
        if not (isinstance(resume, str) and resume.isascii() and resume.isdigit()):
            raise WasmcuError(f"resume (--resume) must be a run id or 'latest', got {resume!r}")
        resume = int(resume)
    if cluster and jobs:
        logging.getLogger("wasmcu").warning("jobs (--jobs) is ignored with a cluster: each Dask worker runs as many "
                                            "cells at once as its --nthreads")
    if mixed_versions and not cluster:
        raise WasmcuError("mixed_versions (--mixed-versions) applies to the workers of a cluster: give cluster "
                          "(--cluster ADDRESS) too")
    tls = {"tls_ca": tls_ca, "tls_cert": tls_cert, "tls_key": tls_key}
    if any(tls.values()) and not cluster:
        raise WasmcuError("tls_ca, tls_cert and tls_key (--tls-ca/--tls-cert/--tls-key) are for a Dask cluster: give "
                          "cluster (--cluster tls://HOST:PORT) too")
    places = [n.strip() for n in _names(place, "place").split(",") if n.strip()] if place else []
    if coordinator and not places:
        raise WasmcuError("coordinator (--coordinator) applies to a board farm: give place (--place NAME) too")
    if places and cluster:
        raise WasmcuError("place (--place) and cluster (--cluster) do not go together: on a cluster, boards are "
                          "worker resources")
    planned = plan_cells(spec)  # bad names and sizes are refused before a store is made
    if places:
        from .farm import place as acquire

        farm = acquire(places, coordinator)
    else:
        farm = contextlib.nullcontext()
    with Store(db) as store, farm as held:
        if resume == "latest":
            resume = store.latest_run_id()
            if resume is None:
                raise WasmcuError(f"nothing to resume: {store.path} has no runs")
        run_id, done = run_bench(spec, store, resume=resume, jobs=jobs, argv=argv or ["wasmcu.api.bench"],
                                 on_result=on_result, cluster=cluster, mixed_versions=mixed_versions, place=held,
                                 tls={k: str(v) if v else None for k, v in tls.items()}, planned=planned,
                                 fresh=fresh)
        return BenchRun(run_id=run_id, db=store.path, results=done)


def default_db() -> Path:
    """The store used when none is named: ``$WASMCU_DB``, else ``results/wasmcu.sqlite``."""
    from .store import default_path

    return default_path()


def results(db: str | Path | None = None, run: int | None = None) -> list[Result]:
    """The stored results of one run (default: the latest), the newest result per cell.

    Raises:
        WasmcuError: the store cannot be read, or has no such run.
    """
    with Store(db, readonly=True) as store:
        return _results(store, run)


def _results(store: Store, run: int | None) -> list[Result]:
    if run is not None and store.run(run) is None:
        known = ", ".join(str(r["id"]) for r in store.runs()) or "none"
        raise WasmcuError(f"there is no run {run} in {store.path} (its runs: {known})")
    return store.results(run)


def _flat(value: Any, prefix: str, out: dict) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flat(item, f"{prefix}.{key}", out)
    else:
        out[prefix] = value


def to_frame(results: Iterable[Result], run_id: int | None = None) -> "pandas.DataFrame":
    """Results as a pandas DataFrame: one row per cell, every Result field a column.

    The columns are the cell's (``workload, n, lang, runtime, device, build``), then every
    field of `wasmcu.model.Result` in its order (``backend, status, error, checksum, ...,
    samples_us, load_samples_us, extra``), except ``provenance``, which is flattened into one
    column per entry: ``provenance.build.flags``, ``provenance.runtime_versions.wasm3``, ...
    A field that does not apply is missing (``None``, ``NaN`` or ``<NA>``); integer fields
    keep exact integers (pandas' nullable ``Int64``). ``run_id`` comes first when given.
    """
    pd = _pandas()
    fields = [f for f in dataclasses.fields(Result) if f.name not in ("cell", "provenance")]
    rows = []
    for r in results:
        row: dict[str, Any] = {} if run_id is None else {"run_id": run_id}
        row.update({c: getattr(r.cell, c) for c in CELL_COLUMNS})
        row.update({f.name: getattr(r, f.name) for f in fields})
        flat: dict[str, Any] = {}
        for key, value in r.provenance.items():
            _flat(value, f"provenance.{key}", flat)
        row.update(flat)
        rows.append(row)
    columns = ([] if run_id is None else ["run_id"]) + list(CELL_COLUMNS) + [f.name for f in fields]
    frame = pd.DataFrame(rows, columns=list(dict.fromkeys(columns + [k for row in rows for k in row])))
    for f in fields:
        kind = str(f.type).split("|")[0].strip()
        if kind == "int":
            frame[f.name] = frame[f.name].astype("Int64")
        elif kind == "float":
            frame[f.name] = frame[f.name].astype("float64")
    return frame


def load(db: str | Path | None = None, run: int | None = None) -> "pandas.DataFrame":
    """The stored results of one run (default: the latest) as a DataFrame (see :func:`to_frame`).

    Args:
        db: the store (default ``results/wasmcu.sqlite`` or ``$WASMCU_DB``).
        run: the run's id (default: the latest run that has results).

    Returns:
        One row per cell, with a ``run_id`` column; empty (with every column) when the store
        has no results yet.

    Raises:
        WasmcuError: the store cannot be read, or has no such run.
    """
    with Store(db, readonly=True) as store:
        found = _results(store, run)
        run_id = run if run is not None else store.latest_run_id()
    return to_frame(found, run_id=run_id)


def runs(db: str | Path | None = None) -> "pandas.DataFrame":
    """The runs in a store, one row each: ``id``, ``started`` and ``finished`` (UTC
    timestamps), ``state`` (``running``, ``complete``, ``interrupted``, or ``abandoned`` for a run
    left running by a process that is gone), ``cells`` stored,
    and the command line (``argv``)."""
    import json

    pd = _pandas()
    with Store(db, readonly=True) as store:
        rows = []
        for r in store.runs():
            rows.append({"id": r["id"], "started": r["started"], "finished": r["finished"], "state": r["state"],
                         "cells": len(store.results(r["id"])), "argv": " ".join(json.loads(r["argv"] or "[]"))})
    frame = pd.DataFrame(rows, columns=["id", "started", "finished", "state", "cells", "argv"])
    for column in ("started", "finished"):
        frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
    return frame


def report(out: str | Path = "report", db: str | Path | None = None, run: int | None = None, *,
           workload: str | None = None, lang: str | None = None, fitted: Names = None,
           device_dirs: Iterable[str | Path] = ()) -> list[Path]:
    """Write the report of one run (default: the latest) into ``out``, as ``wasmcu report`` does.

    Args:
        out: the output directory (created when missing).
        db: the store.
        run: the run's id (default: the latest).
        workload: ``workload`` or ``workload:n`` shown in the figures (default ``bubblesort:100``,
            or the first ok cell's).
        lang: the language shown in the figures (default ``c``).
        fitted: profiles written by ``wasmcu calibrate`` whose estimates are shown beside the
            cost table's (default: every profile found with a ``[calibration]``).
        device_dirs: extra device profile directories (where fitted profiles are looked for).

    Returns:
        The files written: ``report.html``, ``report.md``, ``results.csv`` and the figures.
    """
    from . import devices as devices_mod
    from .errors import ConfigError
    from .report.fitted import fitted_profiles

    name, n = None, None
    if workload:
        name, _, size = workload.partition(":")
        if size:
            from .workloads import MAX_N

            n = int(size) if size.isascii() and size.isdigit() and len(size) <= 12 else 0
            if not 0 < n <= MAX_N:
                raise WasmcuError(f"invalid size in workload {workload!r} (expected a whole number from 1 to "
                                  f"{MAX_N:,}, e.g. 'bubblesort:100')")
    names = [f.strip() for f in _names(fitted, "fitted").split(",") if f.strip()] if fitted else None
    dirs = [Path(d) for d in device_dirs]
    try:
        profiles = fitted_profiles(devices_mod.discover(dirs), names)
    except ConfigError as exc:
        if names is not None or dirs:
            raise
        logging.getLogger("wasmcu").warning("no fitted estimates in the report: %s", exc)
        profiles = {}
    with Store(db, readonly=True) as store:
        _results(store, run)
        return write_report(store, Path(out), run_id=run, workload=name, n=n, lang=lang, fitted=profiles)


def recost(model: str | Path, db: str | Path | None = None, run: int | None = None, device: str | None = None):
    """Re-estimate stored emulated cells with the cost table of the device file `model`, as
    ``wasmcu recost`` does (nothing runs again): a list of wasmcu.measure.cycles.Recosted.
    A store with no matching cell that has event counts is a WasmcuError."""
    from .measure.cycles import CostModel
    from .measure.cycles import recost as recost_results

    table = CostModel.from_file(Path(model))
    with Store(db, readonly=True) as store:
        rows = recost_results(store.results(run), table, device)
    if not rows:
        raise WasmcuError("no stored emulated cell with event counts matches (run `wasmcu bench` on an emulated "
                          "device first; results stored before event counts existed cannot be re-costed)")
    return rows


def validate(device: str = "pico", runtimes: Names = None, workloads: Names = None, langs: Names = None, *,
             fitted: str | None = None, device_dirs: Iterable[str | Path] = ()):
    """Cross-check an emulated RP2040's cycle estimates against rp2040js, as ``wasmcu validate``
    does: (a list of wasmcu.validate.Check, the `fitted` profile's cost table or None)."""
    from .validate import validate_device

    return validate_device(device, _names(runtimes, "runtimes"), _names(workloads, "workloads"),
                           _names(langs, "langs"), fitted, [Path(d) for d in device_dirs])


def _pandas():
    try:
        import pandas
    except ModuleNotFoundError:
        raise WasmcuError("DataFrames need pandas: install it with `pip install 'wasmcu[notebook]'` (or "
                          "`pip install pandas`), or use wasmcu.api.results() for plain Result objects") from None
    return pandas
