"""One self-contained HTML page: figures embedded, tables, provenance, what was measured."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from ..model import OK, PASSING, STATUSES, UNSUPPORTED, Result
from .modes import METRICS, by_mode, mode_of, ordered_modes
from .tables import fmt_energy, fmt_time, native_of, overhead, verification_note, workload_label

CSS = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}
th{background:#f2f2f2}td.num{text-align:right}.bad{color:#b00}.est{color:#555;font-style:italic}
img{max-width:100%;border:1px solid #eee;margin:.5em 0}code{background:#f6f6f6;padding:0 3px}
"""


def _img(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def headline(results: list[Result]) -> str:
    """How many cells, by status: `unsupported` (a cell the runtime or device cannot run, with
    the reason) is not a failure; mismatch, error and does-not-fit are."""
    from collections import Counter

    count = Counter(r.status for r in results)
    failed = sum(n for status, n in count.items() if status not in PASSING)
    text = f"{len(results)} cells: {count[OK]} ok, {count[UNSUPPORTED]} unsupported, {failed} failed"
    if failed:
        text += " (" + ", ".join(f"{count[s]} {s}" for s in STATUSES if s not in PASSING and count[s]) + ")"
    return text


def render(results: list[Result], run: dict | None, figures: dict[str, Path], wl: tuple, extra_html: str = "") -> str:
    ok = [r for r in results if r.status == OK]
    prov = json.loads(run["provenance"]) if run and run.get("provenance") else {}
    natives = native_of(results)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>wasmcu report</title><style>{CSS}</style>"
             "</head><body>", "<h1>wasmcu report</h1>",
             f"<p>Run {_e(run and run['id'])}: {_e(headline(results))}. "
             f"Figures show <code>{_e(wl[0])}:{_e(wl[1])}</code> in {_e(wl[2])}.</p>",
             "<h2>What was measured and what was modelled</h2><ul>",
             "<li><b>Host</b> times are <b>measured</b> with the OS clock in-process, per call, after warm-up: "
             "median of the samples with a bootstrap 95% confidence interval; outliers are flagged by MAD.</li>",
             "<li><b>Emulated boards</b> (QEMU): instruction counts are <b>exact</b> and deterministic; cycles are "
             "<b>estimated</b> by a per-core cycle model (instruction classes, taken-branch penalties) from the "
             "device profile; time = cycles ÷ clock. They are estimates, not measurements.</li>",
             "<li><b>Energy</b> on emulated boards is <b>modelled</b>: datasheet active power × estimated time.</li>",
             "<li><b>Real boards</b> (backend <code>board</code>): time is <b>measured</b> by the chip's own timer "
             "around the call; cycles are <b>measured</b> where the chip has a cycle counter (nRF5340: DWT); energy "
             "is <b>measured</b> with a PPK2 when one powers the board (V·ΣI·Δt over the kernel's marker window), "
             "and absent otherwise.</li>",
             "<li><b>Footprint</b>: flash and static RAM read from the firmware ELF; peak RAM adds the heap and "
             "painted-stack high-water marks the firmware reports. On the host, RAM is the process's peak RSS.</li>",
             f"<li><b>Checksums</b>: {_e(verification_note(results))}</li>",
             "</ul>", "<h2>Figures</h2>"]
    for name in ("time", "footprint", "energy", "overhead", "modes", "score"):
        if name in figures:
            parts.append(_img(figures[name]))
    # execution modes
    summary = by_mode(results)
    parts.append("<h2>Execution modes: geometric mean of ratio to native (×/÷ geometric SD, cells)</h2><table>"
                 "<tr><th>device</th><th>mode</th>" + "".join(f"<th>{_e(label)}</th>" for label, _ in METRICS.values())
                 + "</tr>")
    for device in dict.fromkeys(d for d, _, _ in summary):
        for mode in ordered_modes(m for d, m, _ in summary if d == device):
            cells = []
            for metric in METRICS:
                s = summary.get((device, mode, metric))
                cells.append("<td></td>" if s is None else
                             f"<td class='num{' est' if s.estimated else ''}'>{s.geomean:,.2f}× "
                             f"(×/÷{s.gsd:.2f}, {s.cells})</td>")
            parts.append(f"<tr><td>{_e(device)}</td><td>{_e(mode)}</td>{''.join(cells)}</tr>")
    parts.append("</table>")
    from .score import score_table_html

    parts.append(score_table_html(results))
    # overhead table, grouped by execution mode
    parts.append("<h2>Overhead: runtime ÷ native</h2><table><tr><th>device</th><th>mode</th><th>workload</th>"
                 "<th>runtime</th><th>time µs</th><th>× native</th><th>kind</th></tr>")
    order = ordered_modes(mode_of(r) for r in ok)
    for r in sorted(ok, key=lambda r: (r.cell.device, order.index(mode_of(r)), r.cell.runtime, r.cell.workload,
                                       r.cell.n, r.cell.lang, r.cell.build)):
        ratio = overhead(r, natives)
        parts.append(f"<tr><td>{_e(r.cell.device)}</td><td>{_e(mode_of(r))}</td>"
                     f"<td>{_e(workload_label(r))}</td>"
                     f"<td>{_e(r.cell.runtime)}</td><td class='num'>{_e(fmt_time(r))}</td>"
                     f"<td class='num'>{'' if ratio is None else f'{ratio:.2f}×'}</td>"
                     f"<td class='{'' if r.time_kind == 'measured' else 'est'}'>{_e(r.time_kind)}</td></tr>")
    parts.append("</table>")
    parts.append(extra_html)  # e.g. the table's and the fitted estimates side by side
    # all cells
    parts.append("<h2>All cells</h2><table><tr><th>cell</th><th>status</th><th>checksum</th><th>verified by</th>"
                 "<th>time µs</th>"
                 "<th>load µs</th><th>instructions</th><th>flash KB</th><th>RAM static KB</th><th>RAM peak KB</th><th>RAM needed KB</th>"
                 "<th>runtime share flash KB</th><th>UF2 KB</th><th>energy µJ</th><th>notes</th></tr>")
    kb = lambda v: "" if not v else f"{v / 1024:,.1f}"  # noqa: E731
    for r in sorted(results, key=lambda r: r.cell):
        energy = fmt_energy(r)
        note = r.extra.get("warning") or ""
        parts.append(f"<tr><td>{_e(r.cell.key)}</td><td class='{'' if r.status in PASSING else 'bad'}'>{_e(r.status)}</td>"
                     f"<td>{'' if r.checksum is None else hex(r.checksum)}</td><td>{_e(r.verified_by or '')}</td>"
                     f"<td class='num'>{_e(fmt_time(r))}</td>"
                     f"<td class='num'>{'' if r.load_us is None else f'{r.load_us:,.1f}'}</td>"
                     f"<td class='num'>{'' if r.instructions is None else f'{r.instructions:,}'}</td>"
                     f"<td class='num'>{kb(r.flash_bytes)}</td><td class='num'>{kb(r.ram_static_bytes)}</td>"
                     f"<td class='num'>{kb(r.ram_peak_bytes)}</td><td class='num'>{kb(r.extra.get('ram_needed_bytes'))}</td>"
                     f"<td class='num'>{kb(r.runtime_flash_bytes)}</td>"
                     f"<td class='num'>{kb(r.extra.get('uf2_bytes'))}</td>"
                     f"<td class='num'>{_e(energy)}</td><td>{_e(note)}</td></tr>")
    parts.append("</table>")
    parts.append("<h2>Cells that failed or were unsupported</h2>")
    bad = [r for r in results if r.status != OK]
    if bad:
        parts.append("<table><tr><th>cell</th><th>status</th><th>reason</th></tr>")
        for r in sorted(bad, key=lambda r: (r.status == UNSUPPORTED, r.cell)):  # failures first
            css = "" if r.status in PASSING else " class='bad'"
            parts.append(f"<tr><td>{_e(r.cell.key)}</td><td{css}>{_e(r.status)}</td><td>{_e(r.error)}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    parts.append("<h2>Provenance</h2><pre>" + _e(json.dumps(prov, indent=1)) + "</pre>")
    versions = {}
    for r in results:
        for k, v in (r.provenance.get("runtime_versions") or {}).items():
            versions[k] = v
        build = r.provenance.get("build") or {}
        if "compiler" in build:
            versions.setdefault("compilers", set()).add(build["compiler"])
    versions = {k: sorted(v) if isinstance(v, set) else v for k, v in versions.items()}
    parts.append("<h3>Tools and runtimes</h3><pre>" + _e(json.dumps(versions, indent=1)) + "</pre>")
    parts.append("</body></html>")
    return "\n".join(parts)
