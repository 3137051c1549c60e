"""Measured energy with a PPK2: the sample decoding against ppk2-api's own parser, the reader
and the energy analysis end to end through a pseudo-terminal PPK2, and the failure paths."""

import os
import time
import tty

import numpy as np
import pytest

from wasmcu import devices
from wasmcu.errors import ConfigError, EnergyAnalysisError, PowerMeterDisconnected, PowerMeterError, WasmcuError
from wasmcu.measure import powertrace, ppk2
from wasmcu.measure.powertrace import Trace, analyse, summarise
from wasmcu.measure.ppk2 import PowerMeter, decode
from ppk2_fake import CALIBRATION, Encoder, FakePPK2, as_modifiers, steps

V_MV = 5000
IDLE, ACTIVE = 5_000.0, 25_000.0          # µA


def _words_bytes(ua, logic=None, first=0, vdd_mv=V_MV):
    logic = np.zeros(len(ua), dtype=np.uint8) if logic is None else logic
    return Encoder(CALIBRATION, vdd_mv).words(np.asarray(ua, dtype=float), logic, first).astype("<u4").tobytes()


def _ppk2_api_samples(raw: bytes, vdd_mv=V_MV):
    """ppk2-api's own per-sample parser on the same bytes."""
    from ppk2_api.ppk2_api import PPK2_API

    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        api = PPK2_API(os.ttyname(slave))
        api.modifiers.update(as_modifiers())
        api.current_vdd = vdd_mv
        samples, bits = api.get_samples(raw)
        api.ser.close()
        api.ser = None
    finally:
        os.close(master)
        os.close(slave)
    return np.array(samples), np.array(bits)


# --- decoding ------------------------------------------------------------------------------

def test_decoding_matches_ppk2_api_across_range_switches_and_range_4():
    rng = np.random.default_rng(1)
    # every range (0.2 mA .. 2 A), many switches, some stretches in range 4, logic toggling
    levels = rng.choice([200.0, 3_000.0, 40_000.0, 400_000.0, 2_000_000.0], size=400)
    ua = np.repeat(levels, rng.integers(1, 12, size=400)) * rng.uniform(0.9, 1.1)
    logic = rng.integers(0, 256, len(ua)).astype(np.uint8)
    raw = _words_bytes(ua, logic)
    theirs, their_bits = _ppk2_api_samples(raw)
    d = decode(raw, as_modifiers(), V_MV)
    assert len(np.unique(d.ranges)) == 5 and np.count_nonzero(np.diff(d.ranges)) > 300
    assert d.lost == 0 and len(d.current_ua) == len(theirs) == len(ua)
    np.testing.assert_allclose(d.current_ua, theirs, rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(d.logic, their_bits)
    # unfiltered, the decoding gives back the synthesised currents (to an ADC step)
    plain = decode(raw, as_modifiers(), V_MV, filtered=False).current_ua
    np.testing.assert_allclose(plain, ua, rtol=2e-3, atol=3.0)
    assert not np.allclose(plain, d.current_ua)        # the filter did act


def test_a_stream_whose_counter_skips_too_much_is_a_disconnected_meter():
    words = np.frombuffer(_words_bytes(np.full(1000, IDLE)), dtype="<u4")
    with pytest.raises(PowerMeterDisconnected, match="sample stream is corrupted: its counter skips"):
        decode(words[::2].tobytes(), as_modifiers(), V_MV)  # every other sample lost: not a meter to trust


def test_lost_samples_are_counted_from_the_counter_and_left_as_nan():
    ua = np.full(1000, IDLE)
    logic = np.zeros(1000, dtype=np.uint8)
    logic[300:700] = 1
    words = np.frombuffer(_words_bytes(ua, logic), dtype="<u4")
    kept = np.delete(words, np.r_[100:110, 500:530])    # 10 and 30 samples lost
    d = decode(kept.tobytes(), as_modifiers(), V_MV)
    assert d.lost == 40 and d.received == 960 and len(d.current_ua) == 1000
    assert np.isnan(d.current_ua[100:110]).all() and np.isnan(d.current_ua[500:530]).all()
    assert not np.isnan(d.current_ua[:100]).any()
    assert d.logic[500:530].all() and not d.logic[100:110].any()     # held from the sample before
    trace = Trace(d.current_ua, d.logic, voltage_v=5.0, lost=d.lost)
    w = analyse(trace, "marker").windows[0]
    assert (w.start, w.end, w.lost) == (300, 700, 30)
    assert w.energy_uj == pytest.approx(5.0 * IDLE * 400e-5, rel=1e-3)


def test_a_stream_that_starts_mid_sample_is_realigned():
    raw = _words_bytes(np.full(500, ACTIVE))
    d = decode(raw[3:], as_modifiers(), V_MV)
    assert d.lost == 0 and d.received == 499
    assert np.nanmean(d.current_ua) == pytest.approx(ACTIVE, rel=1e-3)


# --- analysis on synthetic traces ----------------------------------------------------------

def _trace(segments, noise=30.0, seed=0, v=5.0):
    sig = steps(segments, noise_ua=noise, seed=seed)
    ua, bits = sig(0, sig.total)
    return Trace(ua, bits, voltage_v=v)


def test_both_methods_find_the_known_energy_and_repeated_runs_give_mean_and_spread():
    lengths = [800, 1000, 1200]           # three runs of 8, 10 and 12 ms, idle between
    segs = [(3000, IDLE, 0)]
    for n in lengths:
        segs += [(n, ACTIVE, 1), (3000, IDLE, 0)]
    trace = _trace(segs)
    expected = [5.0 * ACTIVE * n * 1e-5 for n in lengths]        # V · I · t, µJ
    for method in ("marker", "threshold"):
        a = analyse(trace, method)
        got = [w.energy_uj for w in a.windows]
        assert len(got) == 3, method
        for g, e in zip(got, expected):
            assert g == pytest.approx(e, rel=0.01), method
        s = a.summary()
        assert (s.n, s.kind, s.basis, s.scope) == (3, "measured", "gross", "board")
        assert s.energy_uj == pytest.approx(np.mean(expected), rel=0.01)
        assert s.sd_uj == pytest.approx(np.std(expected, ddof=1), rel=0.02)
    t = analyse(trace, "threshold")
    assert t.idle_ua == pytest.approx(IDLE, rel=0.01) and t.active_ua == pytest.approx(ACTIVE, rel=0.01)
    assert IDLE < t.threshold_ua < ACTIVE


def test_subtracting_idle_reports_what_the_run_added():
    trace = _trace([(3000, IDLE, 0), (1000, ACTIVE, 1), (3000, IDLE, 0)])
    for method in ("marker", "threshold"):
        a = analyse(trace, method, subtract_idle=True)
        assert a.basis == "net of idle"
        assert a.windows[0].energy_uj == pytest.approx(5.0 * (ACTIVE - IDLE) * 1000e-5, rel=0.01)
        assert a.windows[0].gross_uj == pytest.approx(5.0 * ACTIVE * 1000e-5, rel=0.01)
    with pytest.raises(ValueError):
        summarise([analyse(trace, "marker"), analyse(trace, "marker", subtract_idle=True)])


def test_a_trace_without_a_window_is_an_error_that_says_why():
    flat = _trace([(5000, ACTIVE, 0)])
    with pytest.raises(EnergyAnalysisError, match="never rises clearly above the idle level"):
        analyse(flat, "threshold")
    with pytest.raises(EnergyAnalysisError, match="no marker pulse on logic input D0"):
        analyse(flat, "marker")
    cut = _trace([(3000, IDLE, 0), (1000, ACTIVE, 1)])
    with pytest.raises(EnergyAnalysisError, match="still high"):
        analyse(cut, "marker")
    with pytest.raises(EnergyAnalysisError, match="idle on both sides"):
        analyse(cut, "threshold")
    # a marker on another input
    other = _trace([(3000, IDLE, 0), (1000, ACTIVE, 4), (3000, IDLE, 0)])
    assert analyse(other, "marker", channel=2).windows[0].time_us == pytest.approx(10_000)


def test_a_trace_is_stored_beside_the_store_and_read_back(tmp_path):
    trace = _trace([(3000, IDLE, 0), (1000, ACTIVE, 1), (3000, IDLE, 0)])
    trace.current_ua[10:20] = np.nan
    a = analyse(trace, "marker")
    db = tmp_path / "results" / "wasmcu.sqlite"
    ref = powertrace.store_trace(trace, db, "crc16:100/c/wasm3/pico-board run 3", a)
    assert ref == "traces/crc16_100_c_wasm3_pico-board_run_3.npz"
    back, stored = powertrace.load_trace(powertrace.trace_path(db, ref))
    assert back.n == trace.n and back.voltage_v == 5.0 and back.scope == "board"
    np.testing.assert_allclose(back.current_ua, trace.current_ua, rtol=1e-6)      # float32
    np.testing.assert_array_equal(back.logic, trace.logic)
    assert stored["windows"][0]["start"] == 3000
    assert analyse(back, "marker").windows[0].energy_uj == pytest.approx(a.windows[0].energy_uj, rel=1e-6)
    energy, kind, extra = powertrace.result_fields(a.summary(), ref)
    assert kind == "measured" and extra["power_trace"] == ref and extra["energy_scope"] == "board"


def test_the_trace_figure_shows_the_windows_it_found(tmp_path):
    from wasmcu.report.trace import trace_figure

    trace = _trace([(30000, IDLE, 0), (1000, ACTIVE, 1), (30000, IDLE, 0)])    # long: drawn as an envelope
    for method in ("marker", "threshold"):
        out = tmp_path / f"{method}.png"
        a = analyse(trace, method)
        shown = trace_figure(trace, a, out, title="crc16:100")
        assert out.stat().st_size > 10_000
        ((start, end, uj),) = shown["windows"]
        assert start == pytest.approx(300, abs=0.05) and end == pytest.approx(310, abs=0.05)
        assert uj == a.windows[0].energy_uj
        assert (shown["threshold_ma"] is None) == (method == "marker")


# --- the reader, end to end through a pseudo-terminal PPK2 ---------------------------------

RUN = [(20_000, IDLE, 0), (2_000, ACTIVE, 1), (20_000, IDLE, 0)]      # 200 ms idle, a 20 ms run, idle


def test_the_meter_records_a_run_and_both_methods_give_its_energy():
    with FakePPK2(steps(RUN, noise_ua=40)) as fake:
        with PowerMeter.open(fake.port, V_MV) as meter:
            fake.settle()
            assert fake.source_mode and fake.vdd_mv == V_MV and not fake.powered
            meter.start()
            while fake.generated < 45_000:
                time.sleep(0.01)
            trace = meter.stop()
            assert meter.powered                       # stop() leaves the board as it was
            assert meter.api.modifiers["R"]["2"] == CALIBRATION["R"][2]     # its calibration was read
        fake.settle()
        assert not fake.powered and fake.ever_powered
        assert fake.commands[-1] == (0x0C, 0)
    assert trace.lost == 0 and trace.n >= 45_000 and trace.voltage_v == 5.0
    expected = 5.0 * ACTIVE * 2_000e-5          # 2,500 µJ
    for method in ("marker", "threshold"):
        w = analyse(trace, method).windows
        assert len(w) == 1 and w[0].energy_uj == pytest.approx(expected, rel=0.01), method


def test_a_ppk2_that_disconnects_mid_measurement_is_a_clear_error():
    with FakePPK2(steps(RUN), disconnect_after=5_000) as fake:
        with pytest.raises(PowerMeterDisconnected, match="disconnected after") as err:
            with PowerMeter.open(fake.port, V_MV) as meter:
                meter.start()
                time.sleep(0.3)
                meter.stop()
        assert isinstance(err.value, WasmcuError)
        assert meter.api.ser is None and meter._reader is None         # port released, reader process ended
        assert fake.disconnected


def test_a_ppk2_that_falls_silent_is_an_error_and_the_board_is_powered_off():
    with FakePPK2(steps(RUN), stall_after=3_000) as fake:
        with PowerMeter.open(fake.port, V_MV, stall_s=0.3) as meter:
            meter.start()
            fake.settle()
            assert fake.powered
            time.sleep(0.6)
            with pytest.raises(PowerMeterDisconnected, match="sent no samples for 0.3 s"):
                meter.stop()
            fake.settle()
            assert not fake.powered                     # switched off at the error, before close()
        fake.settle()
        assert not fake.powered and fake.commands[-1] == (0x0C, 0)


def test_an_error_while_measuring_powers_the_board_off(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with FakePPK2(steps(RUN)) as fake:
        with pytest.raises(RuntimeError):
            with PowerMeter.open(fake.port, V_MV) as meter:
                meter.start()
                time.sleep(0.05)
                raise RuntimeError("the board backend failed")
        fake.settle()
        assert not fake.powered and not fake.measuring and meter._reader is None
        assert not list(tmp_path.iterdir())           # the reader's raw file is gone


def test_a_port_that_is_not_a_ppk2_is_refused():
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        with pytest.raises(PowerMeterError, match="did not answer as a PPK2"):
            PowerMeter.open(os.ttyname(slave), V_MV)
    finally:
        os.close(master)
        os.close(slave)
    with pytest.raises(PowerMeterError, match="cannot open the PPK2"):
        PowerMeter.open("/nonexistent/ttyPPK2", V_MV)
    with pytest.raises(PowerMeterError, match="sources 800-5000 mV"):
        PowerMeter.open("/nonexistent/ttyPPK2", 5500)


# --- profiles and doctor -------------------------------------------------------------------

def test_the_pico_board_profile_says_what_its_ppk2_supplies():
    s = ppk2.meter_settings(devices.discover()["pico-board"])
    assert (s.voltage_mv, s.scope, s.marker_channel) == (5000, "board", 0)


@pytest.mark.parametrize("table, field", [
    ('[power.ppk2]\nmarker_channel = 9\n', "power.ppk2.marker_channel"),
    ('[power.ppk2]\nchannel = 1\n', "power.ppk2.channel"),
    ('[power.ppk2]\nport = 3\n', "power.ppk2.port"),
])
def test_a_bad_ppk2_table_names_its_field(tmp_path, table, field):
    text = (devices.BUILTIN / "pico-board.toml").read_text()
    text = text.replace('[power.ppk2]\nmarker_channel = 0       # PPK2 logic input D0, wired to the firmware\'s '
                        'marker GPIO\n', table)
    (tmp_path / "p.toml").write_text(text)
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        devices.load_profile(tmp_path / "p.toml")


def test_a_voltage_a_ppk2_cannot_source_is_refused(tmp_path):
    text = (devices.BUILTIN / "pico-board.toml").read_text().replace("voltage_v = 5.0 ", "voltage_v = 5.5 ")
    (tmp_path / "p.toml").write_text(text)
    with pytest.raises(ConfigError, match="cannot source 5.5 V"):
        devices.load_profile(tmp_path / "p.toml")


def test_doctor_lists_connected_ppk2s(monkeypatch):
    from serial.tools import list_ports

    class Port:
        def __init__(self, device, vid, pid):
            self.device, self.vid, self.pid = device, vid, pid

    monkeypatch.setattr(list_ports, "comports", lambda: [Port("/dev/ttyACM7", 0x1915, 0xC00A),
                                                         Port("/dev/ttyACM8", 0x1915, 0x520F),
                                                         Port("/dev/ttyACM9", 0x2E8A, 0x000C)])
    assert ppk2.find_ppk2() == ["/dev/ttyACM7"]
    assert "PPK2 on /dev/ttyACM7" in ppk2.doctor_lines()[0] and len(ppk2.doctor_lines()) == 1
    monkeypatch.setattr(list_ports, "comports", lambda: [])
    assert "no PPK2 connected" in ppk2.doctor_lines()[0]


@pytest.mark.slow
def test_the_report_draws_each_stored_trace(tmp_path):
    from wasmcu.model import Cell, Draft
    from wasmcu.report import write_report
    from wasmcu.store import Store

    db = tmp_path / "results.sqlite"
    trace = _trace([(3000, IDLE, 0), (1000, ACTIVE, 1), (3000, IDLE, 0)])
    a = analyse(trace, "marker")
    r = Draft(Cell("crc16", 100, "c", "wasm3", "pico-board"), "board", status="ok", checksum=1, expected=1,
              time_kind="measured", time_us=10_000.0)
    ref = powertrace.store_trace(trace, db, "crc16_100_c_wasm3_pico-board", a)
    r.energy_uj, r.energy_kind, extra = powertrace.result_fields(a.summary(), ref)
    r.extra.update(extra)
    with Store(db) as store:
        store.add_result(store.begin_run({}), r.freeze())
        files = write_report(store, tmp_path / "report")
    png = tmp_path / "report" / "traces" / "crc16_100_c_wasm3_pico-board.png"
    assert png in files and png.stat().st_size > 10_000


@pytest.mark.slow  # every tool's version is asked for
def test_doctor_has_a_line_on_power_meters():
    from conftest import wasmcu

    proc = wasmcu("doctor")
    assert proc.returncode == 0 and "PPK2" in proc.stdout
