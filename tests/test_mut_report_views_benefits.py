"""report.benefits: the portability, update, containment and trade-off tables on synthetic result rows."""

import math

from wasmcu.model import ERROR, OK, Cell, Result
from wasmcu.report import benefits
from wasmcu.report.benefits import (containment_rows, html_sections, html_table, markdown, markdown_sections,
                                    portability_rows, tradeoff_page, tradeoff_rows, update_rows)

SHA_A, SHA_B, SHA_C, SHA_D = "a" * 64, "b" * 64, "c" * 64, "d" * 64


def _r(workload, runtime, device, status=OK, n=10, lang="c", build="o2", **fields):
    extra = fields.pop("extra", {})
    return Result(Cell(workload, n, lang, runtime, device, build), backend="t", status=status, extra=extra, **fields)


def _mod(sha, **more):
    return dict(module_sha256=sha, module_bytes=12345, **more)


# -- portability ---------------------------------------------------------------------------------

def test_portability_header():
    assert portability_rows([])[0] == ["kernel", "module sha256 (first 16)", "module bytes", "devices where it ran",
                                       "runtimes", "every result agreed", "derived artefacts (kind, sha256, device)"]
    assert portability_rows([])[1] == []


def test_portability_rows():
    rs = [
        _r("crc", "wasm3", "pico", checksum=5, extra=_mod(SHA_A)),
        _r("crc", "wamr-aot", "esp32", checksum=5,
           extra=_mod(SHA_A, derived_kind="aot", derived_sha256="e" * 64)),
        _r("aes", "wasm3", "pico", checksum=1, n=1, extra=_mod(SHA_B)),
        _r("aes", "wasmtime", "host", checksum=2, n=1, extra=_mod(SHA_B)),
        _r("aes", "wamr-fast", "pico", status=ERROR, n=1, extra=_mod(SHA_B)),
        _r("zz", "wasm3", "pico", status=ERROR, extra=_mod(SHA_C)),
        _r("mm", "wasm3", "pico", checksum=3, extra=_mod(SHA_D)),
        _r("mm", "wasmtime", "host", checksum=None, extra=_mod(SHA_D)),
        _r("oob", "wasm3", "pico", checksum=1, extra=_mod("f" * 64, misbehaviour="oob-write")),
        _r("plain", "native", "pico", checksum=1),
    ]
    head, rows = portability_rows(rs)
    assert rows == [
        ["aes:1/c", "b" * 16, "12,345", "host, pico", "wasm3, wasmtime", "no: 2 checksums; wamr-fast/pico: error", "–"],
        ["crc:10/c", "a" * 16, "12,345", "esp32, pico", "wamr-aot, wasm3", "yes: 2 cells, checksum 0x00000005",
         "aot eeeeeeeeeeee on esp32"],
        ["mm:10/c", "d" * 16, "12,345", "pico", "wasm3", "no: 1 checksums", "–"],
        ["zz:10/c", "c" * 16, "12,345", "", "", "no cell ran it", "–"],
    ]


def test_portability_rows_of_one_kernel_are_ordered_by_size_then_hash():
    rs = [_r("k", "wasm3", "pico", n=20, checksum=1, extra=_mod(SHA_A)),
          _r("k", "wasm3", "pico", n=10, checksum=1, extra=_mod(SHA_D)),
          _r("k", "wasm3", "host", n=10, checksum=1, extra=_mod(SHA_B))]
    assert [row[1][0] for row in portability_rows(rs)[1]] == ["b", "d", "a"]


# -- update --------------------------------------------------------------------------------------

FULL_UPDATE = dict(update_bytes=2048, update_part="module (.wasm)",
                   update_bytes_compressed={"lzma": 1000, "heatshrink": 1500}, update_delta_bytes=300,
                   update_link="uart", update_time_s=0.5, update_time_s_range=[0.25, 2.5],
                   update_time_parts={"transfer": {"s": 0.4, "kind": "modelled"},
                                      "load": {"s": 0.1, "kind": "estimated"}},
                   update_energy_uj=1234567.0)


def test_update_header():
    assert update_rows([])[0] == ["device", "kernel", "runtime", "what is shipped", "bytes", "LZMA", "heatshrink",
                                  "delta (detools)", "link", "update time (modelled) [range]", "parts", "energy mJ"]


def test_update_rows():
    rs = [
        _r("crc", "wasm3", "pico", extra=FULL_UPDATE),
        _r("crc", "native", "esp32", extra=dict(update_bytes=1234567, update_part="image")),
        _r("crc", "wasmtime", "a-host", status=ERROR, extra=FULL_UPDATE),
        _r("crc", "wamr-fast", "a-board", extra={"module_sha256": SHA_A}),
        _r("oob", "wasm3", "a-dev", extra=dict(FULL_UPDATE, misbehaviour="oob-write")),
    ]
    head, rows = update_rows(rs)
    assert rows == [
        ["esp32", "crc:10/c", "native", "image", "1,234,567", "0", "0", "–", "–", "–", "–", "–"],
        ["pico", "crc:10/c", "wasm3", "module (.wasm)", "2,048", "1,000", "1,500", "300", "uart",
         "500.0 ms [250.0 ms–2.50 s]", "transfer 400.0 ms (modelled), load 100.0 ms (estimated)", "1,234.6 (model)"],
    ]


def test_update_rows_sorted_by_device_then_kernel_then_runtime():
    u = dict(update_bytes=1, update_part="p")
    rs = [_r("b", "wasm3", "d1", extra=u), _r("a", "wasm3", "d2", extra=u), _r("a", "wasmtime", "d1", extra=u),
          _r("a", "wasm3", "d1", extra=u), _r("a", "wasm3", "d1", n=5, extra=u)]
    assert [(row[0], row[1], row[2]) for row in update_rows(rs)[1]] == [
        ("d1", "a:5/c", "wasm3"), ("d1", "a:10/c", "wasm3"), ("d1", "a:10/c", "wasmtime"), ("d1", "b:10/c", "wasm3"),
        ("d2", "a:10/c", "wasm3")]


def test_update_time_of_a_second_or_more_is_in_seconds():
    e = dict(update_bytes=1, update_part="p", update_time_s=1.0, update_time_s_range=[0.999, 12345.678])
    assert update_rows([_r("k", "wasm3", "pico", extra=e)])[1][0][9] == "1.00 s [999.0 ms–12,345.68 s]"


# -- containment ---------------------------------------------------------------------------------

def test_containment_header():
    assert containment_rows([])[0] == ["misbehaviour", "device", "runtime", "status", "outcome", "contained",
                                       "trap (the runtime's words)", "detected after µs", "note"]


def test_containment_rows():
    rs = [
        _r("oob", "wasm3", "pico", extra=dict(misbehaviour="oob-write", contained=True, outcome="trapped",
                                               trap="t" * 200, detect_us=1234.56, detect_kind="estimated",
                                               containment_note="n" * 200)),
        _r("loop", "wamr-fast", "pico", status=ERROR, error="e" * 300, extra=dict(contained=False)),
        _r("stack", "wasm3", "esp32", error="ignored", extra=dict(misbehaviour="stack-smash", contained=None,
                                                                   detect_us=5, containment_note="note")),
        _r("crc", "wasm3", "pico", extra=_mod(SHA_A)),
    ]
    head, rows = containment_rows(rs)
    assert rows == [
        ["loop", "pico", "wamr-fast", "error", "–", "NO", "–", "–", "e" * 160],
        ["oob-write", "pico", "wasm3", "ok", "trapped", "yes", "t" * 120, "1,234.6 (estimated)", "n" * 160],
        ["stack-smash", "esp32", "wasm3", "ok", "–", "–", "–", "5.0 ()", "note"],
    ]


def test_containment_rows_sorted_by_kernel_device_runtime():
    c = dict(contained=True)
    rs = [_r("b", "wasm3", "d1", extra=c), _r("a", "wasm3", "d2", extra=c), _r("a", "wasmtime", "d1", extra=c),
          _r("a", "wasm3", "d1", extra=c)]
    assert [(row[1], row[2]) for row in containment_rows(rs)[1]] == [("d1", "wasm3"), ("d1", "wasmtime"),
                                                                     ("d2", "wasm3"), ("d1", "wasm3")]
    assert [row[0] for row in containment_rows(rs)[1]] == ["a", "a", "a", "b"]


# -- trade-off -----------------------------------------------------------------------------------

def _tradeoff_run():
    upd = dict(update_bytes=2048, update_part="module (.wasm) of the kernel", update_time_s=0.5,
               update_time_s_range=[0.4, 0.6])
    return [
        # a device whose only cell failed: no row, and the rows after it still come
        _r("crc", "wasm3", "aaa", status=ERROR),
        # pico: estimated times, modelled energy
        _r("crc", "native", "pico", time_us=100, time_kind="estimated", flash_bytes=1000, ram_peak_bytes=400,
           energy_uj=10, energy_kind="model"),
        _r("aes", "native", "pico", time_us=100, time_kind="estimated", flash_bytes=1000, ram_peak_bytes=400,
           energy_uj=10, energy_kind="model"),
        _r("crc", "wasm3", "pico", time_us=500, time_kind="estimated", flash_bytes=3000, ram_static_bytes=800,
           energy_uj=40, energy_kind="model", extra=dict(_mod(SHA_A), **upd)),
        _r("aes", "wasm3", "pico", time_us=200, time_kind="estimated", flash_bytes=12000, ram_peak_bytes=3200,
           ram_static_bytes=100, energy_uj=10, energy_kind="model",
           extra=dict(_mod(SHA_B), update_bytes=4096, update_part="module (.wasm) of aes", update_time_s=1.5,
                            update_time_s_range=[1, 2])),
        _r("oob", "wasm3", "pico", extra=dict(misbehaviour="oob", contained=True)),
        _r("loop", "wasm3", "pico", extra=dict(misbehaviour="loop", contained=False)),
        _r("smash", "wasm3", "pico", status=ERROR, extra=dict(misbehaviour="smash", contained=True)),
        # the same module bytes ran on esp32 as well
        _r("crc", "wasm3", "esp32", time_us=700, time_kind="estimated", extra=_mod(SHA_A)),
        # host: measured times; a containment cell without a time kind does not make them estimated
        _r("crc", "native", "host", time_us=10, time_kind="measured", flash_bytes=None),
        _r("crc", "wasmtime", "host", time_us=30, time_kind="measured", energy_uj=5, energy_kind="measured"),
        _r("oob", "wasmtime", "host", time_us=1, energy_uj=1, energy_kind="model",
           extra=dict(misbehaviour="oob", contained=True)),
    ]


def test_tradeoff_header():
    assert tradeoff_rows([])[0] == ["device", "runtime", "mode", "slowdown × native", "flash × native",
                                    "peak RAM × native", "energy × native", "same module bytes ran on",
                                    "update ships (mean)", "update time (mean)", "misbehaviours contained"]


def test_tradeoff_rows():
    head, rows = tradeoff_rows(_tradeoff_run())
    by = {(row[0], row[1]): row for row in rows}
    assert [k for k in by] == [("esp32", "wasm3"), ("host", "native"), ("host", "wasmtime"), ("pico", "native"),
                               ("pico", "wasm3")]
    geo = lambda *v: f"{math.prod(v) ** (1 / len(v)):,.2f}×"  # noqa: E731
    assert by[("pico", "wasm3")] == [
        "pico", "wasm3", "interpreter", geo(5, 2) + " (est.)", geo(3, 12), geo(2, 8), geo(4, 1) + " (model)",
        "2 device(s)", f"{(2048 + 4096) / 2 / 1024:,.2f} KB (module)", "1.00 s (model)", "1 of 2"]
    assert by[("pico", "native")] == ["pico", "native", "native", "–", "–", "–", "–", "–", "–", "–", "–"]
    assert by[("host", "wasmtime")] == ["host", "wasmtime", "jit", "3.00×", "–", "–", "–", "–", "–", "–", "1 of 1"]
    assert by[("esp32", "wasm3")] == ["esp32", "wasm3", "interpreter", "–", "–", "–", "–", "2 device(s)", "–", "–",
                                      "–"]


def test_tradeoff_compares_each_build_with_its_own_native_build():
    def cell(runtime, build, time_us, flash):
        return _r("crc", runtime, "pico", build=build, time_us=time_us, time_kind="estimated", flash_bytes=flash)

    rows = tradeoff_rows([cell("native", "o2", 100, 1000), cell("wasm3", "o2", 400, 3000),
                          cell("native", "sdk", 50, 2000), cell("wasm3", "sdk", 800, 8000)])[1]
    [wasm3] = [row for row in rows if row[1] == "wasm3"]
    assert wasm3[3:5] == [f"{(4 * 16) ** 0.5:,.2f}× (est.)", f"{(3 * 4) ** 0.5:,.2f}×"]


def test_tradeoff_update_time_is_left_out_when_the_first_cell_has_none():
    rs = [_r("crc", "wasm3", "pico", extra=dict(update_bytes=1024, update_part="image"))]
    row = tradeoff_rows(rs)[1][0]
    assert row[8:10] == ["1.00 KB (image)", "–"]


# -- writing the tables --------------------------------------------------------------------------

def test_markdown_and_html_of_a_table():
    table = (["a", "b<"], [["1", "x|y"], ["<i>", 2]])
    assert markdown(table) == "| a | b< |\n|---|---|\n| 1 | x\\|y |\n| &lt;i&gt; | 2 |\n"
    assert html_table(table) == ("<table><tr><th>a</th><th>b&lt;</th></tr><tr><td>1</td><td>x|y</td></tr>"
                                 "<tr><td>&lt;i&gt;</td><td>2</td></tr></table>")
    assert markdown((["a"], [])) == "No cell of this run has these figures.\n"
    assert html_table((["a"], [])) == "<p>No cell of this run has these figures.</p>"


def test_markdown_sections_with_and_without_containment():
    rs = _tradeoff_run()
    md = markdown_sections(rs)
    heads = [line for line in md.split("\n") if line.startswith("## ")]
    assert heads == ["## Same bytes everywhere", "## Updating the code", "## Containment", "## Costs beside benefits"]
    assert md.startswith("\n## Same bytes everywhere\n\n" + benefits.PORTABILITY_NOTE + "\n\n" +
                         markdown(portability_rows(rs)) + "\n## Updating the code\n\n")
    assert md.endswith("\n## Costs beside benefits\n\n" + markdown(tradeoff_rows(rs)))
    assert benefits.CONTAINMENT_NOTE in md and markdown(containment_rows(rs)) in md
    plain = [r for r in rs if "misbehaviour" not in r.extra]
    md2 = markdown_sections(plain)
    assert "## Containment" not in md2 and benefits.CONTAINMENT_NOTE not in md2
    assert benefits.UPDATE_NOTE in md2 and markdown(update_rows(plain)) in md2


def test_html_sections_with_and_without_containment():
    rs = _tradeoff_run()
    page = html_sections(rs)
    assert page == ("<h2>Same bytes everywhere</h2><p>" + benefits.html.escape(benefits.PORTABILITY_NOTE) + "</p>"
                    + html_table(portability_rows(rs)) + "<h2>Updating the code</h2><p>"
                    + benefits.html.escape(benefits.UPDATE_NOTE) + "</p>" + html_table(update_rows(rs))
                    + "<h2>Containment</h2><p>" + benefits.html.escape(benefits.CONTAINMENT_NOTE) + "</p>"
                    + html_table(containment_rows(rs)))
    plain = [r for r in rs if "misbehaviour" not in r.extra]
    assert html_sections(plain).endswith("<h2>Updating the code</h2><p>" + benefits.html.escape(benefits.UPDATE_NOTE)
                                         + "</p>" + html_table(update_rows(plain)))


def test_tradeoff_page():
    rs = _tradeoff_run()
    page = tradeoff_page(rs, "body{color:red}")
    assert page.startswith("<!doctype html><html><head><meta charset='utf-8'><title>wasmcu: costs beside benefits"
                           "</title><style>body{color:red}</style></head><body><h1>Costs beside benefits</h1><p>")
    assert page.endswith("</p>" + html_table(tradeoff_rows(rs)) + html_sections(rs) + "</body></html>")


def test_tradeoff_slowdown_is_estimated_when_any_cell_is():
    rs = [_r("a", "native", "board", time_us=10, time_kind="measured"),
          _r("b", "native", "board", time_us=10, time_kind="measured"),
          _r("a", "wasm3", "board", time_us=40, time_kind="measured"),
          _r("b", "wasm3", "board", time_us=10, time_kind="estimated")]
    row = {r[1]: r for r in tradeoff_rows(rs)[1]}["wasm3"]
    assert row[3] == "2.00× (est.)"
    measured = [r.replace(time_kind="measured") for r in rs]
    assert {r[1]: r for r in tradeoff_rows(measured)[1]}["wasm3"][3] == "2.00×"


def test_what_a_runtime_said_is_shown_in_markdown_never_rendered():
    evil = "<script>alert(1)</script> | [link](http://x)"
    rs = [_r("oob", "wasm3", "pico", error=evil, extra=dict(misbehaviour="oob-write", contained=False, trap=evil))]
    md = markdown(containment_rows(rs))
    assert "<script>" not in md and "&lt;script&gt;" in md and "[link]" not in md
    row = md.splitlines()[2]
    assert row.count(" | ") == len(containment_rows(rs)[0]) - 1  # its pipes made no columns of their own
    assert "<script>" not in markdown_sections(rs)
