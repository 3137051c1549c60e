"""Runtime versions across runs and within one: which runtime ran at which version, and where they differ."""

from __future__ import annotations

from ..model import Result
from .markdown import md_text


def base_name(runtime: str) -> str:
    """A runtime's family name without its version: `wasm3@0.9.0` -> `wasm3`."""
    return runtime.split("@", 1)[0]


def recorded(r: Result) -> tuple[str | None, str | None]:
    """(version, source sha256) a cell recorded for its runtime (None, None for cells stored before they did)."""
    rec = r.provenance.get("runtime")
    rec = rec if isinstance(rec, dict) else {}
    return rec.get("version"), rec.get("source_sha256")


def version_differences(a: list[Result], b: list[Result]) -> list[str]:
    """One sentence per runtime name that ran at another version (or from other sources) in B than in A."""
    def by_runtime(results):
        out: dict[str, set] = {}
        for r in results:
            version, sha = recorded(r)
            if version or sha:
                out.setdefault(r.cell.runtime, set()).add((version, sha))
        return out

    va, vb = by_runtime(a), by_runtime(b)
    notes = []
    for name in sorted(set(va) & set(vb)):
        if va[name] != vb[name]:
            def show(vs):
                return ", ".join(f"{v or '?'} (sources {(s or '?')[:12]})" for v, s in sorted(vs, key=str))
            notes.append(f"{name} ran {show(va[name])} in A and {show(vb[name])} in B")
    return notes


def several_versions(results: list[Result]) -> dict[str, list[str]]:
    """Runtime families that ran at more than one version in these results: family -> runtime names."""
    fams: dict[str, dict[str, str | None]] = {}
    for r in results:
        fams.setdefault(base_name(r.cell.runtime), {})[r.cell.runtime] = recorded(r)[0]
    return {f: sorted(names) for f, names in fams.items()
            if len(names) > 1 and len({v for v in names.values()}) > 1}


def _stack(r: Result) -> int | None:
    return r.extra.get("stack_needed_bytes") or r.extra.get("stack_hwm_bytes")


def _fmt(v, unit: str = "") -> str:
    if v is None:
        return "-"
    return f"{v:,.1f}{unit}" if isinstance(v, float) else f"{v:,}{unit}"


def version_rows(results: list[Result]) -> list[dict]:
    """One row per family × device × workload (n, lang) with each version's time, flash, peak RAM and
    native stack: the runtimes that ran at several versions in these results."""
    fams = several_versions(results)
    rows = []
    for fam, names in fams.items():
        cells = {}
        for r in results:
            if r.cell.runtime in names:
                key = (r.cell.device, r.cell.workload, r.cell.n, r.cell.lang)
                cells.setdefault(key, {})[r.cell.runtime] = r
        for (device, workload, n, lang), by_name in sorted(cells.items()):
            row = {"family": fam, "device": device, "workload": f"{workload}:{n}", "lang": lang, "versions": {}}
            for name in names:
                r = by_name.get(name)
                if r is None:
                    continue
                version = recorded(r)[0] or name
                row["versions"][f"{name} ({version})" if version not in name else name] = {
                    "status": r.status, "time_us": r.time_us, "cycles": r.cycles, "flash_bytes": r.flash_bytes,
                    "ram_peak_bytes": r.ram_peak_bytes, "stack_bytes": _stack(r), "error": r.error,
                    "rss_bytes": r.host_rss_bytes}
            rows.append(row)
    return rows


def _cell_text(v: dict) -> str:
    if v["status"] != "ok":
        return f"{v['status']}" + (f": {v['error'][:80]}" if v.get("error") else "")
    if v["flash_bytes"] is None:  # the host: its process's peak RSS
        return f"{_fmt(v['time_us'], ' µs')}; RSS {_fmt(v.get('rss_bytes'))} B"
    return (f"{_fmt(v['time_us'], ' µs')}; flash {_fmt(v['flash_bytes'])} B; RAM {_fmt(v['ram_peak_bytes'])} B; "
            f"stack {_fmt(v['stack_bytes'])} B")


def versions_markdown(results: list[Result]) -> str:
    """'## Runtime versions' tables (empty when no runtime ran at several versions). What a cell
    says (its error) is escaped: shown, never rendered."""
    rows = version_rows(results)
    if not rows:
        return ""
    out = ["\n## Runtime versions\n",
           "Each runtime that ran at several versions, side by side per device: time, flash, peak RAM and the "
           "native stack the run needed (the painted-stack high-water mark; on a board only).\n"]
    for fam in dict.fromkeys(r["family"] for r in rows):
        names = list(dict.fromkeys(k for r in rows if r["family"] == fam for k in r["versions"]))
        out.append(f"\n### {md_text(fam)}\n\n| device | workload | lang | " + " | ".join(md_text(k) for k in names)
                   + " |\n|" + "---|" * (3 + len(names)))
        for r in (r for r in rows if r["family"] == fam):
            out.append(f"| {md_text(r['device'])} | {md_text(r['workload'])} | {md_text(r['lang'])} | "
                       + " | ".join(md_text(_cell_text(r["versions"][k])) if k in r["versions"] else "-" for k in names)
                       + " |")
    return "\n".join(out) + "\n"


def versions_html(results: list[Result]) -> str:
    from html import escape

    rows = version_rows(results)
    if not rows:
        return ""
    out = ["<h2>Runtime versions</h2><p>Each runtime that ran at several versions, side by side per device: time, "
           "flash, peak RAM and the native stack the run needed (on a board).</p>"]
    for fam in dict.fromkeys(r["family"] for r in rows):
        names = list(dict.fromkeys(k for r in rows if r["family"] == fam for k in r["versions"]))
        out.append(f"<h3>{escape(fam)}</h3><table><tr><th>device</th><th>workload</th><th>lang</th>"
                   + "".join(f"<th>{escape(k)}</th>" for k in names) + "</tr>")
        for r in (r for r in rows if r["family"] == fam):
            out.append(f"<tr><td>{escape(r['device'])}</td><td>{escape(r['workload'])}</td><td>{escape(r['lang'])}</td>"
                       + "".join(f"<td>{escape(_cell_text(r['versions'][k]) if k in r['versions'] else '-')}</td>"
                                 for k in names) + "</tr>")
        out.append("</table>")
    return "".join(out)
