"""What a cell records about its runtime: name, version, sha256 of its sources and where it came from."""

from __future__ import annotations


def runtime_record(rt) -> dict:
    """`provenance.runtime` of a cell run by `rt`: {name, version, source_sha256, from}, each None
    where the runtime cannot say (a missing build is the cell's failure, not this record's)."""
    info = {"version": None, "source_sha256": None, "from": None}
    try:
        info.update(rt.version_info() or {})
    except Exception as exc:  # noqa: BLE001 - a runtime that cannot say its version still runs its cells
        info["from"] = f"unknown: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    return {"name": rt.name, **info}


def describe_version(rt) -> str:
    """'0.9.0 (from TREE)' for `wasmcu list runtimes` and `wasmcu doctor`; '-' where unknown."""
    rec = runtime_record(rt)
    if not rec["version"] and (not rec["from"] or rec["from"].startswith("unknown:")):  # the status says why
        return "-"
    return f"{rec['version'] or '?'}" + (f" (from {rec['from']})" if rec["from"] else "")
