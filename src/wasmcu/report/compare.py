"""`wasmcu compare A B`: per-cell differences between two runs, for people and for CI.

A and B are run ids in the store or JSON files written by `wasmcu bench --json`.
Host cells: the ratio of medians B/A with a bootstrap 95% interval when both runs
have samples (else the overlap of the stored confidence intervals); a difference
is significant when the interval excludes 1. Emulated cells: counts are exact, so
any change of cycles or instructions is real and shown exactly.
Exit status 1 when a cell regressed beyond the threshold (significantly, for host
cells) or was ok in A and is not in B.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import WasmcuError
from ..model import OK, Cell, Result
from ..store import Store, default_path


@dataclass
class Diff:
    cell: Cell
    status_a: str
    status_b: str
    ratio: float | None = None
    interval: tuple[float, float] | None = None
    significant: bool = False
    exact: bool = False
    cycles_delta: int | None = None
    instructions_delta: int | None = None
    regression: bool = False
    note: str = ""


def _from_json(path: Path) -> list[Result]:
    try:
        cells = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:  # not text (a database?), not JSON
        raise WasmcuError(f"cannot read {path} as a `wasmcu bench --json` file: {exc}") from exc
    if not isinstance(cells, list):
        raise WasmcuError(f"{path}: expected a JSON array of cells, as `wasmcu bench --json` writes")
    out = []
    for c in cells:
        try:
            cell = Cell(c["workload"], c["n"], c["lang"], c["runtime"], c["device"], c.get("build", "o2"))
            backend = c["backend"]
        except (KeyError, TypeError) as exc:
            raise WasmcuError(f"{path}: a cell lacks the field {exc}") from None
        keys = ("status", "time_us", "time_us_ci", "time_kind", "cycles", "cycles_kind", "instructions", "error",
                "samples_us", "provenance")
        out.append(Result(cell=cell, backend=backend, **{k: c[k] for k in keys if c.get(k) is not None}))
    return out


def load(ref: str, store: Store | None) -> list[Result]:
    """The results of `ref`: a run id in `store`, or a `wasmcu bench --json` file."""
    if ref.isdigit():
        if store.run(int(ref)) is None:
            runs = ", ".join(str(r["id"]) for r in store.runs()) or "none"
            raise WasmcuError(f"there is no run {ref} in {store.path} (runs: {runs})")
        return store.results(int(ref))
    path = Path(ref)
    if not path.is_file():
        raise WasmcuError(f"'{ref}' is neither a run id in {store.path if store else default_path()} nor a file")
    return _from_json(path)


def _bootstrap_ratio(a: list[float], b: list[float], resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    xa, xb = np.asarray(a), np.asarray(b)
    ma = np.median(rng.choice(xa, size=(resamples, xa.size)), axis=1)
    mb = np.median(rng.choice(xb, size=(resamples, xb.size)), axis=1)
    lo, hi = np.quantile(mb / ma, [0.025, 0.975])
    return float(lo), float(hi)


def _cost_table(r: Result):
    return (r.provenance or {}).get("cycle_model")


def compare(a: list[Result], b: list[Result], threshold_pct: float) -> list[Diff]:
    index_a = {r.cell: r for r in a}
    diffs = []
    limit = 1 + threshold_pct / 100
    for rb in sorted(b, key=lambda r: r.cell):
        ra = index_a.get(rb.cell)
        if ra is None:
            continue
        d = Diff(rb.cell, ra.status, rb.status)
        if _cost_table(ra) and _cost_table(rb) and _cost_table(ra) != _cost_table(rb):
            d.note = "cost tables differ: re-cost one run with the other's table (wasmcu recost) to compare"
        if ra.status == OK and rb.status != OK:
            d.regression, d.note = True, f"was ok, now {rb.status}: {rb.error}"
        elif ra.status == OK and rb.status == OK and ra.time_us and rb.time_us:
            d.ratio = rb.time_us / ra.time_us
            if ra.time_kind == "measured" and rb.time_kind == "measured":
                if len(ra.samples_us) >= 3 and len(rb.samples_us) >= 3:
                    d.interval = _bootstrap_ratio(ra.samples_us, rb.samples_us)
                elif ra.time_us_ci and rb.time_us_ci:
                    d.interval = (rb.time_us_ci[0] / ra.time_us_ci[1], rb.time_us_ci[1] / ra.time_us_ci[0])
                d.significant = bool(d.interval and (d.interval[0] > 1 or d.interval[1] < 1))
                d.regression = d.significant and d.ratio > limit
            else:
                d.exact = True
                if ra.cycles is not None and rb.cycles is not None:
                    d.cycles_delta = rb.cycles - ra.cycles
                if ra.instructions is not None and rb.instructions is not None:
                    d.instructions_delta = rb.instructions - ra.instructions
                d.significant = bool(d.cycles_delta or d.instructions_delta)
                d.regression = d.ratio > limit
        diffs.append(d)
    return diffs


def compare_main(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from ..provenance import incomparable

    import contextlib

    # the store is only read (it may be on a read-only medium), and only when a run id is named
    by_id = any(ref.isdigit() for ref in (args.a, args.b))
    with (Store(args.db, readonly=True) if by_id else contextlib.nullcontext()) as store:
        a, b = load(args.a, store), load(args.b, store)
        runs = [store.run(int(ref)) if ref.isdigit() else None for ref in (args.a, args.b)]
    diffs = compare(a, b, args.threshold)
    if not diffs:
        raise WasmcuError("the two runs have no cell in common")
    from .versions import version_differences

    for note in version_differences(a, b):
        print(f"warning: runtime versions differ: {note}; its cells compare two versions, not two measurements")
    differ = []
    if all(runs):
        differ = incomparable(json.loads(runs[0]["provenance"] or "{}"), json.loads(runs[1]["provenance"] or "{}"))
    if differ:
        host = any(d.cell.device == "host" or (d.ratio and not d.exact) for d in diffs)
        message = "the runs were not made under the same conditions: " + "; ".join(differ)
        if args.strict:
            raise WasmcuError(message + " (--strict refuses such a comparison)")
        print(f"warning: {message}" + ("; measured host times are not comparable" if host else ""))
    t = Table("cell", "A", "B", "B/A", "95% interval", "difference", title=f"wasmcu compare {args.a} {args.b}")
    for d in diffs:
        if d.exact:
            what = f"exact: {d.cycles_delta:+,} cycles, {d.instructions_delta:+,} instructions" \
                if d.cycles_delta is not None else "exact"
        else:
            what = "significant" if d.significant else "not significant"
        if d.regression:
            what = f"[red]REGRESSION[/] {what} {d.note}"
        elif d.note:
            what = f"{what} ({d.note})"
        interval = f"{d.interval[0]:.3f}–{d.interval[1]:.3f}" if d.interval else ""
        t.add_row(d.cell.key, d.status_a, d.status_b, f"{d.ratio:.3f}" if d.ratio else "", interval, what)
    import sys

    Console(width=None if sys.stdout.isatty() else 200).print(t)
    bad = [d for d in diffs if d.regression]
    print(f"{len(diffs)} cells compared, {sum(d.significant for d in diffs)} changed significantly, "
          f"{len(bad)} regressed beyond {args.threshold:g}%")
    return 1 if bad else 0
