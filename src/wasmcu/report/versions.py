"""Runtime versions across runs and within one: which runtime ran at which version, and where they differ."""

from __future__ import annotations

from ..model import Result


def base_name(runtime: str) -> str:
    """A runtime's family name without its version: `wasm3@0.9.0` -> `wasm3`."""
    return runtime.split("@", 1)[0]


def recorded(r: Result) -> tuple[str | None, str | None]:
    """(version, source sha256) a cell recorded for its runtime (None, None for cells stored before they did)."""
    rec = r.provenance.get("runtime") or {}
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
