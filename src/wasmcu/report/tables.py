"""Tables: time per workload x runtime with the ratio to native, per device."""

from __future__ import annotations

from collections import defaultdict

from ..model import OK, Result


def _fmt_time(r: Result) -> str:
    if r.status != OK or r.time_us is None:
        return r.status
    mark = "" if r.time_kind == "measured" else " (est.)"
    return f"{r.time_us:,.1f}{mark}"


def native_of(results: list[Result]) -> dict[tuple, Result]:
    """The native result of each (workload, n, lang, device), for ratios."""
    return {(r.cell.workload, r.cell.n, r.cell.lang, r.cell.device): r
            for r in results if r.cell.runtime == "native" and r.status == OK and r.time_us}


def overhead(r: Result, natives: dict[tuple, Result]) -> float | None:
    base = natives.get((r.cell.workload, r.cell.n, r.cell.lang, r.cell.device))
    if r.status != OK or not r.time_us or base is None:
        return None
    return r.time_us / base.time_us


def time_table_markdown(results: list[Result]) -> str:
    """One table per device: rows workload:n/lang, columns runtimes, cells 'time µs (x native)'."""
    natives = native_of(results)
    by_device: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_device[r.cell.device].append(r)
    parts = []
    for device, rs in by_device.items():
        runtimes = list(dict.fromkeys(r.cell.runtime for r in sorted(rs, key=lambda r: r.cell.runtime != "native")))
        rows = sorted({(r.cell.workload, r.cell.n, r.cell.lang) for r in rs})
        index = {(r.cell.workload, r.cell.n, r.cell.lang, r.cell.runtime): r for r in rs}
        parts.append(f"### {device}: execution time, µs (× native)\n")
        parts.append("| workload | " + " | ".join(runtimes) + " |")
        parts.append("|---|" + "---:|" * len(runtimes))
        for w, n, lang in rows:
            cells = []
            for rt in runtimes:
                r = index.get((w, n, lang, rt))
                if r is None:
                    cells.append("")
                    continue
                ratio = overhead(r, natives)
                cells.append(_fmt_time(r) + (f" ({ratio:.2f}×)" if ratio is not None and rt != "native" else ""))
            parts.append(f"| {w}:{n}/{lang} | " + " | ".join(cells) + " |")
        parts.append("")
    return "\n".join(parts)
