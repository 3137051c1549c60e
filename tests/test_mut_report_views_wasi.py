"""report.wasi: the WASI programs' section, from a few synthetic result rows."""

from wasmcu.model import ERROR, OK, Cell, Result
from wasmcu.report import wasi
from wasmcu.report.wasi import COLUMNS, NOTE, _rows, html_section, markdown_section


def _r(workload, device="host", runtime="wasm3", status=OK, **extra):
    return Result(Cell(workload, 1, "c", runtime, device), backend="t", status=status, extra=extra)


FULL = dict(wasi_exit_code=3, stdout="hi\nthere", stdout_bytes=1234567, wasi_flash_bytes=20480, wasi_ram_bytes=1536,
            wasi_layer_flash_bytes=12000, wasi_layer_ram_bytes=1000, wasi_binding_flash_bytes=8480,
            wasi_binding_ram_bytes=536)


def test_a_full_row():
    assert _rows([_r("cmd", **FULL)]) == [
        ("cmd:1/c/wasm3/host", "ok", "3", "1,234,567", "hi⏎there", "20,480", "1,536", "12,000 / 1,000", "8,480 / 536")]


def test_cells_without_wasi_figures_are_left_out_and_the_rest_kept():
    rs = [_r("a-plain", device="a", stdout="x"), _r("b-exit", device="b", wasi_exit_code=0),
          _r("c-flash", device="c", wasi_flash_bytes=100), _r("d-plain", device="d")]
    rows = _rows(rs)
    assert [row[0] for row in rows] == ["b-exit:1/c/wasm3/b", "c-flash:1/c/wasm3/c"]
    assert rows[0][2:] == ("0", "–", "", "–", "–", "– / –", "– / –")
    assert rows[1][2:] == ("–", "–", "", "100", "–", "– / –", "– / –")


def test_rows_are_sorted_by_device_then_workload_then_runtime():
    rs = [_r("w", device="z", wasi_exit_code=1), _r("w", device="a", runtime="wasmtime", wasi_exit_code=1),
          _r("v", device="a", wasi_exit_code=1), _r("w", device="a", runtime="wamr-fast", wasi_exit_code=1)]
    assert [row[0] for row in _rows(rs)] == ["v:1/c/wasm3/a", "w:1/c/wamr-fast/a", "w:1/c/wasmtime/a", "w:1/c/wasm3/z"]


def test_stdout_is_cut_at_80_characters():
    assert _rows([_r("w", wasi_exit_code=0, stdout="x" * 80)])[0][4] == "x" * 80
    assert _rows([_r("w", wasi_exit_code=0, stdout="y" * 81)])[0][4] == "y" * 80 + "…"
    assert _rows([_r("w", wasi_exit_code=0, stdout=None)])[0][4] == ""


def test_a_failed_cell_shows_its_status_and_none_figures_as_dashes():
    row = _rows([_r("w", status=ERROR, wasi_flash_bytes=None, stdout_bytes=None)])[0]
    assert row[1:] == ("error", "–", "–", "", "–", "–", "– / –", "– / –")


def test_no_wasi_cell_no_section():
    rs = [_r("plain"), _r("other", stdout="x")]
    assert markdown_section(rs) == "" and html_section(rs) == ""
    assert markdown_section([]) == "" and html_section([]) == ""


def test_markdown_section():
    md = markdown_section([_r("cmd", **FULL), _r("plain")])
    lines = md.split("\n")
    assert lines[:4] == ["", "## WASI programs", "", NOTE]
    assert lines[5] == "| " + " | ".join(COLUMNS) + " |"
    assert lines[6] == "|---|---|---:|---:|---|---:|---:|---:|---:|"
    assert lines[7] == r"| cmd:1/c/wasm3/host | ok | 3 | 1,234,567 | hi⏎there | 20,480 | 1,536 | 12,000 / 1,000 | 8,480 / 536 |"
    assert len(lines) == 9 and md.endswith("|\n")


def test_markdown_escapes_what_a_program_printed():
    md = markdown_section([_r("cmd", wasi_exit_code=0, stdout="<b>|x")])
    assert "&lt;b&gt;\\|x" in md and "<b>" not in md


def test_html_section():
    page = html_section([_r("cmd", **FULL), _r("tag", wasi_exit_code=0, stdout="<script>&")])
    assert page.startswith(f"<h2>WASI programs</h2><p>{NOTE.replace(chr(39), '&#x27;')}</p><table><tr><th>cell</th>")
    assert page.count("<tr>") == 3 and page.endswith("</tr></table>")
    assert "<td>hi⏎there</td>" in page and "<td>&lt;script&gt;&amp;</td>" in page and "<script>" not in page
    assert "<td>12,000 / 1,000</td>" in page
    assert wasi.html_section([_r("plain")]) == ""
