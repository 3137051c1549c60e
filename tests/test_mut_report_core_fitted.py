"""The table's and the fitted estimates side by side, on a tiny cost table, a fitted profile made
with the library and a few stored emulated cells."""

from pathlib import Path

import pytest

from wasmcu.devices.device import Device
from wasmcu.errors import ConfigError
from wasmcu.measure.cycles import CostModel
from wasmcu.model import Cell, Result
from wasmcu.report.fitted import Fitted, fitted_html, fitted_markdown, fitted_profiles, fitted_rows

COSTS = ("alu", "load", "store", "mul", "div", "branch_not_taken", "branch_taken", "jump", "call", "indirect",
         "multi_base", "multi_per_reg", "pop_pc_extra", "fetch_wait", "ifetch_miss", "dfetch_miss", "load_use")
EVENTS = ("insns", "alu", "load", "store", "mul", "div", "branch", "taken_branches", "jump", "call", "indirect",
          "multi", "multi_regs", "pop_pc", "push_lr", "compressed", "load_use", "pair16")


def table(load=1.0):
    t = {k: 0 for k in COSTS}
    t.update(source="a test", fetch_wait=1, alu={"value": 1, "low": 1, "high": 2, "why": "dual issue"},
             load=load, store=1)
    return t


CAL = {"emulated": "pico", "board": "pico-board", "timer": "SysTick", "flasher": "picotool",
       "date": "2026-11-30T10:00:00", "kernels": 12,
       "fit": {"rms_residual_pct": 1.5, "rms_loo_error_pct": 2.5, "rms_table_error_pct": 9.0}}


def device(name, calibration=None, load=3.0):
    data = {"cycle_model": table(load)}
    if calibration is not None:
        data["calibration"] = calibration
    return Device(name, "", "qemu", Path(f"{name}.toml"), data)


def cell(device="pico", wl="crc", cycles=2000, clock=100_000_000):
    events = {e: 0 for e in EVENTS}
    events.update(insns=1000, alu=600, load=200, store=100)
    extra = {"events": {"run": events}}
    if clock:
        extra["clock_hz"] = clock
    return Result(Cell(wl, 10, "c", "wasm3", device), "qemu", status="ok", cycles=cycles, extra=extra)


def fitted(cal=CAL):
    return {"pico": Fitted("pico-fitted", "pico", CostModel.from_table(table(3.0), None), cal)}


# --- which profiles ------------------------------------------------------------------------------

def test_fitted_profiles_finds_every_calibrated_profile_by_the_device_it_extends():
    devices = {"pico": device("pico"), "pico-fitted": device("pico-fitted", CAL),
               "esp-fitted": device("esp-fitted", dict(CAL, emulated="esp32c6"))}
    out = fitted_profiles(devices)
    assert list(out) == ["pico", "esp32c6"]
    f = out["pico"]
    assert (f.name, f.emulated, f.calibration) == ("pico-fitted", "pico", CAL)
    assert f.model == devices["pico-fitted"].cycle_model
    assert out["esp32c6"].name == "esp-fitted"
    assert fitted_profiles({"pico": device("pico")}) == {}


def test_fitted_profiles_named_ones_only_and_refusals():
    devices = {"pico": device("pico"), "pico-fitted": device("pico-fitted", CAL),
               "esp-fitted": device("esp-fitted", dict(CAL, emulated="esp32c6"))}
    assert list(fitted_profiles(devices, ["esp-fitted"])) == ["esp32c6"]
    assert fitted_profiles(devices, []) == {}
    with pytest.raises(ConfigError, match="unknown fitted profile 'nope'; known: pico, pico-fitted, esp-fitted"):
        fitted_profiles(devices, ["nope"])
    with pytest.raises(ConfigError, match="'pico' has no \\[calibration\\] table"):
        fitted_profiles(devices, ["pico"])


def test_a_calibration_without_the_emulated_name_is_keyed_by_an_empty_name():
    cal = {k: v for k, v in CAL.items() if k != "emulated"}
    out = fitted_profiles({"x": device("x", cal)})
    assert list(out) == [""] and out[""].emulated == ""


# --- rows ----------------------------------------------------------------------------------------

def test_fitted_rows_recost_the_stored_cells_of_each_fitted_device():
    results = [cell(), cell(wl="fib", cycles=None), cell(device="esp32c6"), cell(wl="nclk", clock=None)]
    rows = fitted_rows(results, fitted())
    assert rows == [
        {"cell": "crc:10/c/wasm3/pico", "device": "pico", "fitted_profile": "pico-fitted", "table_cycles": 2000,
         "fitted_cycles": 2300, "fitted_low": 2300, "fitted_high": 2900, "fitted_time_us": pytest.approx(23.0),
         "change_pct": pytest.approx(15.0)},
        {"cell": "fib:10/c/wasm3/pico", "device": "pico", "fitted_profile": "pico-fitted", "table_cycles": None,
         "fitted_cycles": 2300, "fitted_low": 2300, "fitted_high": 2900, "fitted_time_us": pytest.approx(23.0),
         "change_pct": None}]
    assert fitted_rows(results, {}) == []
    assert fitted_rows([cell(cycles=0)], fitted())[0]["change_pct"] is None


# --- Markdown and HTML ---------------------------------------------------------------------------

ABOUT = ("pico-fitted: pico's costs fitted to pico-board (SysTick, picotool) on 2026-11-30, 12 kernels, residual "
         "1.5 % rms, leave-one-out 2.5 % rms; the table's own error there 9.0 % rms")


def test_fitted_markdown():
    rows = fitted_rows([cell(), cell(wl="f_b", cycles=None)], fitted())
    assert fitted_markdown(rows, fitted()) == "\n".join([
        "Both are estimates from the same QEMU event counts (never measurements): the device table's costs, "
        "and the costs `wasmcu calibrate` fitted to a real board.", "",
        f"- {ABOUT}", "",
        "| cell | table estimate (cycles) | fitted estimate (cycles) | fitted range | change |",
        "|---|---:|---:|---:|---:|",
        "| crc:10/c/wasm3/pico | 2,000 | 2,300 | 2,300–2,900 | +15.0 % |",
        "| f\\_b:10/c/wasm3/pico |  | 2,300 | 2,300–2,900 |  |"]) + "\n"
    assert fitted_markdown([], fitted()) == ""


def test_fitted_about_says_what_is_unknown():
    text = fitted_markdown(fitted_rows([cell()], fitted({"emulated": "pico"})), fitted({"emulated": "pico"}))
    assert ("- pico-fitted: pico's costs fitted to ? (its timer, ?) on ?, ? kernels, residual ? % rms, "
            "leave-one-out ? % rms; the table's own error there ? % rms\n") in text


def test_fitted_html():
    rows = fitted_rows([cell(cycles=2500), cell(wl="f<b", cycles=None)], fitted())
    assert fitted_html(rows, fitted()) == "".join([
        "<h2>Estimates: the table's and the fitted costs</h2>",
        "<p>Both are <b>estimated</b> from the same QEMU event counts, not measured: the device table's costs, "
        "and the costs <code>wasmcu calibrate</code> fitted to a real board's measured cycles.</p><ul>",
        f"<li>{ABOUT.replace(chr(39), '&#x27;')}</li>",
        "</ul><table><tr><th>cell</th><th>table estimate (cycles)</th><th>fitted estimate (cycles)</th>"
        "<th>fitted range</th><th>change</th></tr>",
        "<tr><td>crc:10/c/wasm3/pico</td><td class='num est'>2,500</td><td class='num est'>2,300</td>"
        "<td class='num est'>2,300–2,900</td><td class='num'>-8.0 %</td></tr>",
        "<tr><td>f&lt;b:10/c/wasm3/pico</td><td class='num est'></td><td class='num est'>2,300</td>"
        "<td class='num est'>2,300–2,900</td><td class='num'></td></tr>",
        "</table>"])
    assert fitted_html([], fitted()) == ""
