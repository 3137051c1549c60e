"""The WASI programs of a run: each cell's exit code and output, and what the WASI layer takes on a board.

A section of the report (Markdown and HTML) that appears only when the run has cells of a
module that imports WASI (a command, a reactor, a kernel that prints): their result is their
output, so the report shows it beside the flash and RAM that wasmcu's WASI layer and the
runtime's binding of it take in the image (wasmcu.measure.wasi_cost).
"""

from __future__ import annotations

import html as _html

from ..model import Result
from .markdown import md_text

COLUMNS = ("cell", "status", "exit code", "stdout bytes", "stdout", "WASI flash B", "WASI RAM B",
           "of it: layer flash / RAM B", "binding flash / RAM B")


def _rows(results: list[Result]) -> list[tuple[str, ...]]:
    rows = []
    for r in sorted(results, key=lambda r: (r.cell.device, r.cell.workload, r.cell.n, r.cell.lang, r.cell.runtime)):
        e = r.extra or {}
        if "wasi_exit_code" not in e and "wasi_flash_bytes" not in e:
            continue
        text = (e.get("stdout") or "").replace("\n", "⏎")

        def num(key):
            return f"{e[key]:,}" if e.get(key) is not None else "–"

        rows.append((r.cell.key, r.status, str(e.get("wasi_exit_code", "–")), num("stdout_bytes"),
                     text[:80] + ("…" if len(text) > 80 else ""), num("wasi_flash_bytes"), num("wasi_ram_bytes"),
                     f"{num('wasi_layer_flash_bytes')} / {num('wasi_layer_ram_bytes')}",
                     f"{num('wasi_binding_flash_bytes')} / {num('wasi_binding_ram_bytes')}"))
    return rows


NOTE = ("The exit code of a reactor is its entry's result; a kernel that prints is checked by run's result. "
        "WASI flash and RAM: wasmcu's WASI layer and the runtime's binding of it in the board's image, from "
        "the image's symbols (the host's runtimes and wasmtime's and V8's WASI are not counted).")


def markdown_section(results: list[Result]) -> str:
    rows = _rows(results)
    if not rows:
        return ""
    lines = ["\n## WASI programs\n", NOTE + "\n", "| " + " | ".join(COLUMNS) + " |",
             "|" + "---|" * 2 + "---:|" * 2 + "---|" + "---:|" * 4]
    lines += ["| " + " | ".join(md_text(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def html_section(results: list[Result]) -> str:
    rows = _rows(results)
    if not rows:
        return ""
    head = "".join(f"<th>{_html.escape(c)}</th>" for c in COLUMNS)
    body = "".join("<tr>" + "".join(f"<td>{_html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<h2>WASI programs</h2><p>{_html.escape(NOTE)}</p><table><tr>{head}</tr>{body}</table>"
