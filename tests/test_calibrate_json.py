"""`wasmcu calibrate --json` read back: the samples an earlier calibration wrote fit again the same
(`--from-json`), and the JSON holds the fit's figures under their documented names."""

import json

from test_mut_report_core_calibrate import _measurements

from wasmcu import calibrate as cal
from wasmcu import devices, workloads


def _calibration(monkeypatch, **board):
    for var in ("WASMCU_FLASHER", "WASMCU_BOARD_PORT", "WASMCU_PROBE"):
        monkeypatch.delenv(var, raising=False)
    devs = devices.discover()
    ms = _measurements(4, **board) + [cal.Measurement("broken", error="did not build", board={"port": "/dev/ttyX"})]
    return cal.calibrate(devs["pico-board"], devs["pico"], [], measurements=ms)


def test_the_json_samples_read_back_as_the_measurements_that_were_fitted(monkeypatch):
    c = _calibration(monkeypatch, port="/dev/ttyACM3", flasher="picotool")
    data = json.loads(json.dumps(c.as_json()))
    assert cal.measurements_from_json(data) == c.measurements
    assert data["samples"][0]["measured_kind"] == "timer x clock" and data["samples"][0]["kernel"] == "k0"
    assert c.provenance["port"] == "/dev/ttyACM3" and c.provenance["flasher"] == "picotool"   # from the board runs


def test_the_json_holds_each_figure_of_the_fit_under_its_name(monkeypatch):
    c = _calibration(monkeypatch)
    f, data = c.fit, c.as_json()
    assert set(data) == {"board", "emulated", "free", "costs", "overhead_cycles", "residuals_pct", "loo_error_pct",
                         "table_error_pct", "rms_residual_pct", "rms_loo_error_pct", "rms_table_error_pct",
                         "outside_range", "samples", "provenance"}
    assert (data["residuals_pct"], data["loo_error_pct"], data["table_error_pct"]) == \
        (f.residuals_pct, f.loo_error_pct, f.table_error_pct)
    assert data["rms_table_error_pct"] == f.rms(f.table_error_pct) and data["rms_residual_pct"] == f.rms(f.residuals_pct)
    for name, cost in f.costs.items():
        d = data["costs"][name]
        assert (d["value"], d["low"], d["high"], d["status"]) == (cost.value, cost.low, cost.high, cost.status)
    assert data["overhead_cycles"]["value"] == f.overhead.value


def test_the_calibration_suite_is_every_suite_kernel_with_a_c_source():
    found = workloads.discover()
    suite = cal.suite_kernels(found)
    assert [(w.name, n) for w, n in suite] == [(k, n) for k, n in cal.SUITE_SIZES.items() if k in found]
    assert len(suite) >= 5 and all("c" in w.sources for w, _ in suite)
    assert cal.suite_kernels({}) == []
