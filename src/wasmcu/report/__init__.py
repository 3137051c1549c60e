"""Reports from the store: tables (terminal, Markdown, CSV), figures, an HTML page."""

from __future__ import annotations

from pathlib import Path

from ..store import Store
from .tables import time_table_markdown


def write_report(store: Store, out: Path, run_id: int | None = None) -> list[Path]:
    """Write the report for one run (default: the latest) into `out`; return the files."""
    from ..errors import WasmcuError

    results = store.results(run_id)
    if not results:
        raise WasmcuError(f"no results in {store.path}: run `wasmcu bench` first (or pass --db)")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    md = out / "report.md"
    text = time_table_markdown(results)
    md.write_text(text)
    print(text)
    return [md]
