"""Energy figures on small inputs whose answers are known exactly: the [power] table's
validation and the model (energy.py), and the current-trace analysis (powertrace.py): the
windows each method finds, their energy, the idle level, the summary over runs, storage."""

import re
from dataclasses import asdict, astuple
from pathlib import Path

import numpy as np
import pytest

from wasmcu.devices.device import Device
from wasmcu.errors import ConfigError, EnergyAnalysisError
from wasmcu.measure import powertrace
from wasmcu.measure.energy import Power, active_power, check_power, modelled_energy
from wasmcu.measure.powertrace import (GROSS, NET, Analysis, MeasuredEnergy, Trace, Window, _moving_average, _runs,
                                       analyse, marker_windows, summarise, threshold_windows)

# --- [power] tables and the energy model ----------------------------------------------------

FILE = "p.toml"
BOARD = {"current_ma": {"value": 10, "low": 8, "high": 12, "why": "typical figure"}, "voltage_v": 3.0,
         "source": "datasheet"}                                   # 30 mW [24..36]
SOC = {"current_ma": 4, "voltage_v": 1.5, "source": "datasheet"}  # 6 mW
TABLE_EXPECTED = "current_ma (a number or { value, low, high, why }), voltage_v and source"
SCOPE_EXPECTED = "'board' or 'soc', with its [power.<scope>] table"
CLOCK_EXPECTED = "the clock the figures were taken at, in Hz (a whole number > 0)"


def _power_error(power) -> str:
    with pytest.raises(ConfigError) as err:
        check_power(power, FILE)
    return str(err.value)


def test_a_power_table_may_hold_each_scope_its_clock_and_a_ppk2():
    check_power({"scope": "soc", "clock_hz": 125_000_000, "board": BOARD, "soc": SOC,
                 "ppk2": {"marker_channel": 1}}, FILE)
    check_power({"board": BOARD}, FILE)                    # the scope is the board's by default
    check_power({"scope": "soc", "soc": SOC}, FILE)
    check_power({"board": dict(BOARD, voltage_v=0.5)}, FILE)    # any voltage above zero
    check_power({"clock_hz": 1, "board": BOARD}, FILE)          # any clock above zero


@pytest.mark.parametrize("power, message", [
    (5, "field 'power': invalid value (expected a table)"),
    ({"board": BOARD, "zeta": 1, "cpu": 2},
     "field 'power.cpu': unknown key 'cpu' (expected scope, clock_hz, [power.board], [power.soc] and [power.ppk2])"),
    *[({"clock_hz": hz, "board": BOARD}, f"field 'power.clock_hz': invalid value {hz!r} (expected {CLOCK_EXPECTED})")
      for hz in ("125 MHz", 125e6, 0, -1, True)],
    ({"scope": "chip", "board": BOARD}, f"field 'power.scope': invalid scope 'chip' (expected {SCOPE_EXPECTED})"),
    ({"scope": "soc", "board": BOARD}, f"field 'power.scope': invalid scope 'soc' (expected {SCOPE_EXPECTED})"),
    ({"soc": SOC}, f"field 'power.scope': invalid scope 'board' (expected {SCOPE_EXPECTED})"),
    ({"board": 5}, f"field 'power.board': invalid [power.board] (expected {TABLE_EXPECTED})"),
    ({"board": dict(BOARD, notes="x")}, f"field 'power.board': invalid [power.board] (expected {TABLE_EXPECTED})"),
    ({"board": {"current_ma": 1, "voltage_v": 1}},
     f"field 'power.board': invalid [power.board] (expected {TABLE_EXPECTED})"),
    ({"board": dict(BOARD, current_ma=-1)},
     "field 'power.board.current_ma': invalid cost -1 (expected a number of mA >= 0)"),
    ({"board": BOARD, "soc": dict(SOC, voltage_v=0)},   # every table is checked, not only the scope's
     "field 'power.soc.voltage_v': invalid value 0 (expected volts > 0)"),
    ({"board": dict(BOARD, voltage_v=True)}, "field 'power.board.voltage_v': invalid value True (expected volts > 0)"),
    ({"board": dict(BOARD, voltage_v="5")}, "field 'power.board.voltage_v': invalid value '5' (expected volts > 0)"),
    ({"board": BOARD, "ppk2": {"marker_channel": 9}},
     "field 'power.ppk2.marker_channel': invalid value 9 (expected the PPK2 logic input the marker GPIO is wired "
     "to, 0-7 (D0-D7))"),
    ({"board": dict(BOARD, voltage_v=5.5), "ppk2": {}},
     "field 'power.board.voltage_v': a PPK2 cannot source 5.5 V (expected 0.8 to 5.0 V with [power.ppk2])"),
])
def test_a_bad_power_table_is_refused_naming_the_file_the_field_and_what_is_expected(power, message):
    assert _power_error(power) == f"{FILE}: {message}"


def _device(power, hz=100_000_000, file="d.toml"):
    return Device("d", "test board", "qemu", Path(file), {"clock": {"default_hz": hz}, "power": power})


def test_active_power_is_the_scopes_current_times_its_voltage_at_the_profiles_clock():
    both = {"board": BOARD, "soc": SOC}
    board, soc = Power("board", 30.0, 24.0, 36.0), Power("soc", 6.0, 6.0, 6.0)
    assert active_power(_device(both)) == board
    assert active_power(_device(both), "soc") == soc
    assert active_power(_device(dict(both, scope="soc"))) == soc
    assert active_power(_device(dict(both, scope="soc")), "board") == board
    assert active_power(_device({"board": BOARD}), "soc") is None      # no figure for that scope
    assert active_power(_device({})) is None
    assert active_power(Device("d", "no power", "qemu", Path("d.toml"), {})) is None
    # the figures are for clock_hz: at another clock there is no model
    assert active_power(_device(dict(both, clock_hz=100_000_000))) == board
    assert active_power(_device(dict(both, clock_hz=100_000_000), hz=50_000_000)) is None
    with pytest.raises(ConfigError, match=r"^d\.toml: field 'power\.board\.voltage_v': invalid value -3 "):
        active_power(_device({"board": dict(BOARD, voltage_v=-3)}))


def test_modelled_energy_is_power_times_time_with_the_ranges_of_both():
    dev = _device({"board": BOARD})                          # 30 mW [24..36]
    assert modelled_energy(dev, 1000.0) == (30.0, [24.0, 36.0], "model", "board")
    assert modelled_energy(dev, 1000.0, (500.0, 2000.0)) == (30.0, [12.0, 72.0], "model", "board")
    assert modelled_energy(_device({"scope": "soc", "soc": SOC}), 500.0) == (3.0, [3.0, 3.0], "model", "soc")
    assert modelled_energy(dev, None) == (None, None, None, None)
    assert modelled_energy(_device({}), 1000.0) == (None, None, None, None)


# --- traces ---------------------------------------------------------------------------------

IDLE, ACTIVE = 1000.0, 5000.0   # µA


def _levels(*segments, rate_hz=100_000.0, voltage_v=2.0, **kw) -> Trace:
    """A noiseless trace from (samples, µA) segments."""
    ua = np.concatenate([np.full(n, float(level)) for n, level in segments])
    return Trace(ua, rate_hz=rate_hz, voltage_v=voltage_v, **kw)


def test_a_trace_holds_float_currents_and_a_logic_byte_per_sample():
    t = Trace([1, 2, 3], [0, 1, 3])
    assert t.current_ua.dtype == np.float64 and t.current_ua.tolist() == [1.0, 2.0, 3.0]
    assert t.logic.dtype == np.uint8 and t.logic.tolist() == [0, 1, 3]
    quiet = Trace([1, 2, 3])
    assert quiet.logic.dtype == np.uint8 and quiet.logic.tolist() == [0, 0, 0]
    assert (quiet.n, quiet.dt_s, quiet.duration_s, quiet.voltage_v, quiet.scope) == (3, 1e-5, 3e-5, 3.3, "board")
    with pytest.raises(ValueError, match="^current and logic traces differ in length$"):
        Trace([1, 2, 3], [0, 1])


def test_a_slice_is_a_trace_of_its_own_with_its_own_lost_count():
    t = Trace([1.0, np.nan, 3.0, np.nan, 5.0, 6.0], [0, 1, 1, 0, 2, 0], rate_hz=1000.0, voltage_v=1.8, scope="soc",
              lost=2, meta={"port": "x"})
    s = t.slice(1, 4)
    np.testing.assert_array_equal(s.current_ua, [np.nan, 3.0, np.nan])
    assert s.logic.tolist() == [1, 1, 0]
    assert (s.rate_hz, s.voltage_v, s.scope, s.lost, s.meta) == (1000.0, 1.8, "soc", 2, {"port": "x"})
    assert t.slice(2, 6).lost == 1 and t.slice(4, 6).lost == 0
    s.meta["port"] = "y"
    assert t.meta == {"port": "x"}


def test_each_logic_input_is_its_own_bit():
    t = Trace(np.zeros(4), [0b101, 0b010, 0b111, 0b000])
    assert t.channel(0).tolist() == [1, 0, 1, 0]
    assert t.channel(1).tolist() == [0, 1, 1, 0]
    assert t.channel(2).tolist() == [1, 0, 1, 0]
    assert t.channel(3).tolist() == [0, 0, 0, 0]


def test_lost_samples_are_interpolated_from_their_neighbours_and_held_at_the_ends():
    t = Trace([np.nan, 2.0, np.nan, np.nan, 8.0, np.nan])
    assert t.filled().tolist() == [2.0, 2.0, 4.0, 6.0, 8.0, 8.0]
    assert np.isnan(t.current_ua).sum() == 4                  # the trace itself still says what was lost
    assert Trace([1.0, 2.0]).filled().tolist() == [1.0, 2.0]
    with pytest.raises(EnergyAnalysisError, match="^the trace holds no samples$"):
        Trace([np.nan] * 3).filled()


def test_the_smoothing_is_a_centred_average_shorter_at_the_ends():
    x = np.arange(1.0, 7.0)
    assert _moving_average(x, 1).tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert _moving_average(x, 3).tolist() == [1.5, 2.0, 3.0, 4.0, 5.0, 5.5]
    assert _moving_average(x, 5).tolist() == [2.0, 2.5, 3.0, 4.0, 4.5, 5.0]


def test_runs_are_the_spans_of_true_samples():
    assert _runs(np.array([1, 1, 0, 1, 0, 0, 1], dtype=bool)) == [(0, 2), (3, 4), (6, 7)]
    assert _runs(np.array([0, 1, 1, 0], dtype=bool)) == [(1, 3)]
    assert _runs(np.zeros(3, dtype=bool)) == []


# --- the threshold method -------------------------------------------------------------------

def test_the_threshold_window_is_where_the_current_is_above_the_middle_of_idle_and_active():
    # 20 ms idle, a 10 ms run, 20 ms idle; and a run longer than the idle around it
    assert threshold_windows(_levels((2000, IDLE), (1000, ACTIVE), (2000, IDLE))) == \
        ([(2000, 3000)], IDLE, ACTIVE, 3000.0)
    assert threshold_windows(_levels((300, IDLE), (1400, ACTIVE), (300, IDLE))) == \
        ([(300, 1700)], IDLE, ACTIVE, 3000.0)


def test_a_phase_at_exactly_the_threshold_is_not_above_it():
    # a run with a phase at 3 mA: the active level is the median of the samples above the middle
    # of idle and peak (3 mA), so 5 mA; the window is where the current is above 3 mA
    t = _levels((200, IDLE), (300, 3000.0), (100, ACTIVE), (200, IDLE))
    assert threshold_windows(t, smooth=1) == ([(500, 600)], IDLE, ACTIVE, 3000.0)


@pytest.mark.parametrize("reverse", [False, True])
def test_the_idle_level_is_taken_from_the_quieter_end(reverse):
    # one end is still at 3 mA (settling), not above the threshold: the idle level is the other end's
    segs = [(400, 3000.0), (1600, IDLE), (1000, ACTIVE), (2000, IDLE)]
    t = _levels(*(segs[::-1] if reverse else segs))
    assert threshold_windows(t) == ([(2000, 3000)], IDLE, ACTIVE, 3000.0)


def test_a_trace_too_short_to_hold_idle_on_both_sides_is_an_error():
    with pytest.raises(EnergyAnalysisError, match=r"^the trace is too short \(3 samples\) to hold idle before and "
                                                  r"after a run$"):
        threshold_windows(Trace([IDLE, ACTIVE, IDLE], rate_hz=1000.0))
    with pytest.raises(EnergyAnalysisError, match=r"too short \(7 samples\)"):
        threshold_windows(_levels((3, IDLE), (1, ACTIVE), (3, IDLE), rate_hz=1000.0), idle_fraction=0.3, smooth=1)
    # four samples hold one idle sample at each end (the default 5 % is less than a sample)
    assert threshold_windows(_levels((1, IDLE), (2, ACTIVE), (1, IDLE), rate_hz=1000.0), smooth=1)[0] == [(1, 3)]
    assert threshold_windows(_levels((3, IDLE), (1, ACTIVE), (3, IDLE), rate_hz=1000.0), smooth=1)[0] == [(3, 4)]
    t = _levels((25, IDLE), (50, ACTIVE), (25, IDLE), rate_hz=1000.0)
    assert threshold_windows(t, idle_fraction=0.25, smooth=1)[0] == [(25, 75)]


def _alternating(n, level, swing):
    return level + swing * np.where(np.arange(n) % 2 == 0, -1.0, 1.0)


def test_a_trace_that_never_rises_clearly_above_idle_says_its_levels():
    ua = np.concatenate([_alternating(10, IDLE, 400), np.full(180, IDLE), _alternating(10, IDLE, 500)])
    with pytest.raises(EnergyAnalysisError) as err:
        threshold_windows(Trace(ua), smooth=1)
    # the noise is that of the start (both ends have the same median): 1.4826 x 400 µA
    assert str(err.value) == ("no active window: the current never rises clearly above the idle level (idle 1.000 mA, "
                              "peak 1.500 mA, noise 0.593 mA); use the marker method, or let the firmware idle in a "
                              "low-power wait")


def _window_between_90_and_110_or_none(t: Trace, rise: float, found: bool) -> None:
    """Unsmoothed, `t` has its one window at samples 90..110, `rise` above IDLE; or none at all."""
    if found:
        assert threshold_windows(t, smooth=1) == ([(90, 110)], IDLE, IDLE + rise, IDLE + rise / 2)
    else:
        with pytest.raises(EnergyAnalysisError, match="never rises clearly above the idle level"):
            threshold_windows(t, smooth=1)


@pytest.mark.parametrize("rise, found", [(1.0, False), (1.5, True)])
def test_on_a_noiseless_idle_a_rise_of_more_than_a_microamp_is_a_window(rise, found):
    t = _levels((90, IDLE), (20, IDLE + rise), (90, IDLE), rate_hz=1000.0)
    _window_between_90_and_110_or_none(t, rise, found)


@pytest.mark.parametrize("rise, found", [(100.0, False), (125.0, True)])
def test_a_rise_must_be_more_than_eight_times_the_idle_noise(rise, found):
    # idle 1 mA ± 10 µA: noise 1.4826 x 10 µA, eight times that is 118.6 µA
    ua = np.concatenate([_alternating(90, IDLE, 10), np.full(20, IDLE + rise), _alternating(90, IDLE, 10)])
    t = Trace(ua, rate_hz=1000.0)
    _window_between_90_and_110_or_none(t, rise, found)


@pytest.mark.parametrize("rise, found", [(150.0, False), (500.0, True)])
def test_the_smoothing_lowers_the_noise_a_rise_is_measured_against(rise, found):
    # idle 1 mA ± 100 µA sample to sample, about ± 20 µA after the default 5-sample smoothing:
    # a rise of 0.5 mA is clear (unsmoothed it would not be), one of 0.15 mA is not
    ua = np.concatenate([_alternating(2000, IDLE, 100), np.full(1000, IDLE + rise), _alternating(2000, IDLE, 100)])
    t = Trace(ua)
    if found:
        assert threshold_windows(t)[0] == [(2000, 3000)]
    else:
        with pytest.raises(EnergyAnalysisError, match="never rises clearly above the idle level"):
            threshold_windows(t)


def test_runs_closer_than_the_minimum_gap_are_one_window():
    # gaps of 99 and 100 samples (0.99 and 1 ms) between three 5 ms runs: the first two are one window
    t = _levels((2000, IDLE), (500, ACTIVE), (99, IDLE), (500, ACTIVE), (100, IDLE), (500, ACTIVE), (2000, IDLE))
    assert threshold_windows(t)[0] == [(2000, 3099), (3199, 3699)]
    # at 1 kHz a gap of 1 ms is one sample: runs a sample apart stay apart; a run of one sample is a window
    one = _levels((100, IDLE), (1, ACTIVE), (1, IDLE), (1, ACTIVE), (100, IDLE), rate_hz=1000.0)
    assert threshold_windows(one, smooth=1)[0] == [(100, 101), (102, 103)]
    assert threshold_windows(one, smooth=1, min_gap_s=2e-3)[0] == [(100, 103)]


def test_runs_shorter_than_the_minimum_are_left_out():
    # 50 µs is 5 samples at 100 kHz: a 5-sample run is a window, a 4-sample one is not
    t = _levels((2000, IDLE), (1000, ACTIVE), (1000, IDLE), (5, ACTIVE), (1000, IDLE), (4, ACTIVE), (2000, IDLE))
    assert threshold_windows(t, smooth=1)[0] == [(2000, 3000), (4000, 4005)]
    short = _levels((2000, IDLE), (4, ACTIVE), (2000, IDLE))
    with pytest.raises(EnergyAnalysisError, match=r"^no active window of at least 50 µs above 3\.000 mA$"):
        threshold_windows(short, smooth=1)


@pytest.mark.parametrize("reverse", [False, True])
def test_a_run_at_the_start_or_the_end_of_the_trace_is_an_error(reverse):
    segs = [(100, ACTIVE), (1900, IDLE), (1000, ACTIVE), (2000, IDLE)]
    t = _levels(*(segs[::-1] if reverse else segs))
    with pytest.raises(EnergyAnalysisError) as err:
        threshold_windows(t)
    assert str(err.value) == ("the current is above the idle level at the start or the end of the trace: record "
                              "longer before and after the run (the method needs idle on both sides)")


# --- the marker method ----------------------------------------------------------------------

def _marked(logic, current=None, **kw) -> Trace:
    logic = np.asarray(logic, dtype=np.uint8)
    return Trace(np.full(len(logic), IDLE) if current is None else current, logic, **kw)


def test_each_marker_pulse_is_a_window_from_its_rising_to_its_falling_edge():
    assert marker_windows(_marked([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1, 0])) == \
        [(3, 6), (10, 11), (13, 17)]
    # a pulse under way when recording began is not a whole run, whatever its length
    assert marker_windows(_marked([1, 0, 0, 1, 1, 0])) == [(3, 5)]
    assert marker_windows(_marked([1, 1, 0, 1, 0, 1, 1, 0])) == [(3, 4), (5, 7)]
    assert marker_windows(_marked([0, 1, 1, 0, 0])) == [(1, 3)]
    # another input, another bit
    assert marker_windows(_marked([0, 8, 8, 1, 0]), 3) == [(1, 3)]


def test_a_missing_or_unfinished_marker_pulse_is_an_error_that_says_what_to_check():
    with pytest.raises(EnergyAnalysisError) as err:
        marker_windows(_marked([0, 1, 1, 0]), 3)
    assert str(err.value) == ("no marker pulse on logic input D3: is the marker GPIO wired to D3 (and GND shared), "
                              "and does the firmware raise it around the call?")
    with pytest.raises(EnergyAnalysisError, match="^no marker pulse on logic input D0"):
        marker_windows(_marked([1, 1, 0, 0]))
    with pytest.raises(EnergyAnalysisError) as err:
        marker_windows(_marked([0, 8, 0, 8, 8]), 3)
    assert str(err.value) == "the marker on D3 was still high when recording stopped: stop later"


def _pulse_trace(**kw):
    """1 kHz, 2 V: idle 100 µA; a 10 ms pulse on D0 drawing 5.1 mA, one sample of it lost."""
    ua = np.full(1000, 100.0)
    ua[400:410] = 5100.0
    ua[405] = np.nan
    logic = np.zeros(1000, dtype=np.uint8)
    logic[400:410] = 1
    return Trace(ua, logic, rate_hz=1000.0, voltage_v=2.0, scope="soc", **kw)


def test_the_energy_of_a_marker_window_is_volts_times_current_times_time():
    a = analyse(_pulse_trace())
    # 2 V x 5.1 mA x 10 ms = 102 µJ; the lost sample is interpolated from its neighbours
    assert (a.method, a.basis, a.scope, a.channel, a.active_ua, a.threshold_ua) == ("marker", GROSS, "soc", 0, None,
                                                                                      None)
    assert a.voltage_v == 2.0 and a.idle_ua == 100.0
    [w] = a.windows
    assert astuple(w) == pytest.approx((400, 410, 102.0, 102.0, 10_000.0, 5100.0, 1), rel=1e-12)
    assert a.as_dict() == {"method": "marker", "basis": GROSS, "scope": "soc", "voltage_v": 2.0,
                           "windows": [asdict(w)], "idle_ua": 100.0, "active_ua": None, "threshold_ua": None,
                           "channel": 0}
    # net of idle: 2 V x 0.1 mA x 10 ms less
    n = analyse(_pulse_trace(), subtract_idle=True)
    assert n.basis == NET
    assert astuple(n.windows[0]) == pytest.approx((400, 410, 100.0, 102.0, 10_000.0, 5100.0, 1), rel=1e-12)
    s = n.summary()
    assert (s.n, s.method, s.basis, s.scope) == (1, "marker", NET, "soc")
    assert (s.energy_uj, s.sd_uj, s.time_us) == pytest.approx((100.0, 0.0, 10_000.0))


def test_the_marker_input_is_the_one_the_trace_names_unless_one_is_given():
    logic = np.zeros(1000, dtype=np.uint8)
    logic[200:210] = 0b100   # D2
    logic[600:650] = 0b001   # D0
    t = Trace(np.full(1000, 100.0), logic, rate_hz=1000.0, meta={"marker_channel": 2})
    a = analyse(t)
    assert a.channel == 2 and [(w.start, w.end) for w in a.windows] == [(200, 210)]
    b = analyse(t, channel=0)
    assert b.channel == 0 and [(w.start, w.end) for w in b.windows] == [(600, 650)]


def test_the_idle_level_leaves_out_a_millisecond_around_each_pulse():
    # the current settles at 0.9 mA for 1 ms (100 samples) before and after the pulse
    ua = np.concatenate([np.full(50, 100.0), np.full(100, 900.0), np.full(50, 5000.0), np.full(100, 900.0),
                         np.full(100, 100.0)])
    logic = np.zeros(400, dtype=np.uint8)
    logic[150:200] = 1
    assert analyse(Trace(ua, logic)).idle_ua == 100.0
    # lost samples are no idle samples: 98 lost between two at 0.9 mA are not 98 samples at 0.9 mA
    ua[300] = ua[399] = 900.0
    ua[301:399] = np.nan
    assert analyse(Trace(ua, logic)).idle_ua == 100.0


def test_without_idle_samples_outside_the_pulses_there_is_no_idle_to_subtract():
    logic = np.zeros(150, dtype=np.uint8)
    logic[50:60] = 1
    t = Trace(np.full(150, 100.0), logic)      # every sample within 1 ms of the pulse
    a = analyse(t)
    assert a.idle_ua is None and a.windows[0].energy_uj == pytest.approx(3.3 * 100.0 * 10e-5)
    with pytest.raises(EnergyAnalysisError, match="^no idle samples outside the marker pulses to subtract: record "
                                                  "before and after$"):
        analyse(t, subtract_idle=True)


def test_a_threshold_analysis_has_levels_and_takes_the_methods_options():
    t = _levels((200, IDLE), (10, ACTIVE), (200, IDLE), (3, ACTIVE), (200, IDLE), rate_hz=1000.0, scope="soc")
    a = analyse(t, "threshold", channel=0, smooth=1)   # the board backend always passes its marker channel
    assert (a.method, a.basis, a.scope, a.channel) == ("threshold", GROSS, "soc", None)
    assert (a.idle_ua, a.active_ua, a.threshold_ua) == (IDLE, ACTIVE, 3000.0)
    assert [(w.start, w.end) for w in a.windows] == [(200, 210), (410, 413)]
    longer = analyse(t, "threshold", smooth=1, min_active_s=5e-3)
    assert [(w.start, w.end) for w in longer.windows] == [(200, 210)]
    assert longer.windows[0].energy_uj == pytest.approx(2.0 * ACTIVE * 10e-3)
    net = analyse(t, "threshold", smooth=1, subtract_idle=True)
    assert net.windows[0].energy_uj == pytest.approx(2.0 * (ACTIVE - IDLE) * 10e-3)


def test_an_unknown_method_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="^" + re.escape("unknown method 'edges': marker or threshold") + "$"):
        analyse(_pulse_trace(), "edges")


# --- the summary over repeated runs ---------------------------------------------------------

def _analysis(energies, times=None, basis=GROSS, scope="board") -> Analysis:
    times = times or [100.0] * len(energies)
    windows = [Window(start=10 * i, end=10 * i + 5, energy_uj=e, gross_uj=e, time_us=t, mean_ua=0.0, lost=0)
               for i, (e, t) in enumerate(zip(energies, times))]
    return Analysis(method="marker", basis=basis, scope=scope, voltage_v=3.3, windows=windows, idle_ua=None)


def test_the_summary_is_the_mean_and_sample_deviation_over_every_window_of_every_run():
    s = summarise([_analysis([1.0, 3.0], [10.0, 20.0]), _analysis([], []), _analysis([5.0], [30.0])])
    assert s == MeasuredEnergy(energy_uj=3.0, sd_uj=2.0, n=3, min_uj=1.0, max_uj=5.0, time_us=20.0, method="marker",
                               basis=GROSS, scope="board", kind="measured")
    assert s.rsd == pytest.approx(2.0 / 3.0)
    assert summarise([_analysis([2.0, 4.0])]).sd_uj == pytest.approx(2 ** 0.5)
    one = summarise([_analysis([7.0], scope="soc")])
    assert (one.energy_uj, one.sd_uj, one.n, one.min_uj, one.max_uj, one.scope) == (7.0, 0.0, 1, 7.0, 7.0, "soc")


def test_there_is_no_summary_without_windows_nor_of_different_kinds():
    for nothing in ([], [_analysis([])]):
        with pytest.raises(EnergyAnalysisError, match="^no windows to summarise$"):
            summarise(nothing)
    with pytest.raises(ValueError) as err:
        summarise([_analysis([1.0]), _analysis([1.0], basis=NET)])
    assert str(err.value) == ("analyses differ in method, basis or scope: "
                              "[('marker', 'gross', 'board'), ('marker', 'net of idle', 'board')]")


def test_a_result_reports_the_summary_and_where_its_trace_is():
    s = MeasuredEnergy(energy_uj=3.0, sd_uj=2.0, n=3, min_uj=1.0, max_uj=5.0, time_us=20.0, method="threshold",
                       basis=NET, scope="soc")
    extra = {"energy_scope": "soc", "energy_method": "threshold", "energy_basis": NET, "energy_sd_uj": 2.0,
             "energy_n": 3, "energy_uj_range": [1.0, 5.0], "energy_window_us": 20.0}
    assert powertrace.result_fields(s) == (3.0, "measured", extra)
    assert powertrace.result_fields(s, "traces/x.npz") == (3.0, "measured", dict(extra, power_trace="traces/x.npz"))


# --- storage --------------------------------------------------------------------------------

def test_a_saved_trace_reads_back_with_its_settings_meta_and_analysis(tmp_path):
    t = _pulse_trace(lost=1, meta={"marker_channel": 0, "port": Path("/dev/ttyACM0")})
    t.current_ua[3] = 0.1
    a = analyse(t)
    path = tmp_path / "a" / "b" / "run.npz"
    assert powertrace.save_trace(t, path, a) == path
    powertrace.save_trace(t, path, a)                 # saved again over the first
    with np.load(path) as z:                          # current as float32, logic bytes, the rest as JSON
        assert sorted(z.files) == ["current_ua", "logic", "meta"] and z["current_ua"].dtype == np.float32
    back, stored = powertrace.load_trace(path)
    assert (back.rate_hz, back.voltage_v, back.scope, back.lost) == (1000.0, 2.0, "soc", 1)
    assert back.meta == {"marker_channel": 0, "port": "/dev/ttyACM0"}
    assert back.current_ua.dtype == np.float64 and back.current_ua[3] == np.float32(0.1)
    np.testing.assert_array_equal(back.current_ua[4:], t.current_ua[4:])
    np.testing.assert_array_equal(back.logic, t.logic)
    assert stored == {**a.as_dict(), "windows": [asdict(w) for w in a.windows]}


def test_a_trace_without_logic_or_analysis_is_saved_without_them(tmp_path):
    t = _levels((10, IDLE), (5, ACTIVE), (10, IDLE))
    path = powertrace.save_trace(t, tmp_path / "plain.npz")
    with np.load(path) as z:
        assert sorted(z.files) == ["current_ua", "meta"]
    back, stored = powertrace.load_trace(path)
    assert stored is None and back.logic.tolist() == [0] * 25
    assert back.current_ua.tolist() == t.current_ua.tolist() and (back.rate_hz, back.voltage_v) == (100_000.0, 2.0)


def test_a_stored_trace_is_named_for_its_cell_beside_the_store(tmp_path):
    t = _pulse_trace()
    a = analyse(t)
    db = tmp_path / "results" / "wasmcu.sqlite"
    ref = powertrace.store_trace(t, db, "_Crc16@100+fast-X.", a)
    assert ref == "traces/Crc16@100+fast-X.npz"
    assert powertrace.trace_path(db, ref) == (tmp_path / "results" / "traces" / "Crc16@100+fast-X.npz").resolve()
    back, stored = powertrace.load_trace(powertrace.trace_path(db, ref))
    assert back.n == 1000 and stored["windows"][0]["start"] == 400
    assert powertrace.store_trace(t, db, "a b/c") == "traces/a_b_c.npz"
    assert powertrace.store_trace(t, db, " / ") == "traces/trace.npz"
    assert powertrace.load_trace(tmp_path / "results" / "traces" / "trace.npz")[1] is None
