"""The HTML page of a run, on a few synthetic result rows: read back with an HTML parser, its
headings, notes, tables (cells and classes), figures and provenance are what the results say."""

import base64
import json
from html.parser import HTMLParser

import pytest

from wasmcu.model import Cell, Result
from wasmcu.report.html import CSS, _img, headline, render
from wasmcu.report.modes import by_mode


class Page(HTMLParser):
    """A page's parts; text outside of them is `stray` (there should be none)."""

    TEXT = ("h1", "h2", "h3", "li", "p", "pre", "td", "th", "title", "style")

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.stack, self.stray, self.imgs = [], [], []
        self.parts = {t: [] for t in self.TEXT}
        self.tables = []
        self.feed(text)
        self.close()
        assert not self.stack, self.stack

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("img", "meta"):
            if tag == "img":
                self.imgs.append(attrs)
            return
        self.stack.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.tables[-1][-1].append([attrs.get("class"), ""])
        if tag in self.TEXT:
            self.parts[tag].append("")

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()

    def handle_data(self, data):
        for tag in reversed(self.stack):
            if tag in ("td", "th"):
                self.tables[-1][-1][-1][1] += data
            if tag in self.TEXT:
                self.parts[tag][-1] += data
                return
        if data.strip():
            self.stray.append(data)

    def rows(self, i):
        return [[text for _, text in row] for row in self.tables[i]]

    def classes(self, i):
        return [[cls for cls, _ in row] for row in self.tables[i]]


def res(rt, device="host", wl="crc", status="ok", build="o2", **kw):
    if device == "host":
        kw.setdefault("time_kind", "measured")
    else:
        kw.setdefault("time_kind", "estimated")
    return Result(Cell(wl, 10, "c", rt, device, build), "host" if device == "host" else "qemu", status=status, **kw)


def sample():
    return [
        res("native", time_us=2.0, time_us_ci=[1.9, 2.1], checksum=0x1F, verified_by="oracle", load_us=12.34),
        res("wasm3", time_us=40.0, time_us_ci=[39.0, 41.0], checksum=0x1F, verified_by="oracle", load_us=1500.0,
            extra={"warning": "noisy <b>"}),
        res("native", "pico", time_us=80.0, cycles=10_000, instructions=5000, flash_bytes=2048, ram_static_bytes=1024,
            ram_peak_bytes=3072, energy_uj=1.5, energy_kind="model", checksum=0x1F, verified_by="oracle",
            extra={"uf2_bytes": 4096, "ram_needed_bytes": 5120}, provenance={"build": {"compiler": "gcc 13"}}),
        res("wasm3", "pico", time_us=800.0, cycles=100_000, flash_bytes=102_400, runtime_flash_bytes=51_200,
            energy_uj=12.0, energy_kind="model", checksum=0x1F, verified_by="oracle",
            provenance={"runtime_versions": {"wasm3": "0.5.0"}, "build": {"compiler": "clang 17"}}),
        res("v8-turbofan", status="unsupported", error="no v8 here"),
        res("wasmtime", time_us=4.0, time_us_ci=[3.9, 4.1]),
        res("wasm3", "pico", wl="fib", status="error", error="boom <x>", error_kind="crash"),
        res("wasm3", wl="aes", status="mismatch", error="checksum 0x2 != 0x1", checksum=2, expected=1),
    ]


@pytest.fixture
def png(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(0.5, 0.5))
    paths = {}
    for name in ("modes", "time", "extra"):
        paths[name] = tmp_path / f"{name}.png"
        fig.savefig(paths[name], dpi=10)
    plt.close(fig)
    return paths


def page(figures=None, run=None):
    run = run if run is not None else {"id": 7, "provenance": json.dumps({"git_revision": "abc", "n": [1, 2]})}
    return Page(render(sample(), run, figures or {}, ("crc", 10, "c"), extra_html="<p>extra <b>part</b></p>"))


# --- headline -----------------------------------------------------------------------------------

def test_headline_counts_cells_by_status_unsupported_is_not_a_failure():
    assert headline(sample()) == "8 cells: 5 ok, 1 unsupported, 2 failed (1 mismatch, 1 error)"
    assert headline(sample()[:2]) == "2 cells: 2 ok, 0 unsupported, 0 failed"
    assert headline([res("x", status="does-not-fit"), res("y", status="unverified"), res("z", status="error"),
                     res("z", status="does-not-fit")]) == \
        "4 cells: 0 ok, 0 unsupported, 4 failed (1 error, 2 does-not-fit, 1 unverified)"
    assert headline([]) == "0 cells: 0 ok, 0 unsupported, 0 failed"


def test_img_embeds_the_png_with_its_name(tmp_path):
    path = tmp_path / "a&b.png"
    data = b"\x89PNG fake"
    path.write_bytes(data)
    assert _img(path) == f'<img alt="a&amp;b" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


# --- the page -----------------------------------------------------------------------------------

def test_page_is_well_formed_with_its_headings_in_order_and_no_stray_text(png):
    p = page(png)
    assert p.stray == []
    assert p.parts["title"] == ["wasmcu report"]
    assert p.parts["style"] == [CSS]
    assert p.parts["h1"] == ["wasmcu report"]
    assert p.parts["h2"] == [
        "What was measured and what was modelled", "Figures",
        "Execution modes: geometric mean of ratio to native (×/÷ geometric SD, cells)",
        "Score per runtime and device: geometric mean of runtime ÷ native (×/÷ geometric SD, cells)",
        "Overhead: runtime ÷ native", "All cells", "Cells that failed or were unsupported", "Provenance"]
    assert p.parts["h3"] == ["Tools and runtimes"]
    text = render(sample(), {"id": 7}, png, ("crc", 10, "c"))
    assert text.startswith("<!doctype html><html><head><meta charset='utf-8'><title>")
    assert text.endswith("</pre>\n</body></html>") and text.count("</pre>") == 2 and "<h3>Tools and runtimes</h3><pre>" in text


def test_page_says_what_was_measured_and_how_checksums_were_checked():
    p = page()
    assert p.parts["p"][0] == ("Run 7: 8 cells: 5 ok, 1 unsupported, 2 failed (1 mismatch, 1 error). "
                               "Figures show crc:10 in c.")
    li = p.parts["li"]
    assert len(li) == 6
    assert li[0] == ("Host times are measured with the OS clock in-process, per call, after warm-up: median of the "
                     "samples with a bootstrap 95% confidence interval; outliers are flagged by MAD.")
    assert li[1] == ("Emulated boards (QEMU): instruction counts are exact and deterministic; cycles are estimated by "
                     "a per-core cycle model (instruction classes, taken-branch penalties) from the device profile; "
                     "time = cycles ÷ clock. They are estimates, not measurements.")
    assert li[2] == "Energy on emulated boards is modelled: datasheet active power × estimated time."
    assert li[3] == ("Real boards (backend board): time is measured by the chip's own timer around the call; cycles "
                     "are measured where the chip has a cycle counter (nRF5340: DWT); energy is measured with a PPK2 "
                     "when one powers the board (V·ΣI·Δt over the kernel's marker window), and absent otherwise.")
    assert li[4] == ("Footprint: flash and static RAM read from the firmware ELF; peak RAM adds the heap and "
                     "painted-stack high-water marks the firmware reports. On the host, RAM is the process's peak RSS.")
    assert li[5] == "Checksums: Checksums were verified against the workload's Python oracle (crc)."
    assert "extra part" in p.parts["p"]


def test_page_embeds_the_known_figures_in_a_fixed_order(png):
    p = page(png)
    assert [i["alt"] for i in p.imgs] == ["time", "modes"]
    assert base64.b64decode(p.imgs[0]["src"].split(",", 1)[1]) == png["time"].read_bytes()
    assert page().imgs == []


def test_page_mode_table_has_a_row_per_device_and_mode():
    p = page()
    summary = by_mode(sample())
    interp = summary[("host", "interpreter", "time")]
    assert p.rows(0) == [
        ["device", "mode", "time", "flash", "peak RAM", "energy"],
        ["host", "native", "1.00× (×/÷1.00, 1)", "", "", ""],
        ["host", "jit", "2.00× (×/÷1.00, 1)", "", "", ""],
        ["host", "interpreter", f"{interp.geomean:,.2f}× (×/÷1.00, 1)", "", "", ""],
        ["pico", "native", "1.00× (×/÷1.00, 1)", "1.00× (×/÷1.00, 1)", "1.00× (×/÷1.00, 1)", "1.00× (×/÷1.00, 1)"],
        ["pico", "interpreter", "10.00× (×/÷1.00, 1)", "50.00× (×/÷1.00, 1)", "", "8.00× (×/÷1.00, 1)"]]
    assert p.classes(0)[1] == [None, None, "num", None, None, None]
    assert p.classes(0)[5] == [None, None, "num est", "num", None, "num est"]


def test_page_overhead_table_by_device_then_mode():
    p = page()
    assert p.rows(2) == [
        ["device", "mode", "workload", "runtime", "time µs", "× native", "kind"],
        ["host", "native", "crc:10/c", "native", "2.0 [1.9–2.1]", "1.00×", "measured"],
        ["host", "jit", "crc:10/c", "wasmtime", "4.0 [3.9–4.1]", "2.00×", "measured"],
        ["host", "interpreter", "crc:10/c", "wasm3", "40.0 [39.0–41.0]", "20.00×", "measured"],
        ["pico", "native", "crc:10/c", "native", "80.0 (est. from 10,000 cycles)", "1.00×", "estimated"],
        ["pico", "interpreter", "crc:10/c", "wasm3", "800.0 (est. from 100,000 cycles)", "10.00×", "estimated"]]
    assert [row[-1] for row in p.classes(2)[1:]] == ["", "", "", "est", "est"]


def test_page_overhead_table_names_a_build_and_compares_it_with_its_own_native_build():
    rs = [res("native", "pico", time_us=80.0, time_kind="measured"), res("wasm3", "pico", time_us=800.0, time_kind="measured"),
          res("native", "pico", build="sdk", time_us=40.0, time_kind="measured"),
          res("wasm3", "pico", build="sdk", time_us=800.0, time_kind="measured")]
    rows = Page(render(rs, None, {}, ("crc", 10, "c"))).rows(2)
    assert [row[2:6] for row in rows[1:]] == [["crc:10/c", "native", "80.0", "1.00×"],
                                              ["crc:10/c/sdk", "native", "40.0", "1.00×"],
                                              ["crc:10/c", "wasm3", "800.0", "10.00×"],
                                              ["crc:10/c/sdk", "wasm3", "800.0", "20.00×"]]


def test_page_lists_every_cell_with_its_figures():
    p = page()
    rows = p.rows(3)
    assert rows[0] == ["cell", "status", "checksum", "verified by", "time µs", "load µs", "instructions", "flash KB",
                       "RAM static KB", "RAM peak KB", "RAM needed KB", "runtime share flash KB", "UF2 KB",
                       "energy µJ", "notes"]
    assert rows[1:] == [
        ["aes:10/c/wasm3/host", "mismatch", "0x2", "", "–", "", "", "", "", "", "", "", "", "", ""],
        ["crc:10/c/native/host", "ok", "0x1f", "oracle", "2.0 [1.9–2.1]", "12.3", "", "", "", "", "", "", "", "", ""],
        ["crc:10/c/native/pico", "ok", "0x1f", "oracle", "80.0 (est. from 10,000 cycles)", "", "5,000", "2.0", "1.0",
         "3.0", "5.0", "", "4.0", "1.50 (model)", ""],
        ["crc:10/c/v8-turbofan/host", "unsupported", "", "", "–", "", "", "", "", "", "", "", "", "", ""],
        ["crc:10/c/wasm3/host", "ok", "0x1f", "oracle", "40.0 [39.0–41.0]", "1,500.0", "", "", "", "", "", "", "",
         "", "noisy <b>"],
        ["crc:10/c/wasm3/pico", "ok", "0x1f", "oracle", "800.0 (est. from 100,000 cycles)", "", "", "100.0", "", "",
         "", "50.0", "", "12.00 (model)", ""],
        ["crc:10/c/wasmtime/host", "ok", "", "", "4.0 [3.9–4.1]", "", "", "", "", "", "", "", "", "", ""],
        ["fib:10/c/wasm3/pico", "error", "", "", "–", "", "", "", "", "", "", "", "", "", ""]]
    assert [row[1] for row in p.classes(3)[1:]] == ["bad", "", "", "", "", "", "", "bad"]


def test_page_lists_failures_first_then_unsupported_cells_with_their_reasons():
    p = page()
    assert p.rows(4) == [["cell", "status", "reason"],
                         ["aes:10/c/wasm3/host", "mismatch", "checksum 0x2 != 0x1"],
                         ["fib:10/c/wasm3/pico", "error", "boom <x>"],
                         ["crc:10/c/v8-turbofan/host", "unsupported", "no v8 here"]]
    assert [row[1] for row in p.classes(4)[1:]] == ["bad", "bad", None]
    ok = Page(render(sample()[:2], {"id": 1}, {}, ("crc", 10, "c")))
    assert ok.parts["p"][-1] == "None." and len(ok.tables) == 4


def test_page_provenance_and_tool_versions():
    p = page()
    assert json.loads(p.parts["pre"][0]) == {"git_revision": "abc", "n": [1, 2]}
    assert p.parts["pre"][0] == json.dumps({"git_revision": "abc", "n": [1, 2]}, indent=1)
    assert json.loads(p.parts["pre"][1]) == {"wasm3": "0.5.0", "compilers": ["clang 17", "gcc 13"]}
    none = Page(render(sample()[:1], None, {}, ("crc", 10, "c")))
    assert none.parts["p"][0].startswith("Run : 1 cells") and none.parts["pre"] == ["{}", "{}"]
    empty = Page(render(sample()[:1], {"id": 3, "provenance": ""}, {}, ("crc", 10, "c")))
    assert empty.parts["pre"][0] == "{}"
