"""Every report format escaped (Markdown as well as HTML), and provenance without machine paths."""

import json
from pathlib import Path

from wasmcu import api
from wasmcu.model import Cell, Result
from wasmcu.portable import portable, roots
from wasmcu.report.markdown import md_text
from wasmcu.store import Store

EVIL = "the oracle raised <script>alert(1)</script> | col [link](http://x) **bold** `code`\nsecond line"


def test_user_text_is_literal_markdown():
    text = md_text(EVIL)
    assert "<" not in text and ">" not in text and "\n" not in text
    assert "&lt;script&gt;" in text and "\\|" in text and "\\[link\\]\\(http://x\\)" in text
    assert "\\*\\*bold\\*\\*" in text and "\\`code\\`" in text
    assert md_text("a&amp;b") == "a&amp;amp;b"  # an entity of the user's is shown, not rendered
    assert md_text("x" * 300, limit=200) == "x" * 199 + "…"
    assert md_text("x" * 200, limit=200) == "x" * 200  # as long as the limit: whole


def test_report_md_shows_a_cell_s_error_and_never_renders_it(tmp_path):
    db = tmp_path / "s.sqlite"
    with Store(db) as store:
        run = store.begin_run({}, ["bench"], {})
        store.add_result(run, Result(Cell("crc16", 10, "c", "native", "host"), "host", status="ok", checksum=5,
                                     expected=5, verified_by="oracle", time_us=2.0, time_kind="measured",
                                     samples_us=[2.0] * 3, load_samples_us=[1.0]))
        store.add_result(run, Result(Cell("crc16", 10, "c", "wasm3", "host"), "host", status="error", error=EVIL))
        store.finish_run(run)
    api.report(tmp_path / "r", db=db)
    md = (tmp_path / "r" / "report.md").read_text()
    assert "<script>" not in md and "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in md
    row = next(line for line in md.splitlines() if line.startswith("| crc16:10/c/wasm3/host"))
    assert row.count(" | ") == 6  # the cell's pipes did not make columns of their own
    assert "<script>" not in (tmp_path / "r" / "report.html").read_text()


def test_provenance_paths_are_made_relative_to_the_package_the_cache_the_workload_and_home(tmp_path):
    pkg = Path(__import__("wasmcu").__file__).resolve().parent
    cache, wl = tmp_path / "cache", tmp_path / "work" / "mine"
    where = roots(cache, wl)
    prov = {"build": {"flags": ["-O2", f"-I{pkg}/backends/firmware", f"-I{cache}/wasm3-src/ab/wasm3",
                                f"-I{wl}/include", f"-I{Path.home()}/lib", "-DX=/usr/include"],
                      "files": [f"{wl}/kernel.c"], "n": 3}}
    out = portable(prov, where)
    assert out["build"]["flags"] == ["-O2", "-I<wasmcu>/backends/firmware", "-I<cache>/wasm3-src/ab/wasm3",
                                     "-I<workload>/include", "-I~/lib", "-DX=/usr/include"]
    assert out["build"]["files"] == ["<workload>/kernel.c"] and out["build"]["n"] == 3
    assert portable({"p": f"{pkg}x/y"}, where) == {"p": f"{pkg}x/y"}  # a mere prefix of a name is no root


def test_a_stored_cell_holds_no_path_of_this_machine(tmp_path):
    run = api.bench(devices="pico", runtimes="wasm3", workloads="crc16:5", langs="c", db=tmp_path / "s.sqlite")
    (cell,) = run.results
    assert cell.status == "ok", cell.error
    text = json.dumps(cell.provenance)
    pkg = str(Path(__import__("wasmcu").__file__).resolve().parent)
    assert pkg not in text and str(Path.home()) not in text
    assert "-I<wasmcu>/backends/firmware" in cell.provenance["build"]["flags"]
