"""The report's tables on a few synthetic result rows: time per runtime with the ratio to native,
every cell's row (Markdown, CSV), and the time, energy and checksum notes they are made of."""

import csv

from wasmcu.model import Cell, Result
from wasmcu.report import tables
from wasmcu.report.tables import (CSV_FIELDS, fmt_energy, fmt_time, native_of, overhead, results_markdown, row,
                                  time_table_markdown, verification_note, write_csv)


def res(rt="wasm3", wl="crc", n=10, lang="c", device="host", build="o2", **kw):
    kw.setdefault("status", "ok")
    return Result(Cell(wl, n, lang, rt, device, build), kw.pop("backend", "host"), **kw)


def measured(rt, t, **kw):
    return res(rt, time_us=t, time_kind="measured", **kw)


# --- time formats -----------------------------------------------------------------------------

def test_short_time_is_the_status_when_not_ok_or_untimed():
    assert tables._fmt_time(res(status="error", time_us=5.0, time_kind="measured")) == "error"
    assert tables._fmt_time(res(time_us=None)) == "ok"


def test_short_time_of_a_measured_cell_and_of_an_estimate_with_and_without_its_range():
    assert tables._fmt_time(measured("wasm3", 1234.56)) == "1,234.6"
    est = res(time_us=1234.56, time_kind="estimated", extra={"time_us_range": [1000.0, 2000.04]})
    assert tables._fmt_time(est) == "1,234.6 (est. [1,000.0–2,000.0])"
    assert tables._fmt_time(res(time_us=3.0, time_kind="estimated")) == "3.0 (est.)"


def test_fmt_time_measured_with_and_without_ci():
    assert fmt_time(res(time_us=1500.0, time_kind="measured", time_us_ci=[1400.0, 1600.56])) \
        == "1,500.0 [1,400.0–1,600.6]"
    assert fmt_time(res(time_us=1500.0, time_kind="measured")) == "1,500.0"


def test_fmt_time_estimate_names_its_cycles_and_their_range():
    r = res(time_us=80.0, time_kind="estimated", cycles=10_000,
            extra={"cycles_range": [9_000, 12_000], "time_us_range": [72.0, 96.0]})
    assert fmt_time(r) == "80.0 [72.0–96.0] (est. from 10,000 cycles [9,000–12,000])"
    assert fmt_time(res(time_us=80.0, time_kind="estimated", cycles=10_000)) == "80.0 (est. from 10,000 cycles)"


def test_fmt_time_is_a_dash_when_not_ok_or_untimed():
    assert fmt_time(res(status="mismatch", time_us=3.0, time_kind="measured")) == "–"
    assert fmt_time(res(time_us=None)) == "–"


def test_fmt_energy_with_range_kind_and_scope():
    r = res(energy_uj=1234.567, energy_kind="model", extra={"energy_uj_range": [1000.0, 1500.123]})
    assert fmt_energy(r) == "1,234.57 [1,000.00–1,500.12] (model)"
    r = res(energy_uj=2.5, energy_kind="measured", extra={"energy_scope": "whole board"})
    assert fmt_energy(r) == "2.50 (measured, whole board)"
    assert fmt_energy(res(energy_uj=None)) == ""
    assert fmt_energy(res(energy_uj=0.0, energy_kind="model")) == ""


# --- ratios to native -------------------------------------------------------------------------

def test_native_of_keeps_ok_timed_native_cells_by_workload_size_language_device_and_build():
    nat = measured("native", 2.0)
    other_dev = measured("native", 3.0, device="pico")
    sdk = measured("native", 1.5, device="pico", build="sdk")
    results = [nat, other_dev, sdk, measured("wasm3", 40.0), measured("native", 0.0, lang="rust"),
               res("native", wl="fib", status="error", time_us=1.0), res("native", wl="sha", time_us=None)]
    assert native_of(results) == {("crc", 10, "c", "host", "o2"): nat, ("crc", 10, "c", "pico", "o2"): other_dev,
                                  ("crc", 10, "c", "pico", "sdk"): sdk}


def test_a_cell_of_one_build_is_compared_with_the_native_cell_of_the_same_build():
    natives = native_of([measured("native", 2.0, device="pico", build="sdk"), measured("native", 4.0, device="pico")])
    assert overhead(measured("wasm3", 40.0, device="pico"), natives) == 10.0
    assert overhead(measured("wasm3", 40.0, device="pico", build="sdk"), natives) == 20.0
    assert overhead(measured("wasm3", 40.0, device="pico", build="o2+clang"), natives) is None


def test_a_workload_is_labelled_with_its_build_unless_it_is_the_default():
    assert tables.workload_label(res(wl="crc16", n=100, lang="rust")) == "crc16:100/rust"
    assert tables.workload_label(res(wl="crc16", n=100, build="sdk")) == "crc16:100/c/sdk"


def test_overhead_is_time_over_native_time_of_the_same_cell_and_none_without_one():
    natives = native_of([measured("native", 2.0), measured("native", 5.0, device="pico")])
    assert overhead(measured("wasm3", 40.0), natives) == 20.0
    assert overhead(measured("wasm3", 40.0, device="pico"), natives) == 8.0
    assert overhead(measured("wasm3", 40.0, n=11), natives) is None
    assert overhead(res(status="error", time_us=40.0), natives) is None
    assert overhead(measured("wasm3", 0.0), natives) is None
    assert overhead(res(time_us=None), natives) is None


# --- the time table ---------------------------------------------------------------------------

def test_time_table_per_device_runtimes_by_mode_with_ratios():
    results = [measured("wasm3", 40.0), measured("native", 2.0), measured("wasmtime", 4.0),
               measured("wasm2c", 3.0), measured("native", 1.0, wl="fib"),
               res("wasm3", wl="fib", status="error"),
               res("native", device="pico", time_us=80.0, time_kind="estimated", cycles=10_000,
                   backend="qemu", extra={"time_us_range": [70.0, 90.0]}),
               res("wasm3", device="pico", time_us=800.0, time_kind="estimated", backend="qemu")]
    assert time_table_markdown(results) == "\n".join([
        "### host: execution time, µs (× native)\n",
        "| workload | native | wasm2c | wasmtime | wasm3 |",
        "|---|---:|---:|---:|---:|",
        "| *mode* | *native* | *aot* | *jit* | *interpreter* |",
        "| crc:10/c | 2.0 | 3.0 (1.50×) | 4.0 (2.00×) | 40.0 (20.00×) |",
        "| fib:10/c | 1.0 |  |  | error |",
        "",
        "### pico: execution time, µs (× native)\n",
        "| workload | native | wasm3 |",
        "|---|---:|---:|",
        "| *mode* | *native* | *interpreter* |",
        "| crc:10/c | 80.0 (est. [70.0–90.0]) | 800.0 (est.) (10.00×) |",
        "",
    ])


def test_time_table_has_a_row_per_build_each_compared_with_its_own_native_build():
    results = [measured("native", 2.0, device="pico"), measured("wasm3", 40.0, device="pico"),
               measured("native", 1.0, device="pico", build="sdk"), measured("wasm3", 30.0, device="pico", build="sdk")]
    assert time_table_markdown(results).splitlines()[-2:] == [
        "| crc:10/c | 2.0 | 40.0 (20.00×) |",
        "| crc:10/c/sdk | 1.0 | 30.0 (30.00×) |",
    ]


def test_time_table_escapes_names_and_orders_runtimes_of_one_mode_by_name():
    results = [measured("wamr-fast", 8.0, wl="a_b"), measured("wamr-classic", 9.0, wl="a_b")]
    assert time_table_markdown(results).splitlines()[2:6] == [
        "| workload | wamr-classic | wamr-fast |", "|---|---:|---:|", "| *mode* | *interpreter* | *interpreter* |",
        "| a\\_b:10/c | 9.0 | 8.0 |"]
    assert time_table_markdown([]) == ""


# --- one row per cell ---------------------------------------------------------------------------

def test_row_flattens_a_cell_with_its_ci_stats_and_extras():
    extra = {"stats": {"outliers": [1.0, 2.0, 3.0]}, "warning": "noisy", "uf2_bytes": 4096,
             "module_sha256": "ab", "update_bytes": 100, "contained": True, "detect_us": 1.5,
             "update_bytes_compressed": {"lzma": 60, "heatshrink": 70}, "run_once": True}
    r = res(time_us=5.0, time_us_ci=[4.0, 6.0], time_kind="measured", checksum=7, expected=7,
            flash_bytes=1000, extra=extra)
    d = row(r)
    assert list(d) == CSV_FIELDS
    assert (d["workload"], d["n"], d["lang"], d["runtime"], d["device"], d["backend"]) == \
        ("crc", 10, "c", "wasm3", "host", "host")
    assert (d["time_us"], d["time_us_ci_low"], d["time_us_ci_high"]) == (5.0, 4.0, 6.0)
    assert (d["checksum"], d["expected"], d["flash_bytes"], d["samples"]) == (7, 7, 1000, 0)
    assert (d["outliers"], d["warning"], d["uf2_bytes"]) == (3, "noisy", 4096)
    assert (d["module_sha256"], d["update_bytes"], d["contained"], d["detect_us"]) == ("ab", 100, True, 1.5)
    assert (d["update_bytes_lzma"], d["update_bytes_heatshrink"], d["run_once"]) == (60, 70, True)
    assert d["embench_verify"] is None and d["embench_relative_speed"] is None


def test_row_of_a_bare_cell_has_empty_fields():
    d = row(res(status="error", error="boom", error_kind="crash"))
    assert (d["status"], d["error"], d["error_kind"]) == ("error", "boom", "crash")
    assert d["time_us_ci_low"] is None and d["time_us_ci_high"] is None
    assert d["outliers"] is None and d["warning"] is None and d["uf2_bytes"] is None
    assert d["update_bytes_lzma"] is None and d["update_bytes_heatshrink"] is None and d["run_once"] is None
    assert row(res(extra={"stats": {"median": 1.0}}))["outliers"] == 0


def test_row_of_an_embench_cell_has_its_verdict_and_relative_speed():
    from wasmcu.workloads.embench import cell_relative_speed

    info = {"verify": "pass", "baseline_ms": 4.0, "lsf": 1, "warmup_heat": 1}
    r = res(time_us=2000.0, time_kind="measured", n=1, extra={"embench": info})
    d = row(r)
    assert d["embench_verify"] == "pass"
    assert d["embench_relative_speed"] == cell_relative_speed(r) and d["embench_relative_speed"] > 0


def test_write_csv_writes_the_header_and_one_row_per_cell_in_cell_order(tmp_path):
    path = tmp_path / "r.csv"
    write_csv([measured("wasm3", 40.0, extra={"uf2_bytes": 9}), measured("native", 2.0)], path)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == CSV_FIELDS
    assert [(r["runtime"], r["time_us"], r["uf2_bytes"]) for r in rows] == [("native", "2.0", ""), ("wasm3", "40.0", "9")]


# --- checksums and the table of every cell ------------------------------------------------------

def test_verification_note_names_how_each_workload_was_checked():
    assert verification_note([res()]) == "No checksum was checked in this run."
    rs = [res(wl="crc", verified_by="oracle"), res(wl="aes", verified_by="oracle"),
          res(wl="fib", verified_by="native-host"), res(wl="mod", verified_by="reference:wasmtime")]
    assert verification_note(rs) == (
        "Checksums were verified against the workload's Python oracle (aes, crc); and against the host's native "
        "result for the same language, n and seed, since these workloads have no oracle (fib); and against "
        "wasmtime's result on the host, since these prebuilt modules have no oracle (mod).")
    assert verification_note([res(verified_by="native-host")]) == (
        "Checksums were verified against the host's native result for the same language, n and seed, since these "
        "workloads have no oracle (crc).")


def test_results_markdown_lists_every_cell_sorted_with_its_figures_and_notes():
    ok = res("wasm3", device="pico", time_us=80.0, time_kind="estimated", cycles=10_000, flash_bytes=1_024_000,
             ram_static_bytes=1024, ram_peak_bytes=3072, energy_uj=1.5, energy_kind="model",
             extra={"warning": "slow *start*"}, verified_by="oracle")
    bad = res("wasm3", wl="aes", device="pico", status="error", error="x" * 300)
    host = measured("native", 2.0)
    text = results_markdown([ok, bad, host])
    lines = text.splitlines()
    assert lines[:2] == ["| cell | status | time µs [95% CI, or estimate range] | flash KB | RAM static/peak KB "
                         "| energy µJ | notes |", "|---|---|---|---:|---:|---:|---|"]
    assert lines[2] == "| crc:10/c/native/host | ok | 2.0 | – | – / – | – |  |"
    assert lines[3] == f"| aes:10/c/wasm3/pico | error | – | – | – / – | – | {'x' * 199}… |"
    assert lines[4] == ("| crc:10/c/wasm3/pico | ok | 80.0 (est. from 10,000 cycles) | 1,000.0 | 1.0 / 3.0 "
                        "| 1.50 (model) | slow \\*start\\* |")
    assert text.endswith("|\n\nChecksums were verified against the workload's Python oracle (crc).\n")
