"""Reports from the store: figures (PNG), an HTML page, Markdown and CSV tables."""

from __future__ import annotations

from pathlib import Path

from ..errors import WasmcuError
from ..store import Store
from . import benefits, embench_score, wasi
from .fitted import fitted_html, fitted_markdown, fitted_rows
from .modes import mode_figure, mode_table_markdown
from .score import score_figure, score_table_markdown
from .tables import results_markdown, time_table_markdown, write_csv


def write_report(store: Store, out: Path, run_id: int | None = None, *, workload: str | None = None,
                 n: int | None = None, lang: str | None = None, fitted: dict | None = None) -> list[Path]:
    """Write the report of one run (default: the latest) into `out`; return the files written.
    `fitted`: emulated device -> its fitted profile (report.fitted.fitted_profiles), whose
    estimates are shown beside the table's."""
    from . import figures, html

    results = store.results(run_id)
    if not results:
        raise WasmcuError(f"no results in {store.path}: run `wasmcu bench` first (or pass --db)")
    run_id = run_id if run_id is not None else store.latest_run_id()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    wl = figures.pick(results, workload, n, lang)
    asked = (workload, n, lang)
    if any(asked) and any(a is not None and a != w for a, w in zip(asked, wl)):
        import logging

        logging.getLogger("wasmcu").warning("no ok cell of %s:%s (%s) in this run; the figures show %s:%s (%s)",
                                            workload, n or "*", lang or "*", *wl)
    figs = {"time": out / "time.png", "footprint": out / "footprint.png", "energy": out / "energy.png",
            "overhead": out / "overhead.png", "modes": out / "modes.png", "score": out / "score.png"}
    figures.time_figure(results, figs["time"], wl)
    figures.footprint_figure(results, figs["footprint"], wl)
    figures.energy_figure(results, figs["energy"], wl)
    figures.overhead_figure(results, figs["overhead"])
    mode_figure(results, figs["modes"])
    score_figure(results, figs["score"])
    extra_files = []
    if embench_score.score_figure(results, out / "embench-score.png"):  # an Embench-IoT run: its scores
        extra_files.append(out / "embench-score.png")
    if embench_score.write_score_csv(results, out / "embench-score.csv"):
        extra_files.append(out / "embench-score.csv")
    embench_md = embench_score.score_markdown(results)
    from .agreement import agreement

    agree = agreement(results)
    rows = fitted_rows(results, fitted or {})
    fitted_md = fitted_markdown(rows, fitted or {})
    from .versions import versions_html, versions_markdown

    md = out / "report.md"
    md.write_text("# wasmcu report\n\n" + time_table_markdown(results) + "\n## Execution modes\n\n"
                  + mode_table_markdown(results) + "\n## Score per runtime\n\n"
                  + score_table_markdown(results)
                  + (f"\n## Embench-IoT score\n\n{embench_md}" if embench_md else "")
                  + (f"\n## Estimates: the table's and the fitted costs\n\n{fitted_md}" if fitted_md else "")
                  + benefits.markdown_sections(results) + wasi.markdown_section(results) + versions_markdown(results)
                  + ("\n## Unverified cells: do they agree?\n\n" + "".join(f"- {a}\n" for a in agree) if agree else "")
                  + "\n## All cells\n\n" + results_markdown(results))
    csv_path = out / "results.csv"
    write_csv(results, csv_path)
    page = out / "report.html"
    page.write_text(html.render(results, store.run(run_id), figs, wl,
                                extra_html=embench_score.score_html(results)
                                + ("<img src='embench-score.png' alt='Embench-IoT score'>" if extra_files else "")
                                + fitted_html(rows, fitted or {}) + benefits.html_sections(results)
                                + wasi.html_section(results)
                                + versions_html(results)))
    tradeoff = out / "tradeoff.html"
    tradeoff.write_text(benefits.tradeoff_page(results, html.CSS))
    from .trace import trace_figures

    return [page, md, csv_path, tradeoff, *figs.values(), *extra_files, *trace_figures(results, store.path, out)]
