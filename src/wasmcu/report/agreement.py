"""Whether the cells that ran without a reference to check them against agree with each other."""

from __future__ import annotations

from collections import defaultdict

from ..model import OK, UNVERIFIED, Result


def agreement(results: list[Result]) -> list[str]:
    """One sentence per workload, size and language with `unverified` cells: how many of the
    cells that gave a checksum (ok or unverified) agree on the most common one."""
    groups: dict[tuple, list[Result]] = defaultdict(list)
    for r in results:
        if r.status in (OK, UNVERIFIED) and r.checksum is not None:
            groups[(r.cell.workload, r.cell.n, r.cell.lang)].append(r)
    out = []
    for (w, n, lang), rs in groups.items():
        if not any(r.status == UNVERIFIED for r in rs):
            continue
        counts: dict[int, list[Result]] = defaultdict(list)
        for r in rs:
            counts[r.checksum & 0xFFFFFFFF].append(r)
        value, same = max(counts.items(), key=lambda kv: len(kv[1]))
        text = (f"{w}:{n}/{lang}: {len(same)} of {len(rs)} cells that ran agree on checksum {value:#010x}"
                f" ({', '.join(sorted({f'{r.cell.runtime}/{r.cell.device}' for r in same}))})")
        if len(same) < len(rs):
            others = sorted({f"{r.cell.runtime}/{r.cell.device}" for r in rs if r not in same})
            text += f"; differ: {', '.join(others)}"
        out.append(text)
    return out
