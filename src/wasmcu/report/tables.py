"""Tables: time per workload x runtime with the ratio to native, per device."""

from __future__ import annotations

from collections import defaultdict

from ..model import OK, Result
from .markdown import md_text
from .ratios import native_key


def _range(values) -> str:
    return f" [{values[0]:,.1f}–{values[1]:,.1f}]" if values else ""


def _fmt_time(r: Result) -> str:
    if r.status != OK or r.time_us is None:
        return r.status
    if r.time_kind == "measured":
        return f"{r.time_us:,.1f}"
    return f"{r.time_us:,.1f} (est.{_range(r.extra.get('time_us_range'))})"


def native_of(results: list[Result]) -> dict[tuple, Result]:
    """The native result with a time of each baseline (workload, n, lang, device and build: a
    cell of the `sdk` build is compared with the native `sdk` build), for ratios."""
    return {native_key(r): r for r in results if r.cell.runtime == "native" and r.status == OK and r.time_us}


def workload_label(r: Result) -> str:
    """'crc16:100/c', with the build when it is not the default: 'crc16:100/c/sdk'."""
    label = f"{r.cell.workload}:{r.cell.n}/{r.cell.lang}"
    return label if r.cell.build == "o2" else f"{label}/{r.cell.build}"


def overhead(r: Result, natives: dict[tuple, Result]) -> float | None:
    base = natives.get(native_key(r))
    if r.status != OK or not r.time_us or base is None:
        return None
    return r.time_us / base.time_us


def time_table_markdown(results: list[Result]) -> str:
    """One table per device: rows workload:n/lang, columns runtimes grouped by execution mode,
    cells 'time µs (x native)'."""
    from .modes import mode_of, ordered_modes

    natives = native_of(results)
    by_device: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_device[r.cell.device].append(r)
    parts = []
    for device, rs in by_device.items():
        modes = {r.cell.runtime: mode_of(r) for r in rs}
        order = ordered_modes(modes.values())
        runtimes = sorted(modes, key=lambda rt: (order.index(modes[rt]), rt))
        rows = sorted({(r.cell.workload, r.cell.n, r.cell.lang, r.cell.build) for r in rs})
        index = {(r.cell.workload, r.cell.n, r.cell.lang, r.cell.build, r.cell.runtime): r for r in rs}
        parts.append(f"### {md_text(device)}: execution time, µs (× native)\n")
        parts.append("| workload | " + " | ".join(md_text(rt) for rt in runtimes) + " |")
        parts.append("|---|" + "---:|" * len(runtimes))
        parts.append("| *mode* | " + " | ".join(f"*{md_text(modes[rt])}*" for rt in runtimes) + " |")
        for row in rows:
            found = [index.get((*row, rt)) for rt in runtimes]
            cells = []
            for rt, r in zip(runtimes, found):
                if r is None:
                    cells.append("")
                    continue
                ratio = overhead(r, natives)
                cells.append(_fmt_time(r) + (f" ({ratio:.2f}×)" if ratio is not None and rt != "native" else ""))
            label = workload_label(next(r for r in found if r is not None))
            parts.append(f"| {md_text(label)} | " + " | ".join(cells) + " |")
        parts.append("")
    return "\n".join(parts)


# what the cell's module is, what an update of it costs, whether a misbehaving kernel was contained (extra.*)
BENEFIT_FIELDS = ["module_sha256", "module_bytes", "derived_kind", "derived_sha256", "derived_bytes", "update_part",
                  "update_bytes", "update_bytes_lzma", "update_bytes_heatshrink", "update_delta_bytes", "update_link",
                  "update_time_s", "update_time_kind", "update_energy_uj", "misbehaviour", "outcome", "contained", "trap",
                  "detect_us"]
CSV_FIELDS = ["workload", "n", "lang", "runtime", "device", "backend", "status", "error", "error_kind", "checksum", "expected",
              "verified_by",
              "time_us", "time_us_ci_low", "time_us_ci_high", "time_kind", "load_us", "cycles", "cycles_kind",
              "instructions", "flash_bytes", "ram_static_bytes", "ram_peak_bytes", "runtime_flash_bytes",
              "runtime_ram_bytes", "uf2_bytes", "energy_uj", "energy_kind", "samples", "outliers", "warning",
              *BENEFIT_FIELDS, "run_once", "embench_verify", "embench_relative_speed"]


def row(r: Result) -> dict:
    """One flat row per cell (CSV, HTML and Markdown tables)."""
    d = r.to_json()
    ci = d.pop("time_us_ci") or [None, None]
    d["time_us_ci_low"], d["time_us_ci_high"] = ci
    stats = r.extra.get("stats") or {}
    d["outliers"] = len(stats.get("outliers", [])) if stats else None
    d["warning"] = r.extra.get("warning")
    d["uf2_bytes"] = r.extra.get("uf2_bytes")
    for key in BENEFIT_FIELDS:
        d[key] = r.extra.get(key)
    compressed = r.extra.get("update_bytes_compressed") or {}
    d["update_bytes_lzma"], d["update_bytes_heatshrink"] = compressed.get("lzma"), compressed.get("heatshrink")
    d["run_once"] = r.extra.get("run_once")
    embench = r.extra.get("embench") or {}
    d["embench_verify"] = embench.get("verify")
    if embench:
        from ..workloads.embench import cell_relative_speed

        d["embench_relative_speed"] = cell_relative_speed(r)
    return {k: d.get(k) for k in CSV_FIELDS}


def write_csv(results: list[Result], path) -> None:
    import csv

    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        w.writeheader()
        for r in sorted(results, key=lambda r: r.cell):
            w.writerow(row(r))


def fmt_time(r: Result) -> str:
    """Time with its kind: a CI for sampled host times, 'exact count' for emulated ones."""
    if r.status != OK or r.time_us is None:
        return "–"
    if r.time_kind == "measured":
        ci = f" [{r.time_us_ci[0]:,.1f}–{r.time_us_ci[1]:,.1f}]" if r.time_us_ci else ""
        return f"{r.time_us:,.1f}{ci}"
    cycles = r.extra.get("cycles_range")
    cyc = f"{r.cycles:,} cycles [{cycles[0]:,}–{cycles[1]:,}]" if cycles else f"{r.cycles:,} cycles"
    return f"{r.time_us:,.1f}{_range(r.extra.get('time_us_range'))} (est. from {cyc})"


def fmt_energy(r: Result) -> str:
    """Energy with its kind, its range (estimates) and what was powered."""
    if not r.energy_uj:
        return ""
    rng = r.extra.get("energy_uj_range")
    rng = f" [{rng[0]:,.2f}–{rng[1]:,.2f}]" if rng else ""
    scope = r.extra.get("energy_scope")
    return f"{r.energy_uj:,.2f}{rng} ({r.energy_kind}{', ' + scope if scope else ''})"


def _kb(v) -> str:
    return f"{v / 1024:,.1f}" if v else "–"


def verification_note(results: list[Result]) -> str:
    """How the cells' checksums were checked, in a sentence: against a workload's oracle, or
    (workloads without one) against the host's native result for the same language, n and seed."""
    counts: dict[str, set] = {}
    for r in results:
        if r.verified_by:
            counts.setdefault(r.verified_by, set()).add(r.cell.workload)
    if not counts:
        return "No checksum was checked in this run."
    parts = []
    if "oracle" in counts:
        parts.append(f"against the workload's Python oracle ({', '.join(sorted(counts['oracle']))})")
    if "native-host" in counts:
        parts.append("against the host's native result for the same language, n and seed, since these workloads "
                     f"have no oracle ({', '.join(sorted(counts['native-host']))})")
    for how in sorted(k for k in counts if k.startswith("reference:")):
        parts.append(f"against {how.split(':', 1)[1]}'s result on the host, since these prebuilt modules have no "
                     f"oracle ({', '.join(sorted(counts[how]))})")
    return "Checksums were verified " + "; and ".join(parts) + "."


def results_markdown(results: list[Result]) -> str:
    lines = ["| cell | status | time µs [95% CI, or estimate range] | flash KB | RAM static/peak KB | energy µJ | notes |",
             "|---|---|---|---:|---:|---:|---|"]
    for r in sorted(results, key=lambda r: (r.cell.device, r.cell.workload, r.cell.n, r.cell.lang, r.cell.runtime)):
        energy = fmt_energy(r) or "–"
        ram = f"{_kb(r.ram_static_bytes)} / {_kb(r.ram_peak_bytes)}"
        notes = r.error if r.status != OK else (r.extra.get("warning") or "")
        lines.append(f"| {md_text(r.cell.key)} | {md_text(r.status)} | {fmt_time(r)} | {_kb(r.flash_bytes)} | {ram} "
                     f"| {energy} | {md_text(notes or '', limit=200)} |")
    return "\n".join(lines) + "\n\n" + verification_note(results) + "\n"
