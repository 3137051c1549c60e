"""report.versions: runtimes that ran at several versions, side by side, on synthetic result rows."""

from wasmcu.model import OK, Cell, Result
from wasmcu.report.versions import _cell_text, _fmt, version_rows, versions_html, versions_markdown


def _r(runtime, version, device="pico", status=OK, **fields):
    prov = {"runtime": {"name": runtime, "version": version, "source_sha256": "ab" * 32}} if version else {}
    return Result(Cell("crc16", 100, "c", runtime, device), backend="t", status=status, provenance=prov, **fields)


def test_fmt():
    assert _fmt(None) == "-"
    assert _fmt(1234567) == "1,234,567" and _fmt(1234, " B") == "1,234 B"
    assert _fmt(1234.56, " µs") == "1,234.6 µs"


def test_version_rows():
    rs = [_r("wasm3", "0.5.0", time_us=10.0, cycles=1000, flash_bytes=2000, ram_peak_bytes=300,
             extra={"stack_hwm_bytes": 512}),
          _r("wasm3@0.9.0", "0.9.0", time_us=12.5, cycles=1250, flash_bytes=2100, ram_peak_bytes=310,
             extra={"stack_needed_bytes": 400, "stack_hwm_bytes": 600}),
          _r("wasmtime", "20.0", time_us=1.0)]
    (row,) = version_rows(rs)
    assert row["family"] == "wasm3" and row["device"] == "pico" and row["workload"] == "crc16:100" and row["lang"] == "c"
    assert row["versions"] == {
        "wasm3 (0.5.0)": {"status": "ok", "time_us": 10.0, "cycles": 1000, "flash_bytes": 2000, "ram_peak_bytes": 300,
                          "stack_bytes": 512, "error": None, "rss_bytes": None},
        "wasm3@0.9.0": {"status": "ok", "time_us": 12.5, "cycles": 1250, "flash_bytes": 2100, "ram_peak_bytes": 310,
                        "stack_bytes": 400, "error": None, "rss_bytes": None},
    }


def test_cell_text():
    board = {"status": "ok", "time_us": 12.5, "flash_bytes": 2100, "ram_peak_bytes": 310, "stack_bytes": None}
    assert _cell_text(board) == "12.5 µs; flash 2,100 B; RAM 310 B; stack - B"
    host = {"status": "ok", "time_us": 3.25, "flash_bytes": None, "rss_bytes": 4_000_000}
    assert _cell_text(host) == "3.2 µs; RSS 4,000,000 B"
    assert _cell_text({"status": "error", "error": "x" * 100}) == "error: " + "x" * 80
    assert _cell_text({"status": "does-not-fit", "error": None}) == "does-not-fit"


def test_versions_markdown_and_html():
    rs = [_r("wasm3", "0.5.0", time_us=10.0, flash_bytes=2000, ram_peak_bytes=300),
          _r("wasm3@0.9.0", "0.9.0", time_us=12.5, flash_bytes=2100, ram_peak_bytes=310),
          _r("wasm3@0.9.0", "0.9.0", device="esp32", status="error", error="trap <x>")]
    md = versions_markdown(rs)
    lines = md.split("\n")
    i = lines.index("### wasm3")
    # the columns: each version in the order the rows (by device) first show it
    assert lines[i + 2] == r"| device | workload | lang | wasm3@0.9.0 | wasm3 \(0.5.0\) |"
    assert lines[i + 3] == "|---|---|---|---|---|"
    assert lines[i + 4] == "| esp32 | crc16:100 | c | error: trap &lt;x&gt; | - |"
    assert lines[i + 5] == ("| pico | crc16:100 | c | 12.5 µs; flash 2,100 B; RAM 310 B; stack - B "
                            "| 10.0 µs; flash 2,000 B; RAM 300 B; stack - B |")
    assert len(lines) == i + 7 and md.startswith("\n## Runtime versions\n")
    page = versions_html(rs)
    assert page.startswith("<h2>Runtime versions</h2>") and page.endswith("</table>")
    assert "<h3>wasm3</h3>" in page and "<th>wasm3@0.9.0</th><th>wasm3 (0.5.0)</th></tr>" in page
    assert "<tr><td>esp32</td><td>crc16:100</td><td>c</td><td>error: trap &lt;x&gt;</td><td>-</td></tr>" in page
    one = [r for r in rs if r.cell.runtime == "wasm3"]
    assert versions_markdown(one) == "" and versions_html(one) == "" and version_rows(one) == []


def test_a_cells_error_in_the_markdown_table_is_shown_never_rendered():
    evil = "<script>alert(1)</script> | col"
    rs = [_r("wasm3", "0.5.0", status="error", error=evil), _r("wasm3@0.9.0", "0.9.0", time_us=1.0)]
    md = versions_markdown(rs)
    assert "<script>" not in md
    row = next(line for line in md.splitlines() if line.startswith("| pico"))
    assert row.count(" | ") == 4  # the error's pipe made no column of its own
