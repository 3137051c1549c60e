"""The PPK2 without the instrument: its sample words decoded from synthetic bytes (fields,
calibration and the spike filter against ppk2-api's own per-sample code, alignment, lost
samples), its profile table checked and read, and the trace a recording gives (through the
pseudo-terminal PPK2 of ppk2_fake)."""

import re
import time
from types import SimpleNamespace

import numpy as np
import pytest

from ppk2_fake import CALIBRATION, FakePPK2, as_modifiers, steps
from wasmcu.errors import ConfigError, PowerMeterDisconnected, PowerMeterError
from wasmcu.measure import ppk2, ppk2_stream
from wasmcu.measure.ppk2 import MeterSettings, PowerMeter, check_ppk2, meter_settings
from wasmcu.measure.ppk2_stream import (ADC_MULT, SPIKE_ALPHA, SPIKE_ALPHA4, SPIKE_SAMPLES, _align, _ema, decode,
                                        fields, modifier_arrays, spike_filter, to_amps)

MODS = as_modifiers()
V_MV = 3300


def word(adc=0, rng=0, counter=0, logic=0):
    return adc | (rng << 14) | (counter << 18) | (logic << 24)


def stream(samples, first_counter=0) -> bytes:
    """(adc, range, logic) samples as the PPK2 sends them, its counter running from first_counter."""
    ws = [word(a, r, (first_counter + i) % 64, lg) for i, (a, r, lg) in enumerate(samples)]
    return np.array(ws, dtype="<u4").tobytes()


# --- the words' fields and the calibration ---------------------------------------------------

def test_each_field_of_a_sample_word():
    ws = np.array([word(0x3FFF, 3, 63, 0xA5), word(5, 7, 1, 1), word(0, 4, 0, 0x80), 0xFFFFFFFF], dtype=np.uint32)
    adc, rng, counter, logic = fields(ws)
    assert adc.tolist() == [0x3FFF, 5, 0, 0x3FFF]
    assert rng.tolist() == [3, 4, 4, 4]            # ranges 5-7 do not exist: read as the last (ppk2-api's min(.., 4))
    assert counter.tolist() == [63, 1, 0, 63]
    assert logic.tolist() == [0xA5, 1, 0x80, 0xFF] and logic.dtype == np.uint8
    # bit 17 is neither the range nor the counter
    assert [f.tolist() for f in fields(np.array([1 << 17], dtype=np.uint32))] == [[0], [0], [0], [0]]


def test_the_modifiers_become_arrays_by_range():
    m = modifier_arrays(MODS)
    assert sorted(m) == sorted(ppk2_stream.MODIFIER_KEYS) == sorted(CALIBRATION)
    for k, vals in CALIBRATION.items():
        assert m[k].tolist() == pytest.approx(vals) and m[k].dtype == np.float64
    assert modifier_arrays({k: {str(r): str(r + 1) for r in range(5)} for k in CALIBRATION})["R"].tolist() == [1, 2, 3, 4, 5]


def _ppk2_api(vdd_mv):
    """ppk2-api's decoder with the test's calibration (a serial port object that is never opened)."""
    from ppk2_api.ppk2_api import PPK2_API

    api = PPK2_API(None)
    api.modifiers.update({k: {str(r): v for r, v in enumerate(vals)} for k, vals in CALIBRATION.items()})
    api.current_vdd = vdd_mv
    return api


def _amps_scalar(adc, r, vdd_mv):
    """ppk2-api's get_adc_result on one sample, before its filter (a fresh decoder: no history)."""
    return _ppk2_api(vdd_mv).get_adc_result(r, adc * 4)


def test_the_calibration_formula_sample_by_sample():
    assert ADC_MULT == 1.8 / 163840
    adc = np.array([0, 1, 100, 5000, 16383, 8000, 12])
    rng = np.array([0, 1, 2, 3, 4, 2, 0])
    for vdd in (800, 3300, 5000):
        got = to_amps(adc, rng, modifier_arrays(MODS), vdd)
        assert got.tolist() == pytest.approx([_amps_scalar(int(a), int(r), vdd) for a, r in zip(adc, rng)], rel=1e-12)
    # a larger shunt (a lower range) reads the same code as a larger current
    one = to_amps(np.full(5, 8000), np.arange(5), modifier_arrays(MODS), V_MV)
    assert np.all(np.diff(one) > 0)


# --- the spike filter --------------------------------------------------------------------------

def _ppk2_api_filter(amps, ranges):
    """ppk2-api's get_adc_result's rolling averages, one sample at a time: its decoder with a
    calibration that reads each ADC code as that many amperes (gain 1, no offset, R = ADC_MULT)."""
    api = _ppk2_api(0)
    for key, value in (("R", ADC_MULT), ("O", 0), ("GS", 0), ("GI", 1), ("S", 0), ("I", 0), ("UG", 1)):
        api.modifiers[key] = {str(r): value for r in range(5)}
    return np.array([api.get_adc_result(int(r), a) for a, r in zip(amps.tolist(), ranges.tolist())])


@pytest.mark.parametrize("ranges", [
    [0] * 10,
    [0, 1, 1, 1, 1, 1, 1, 1],
    [2, 2, 2, 2, 2, 2, 2, 3],                  # a switch at the last sample
    [2, 2, 2, 2, 2, 2, 3, 3],                  # one sample before the end
    [1, 4, 4, 4, 4, 4, 4, 4, 4, 3, 3, 3],      # into range 4 (two samples left out) and out of it
    [0, 1, 0, 1, 0, 1, 0, 1, 0, 1],            # switches closer than the filter's length
    [4, 4, 3, 4, 4, 4, 2, 2, 4, 4, 4, 4],
    [3, 4],
    [4, 3, 4],
])
def test_the_spike_filter_is_ppk2_apis_on_fixed_range_sequences(ranges):
    rng = np.random.default_rng(len(ranges))
    r = np.array(ranges)
    amps = rng.uniform(1e-6, 1e-2, len(r))
    assert spike_filter(amps, r).tolist() == pytest.approx(_ppk2_api_filter(amps, r).tolist(), rel=1e-9, abs=1e-15)


def test_the_spike_filter_is_ppk2_apis_on_random_streams():
    rng = np.random.default_rng(7)
    for n in (1, 2, 3, 63, 64, 65, 300):
        r = rng.choice(5, size=n, p=[0.5, 0.1, 0.1, 0.1, 0.2])
        r[rng.random(n) < 0.7] = -1              # mostly long stretches of one range
        r = np.maximum.accumulate(np.where(r >= 0, np.arange(n), 0))
        r = np.where(rng.random(n) < 0.5, r % 5, 2)
        amps = rng.uniform(0, 1e-3, n)
        got = spike_filter(amps, r)
        assert got.tolist() == pytest.approx(_ppk2_api_filter(amps, r).tolist(), rel=1e-9, abs=1e-15), n


def test_no_range_switch_leaves_the_samples_as_they_are():
    amps = np.array([1.0, 5.0, 2.0])
    assert spike_filter(amps, np.array([2, 2, 2])) is amps
    empty = np.array([])
    assert spike_filter(empty, np.array([], dtype=int)).size == 0


def test_the_rolling_average_is_exact_across_blocks():
    rng = np.random.default_rng(3)
    for n in (1, 5, 64, 65, 129, 200):
        x = rng.normal(size=n)
        for alpha in (SPIKE_ALPHA, SPIKE_ALPHA4, 0.5):
            ref, r = [], x[0]
            for v in x:
                r = alpha * v + (1 - alpha) * r
                ref.append(r)
            for block in (64, 7):
                assert _ema(x, alpha, block).tolist() == pytest.approx(ref, rel=1e-9, abs=1e-12)


# --- the stream: alignment, lost samples -------------------------------------------------------

def test_a_stream_is_read_from_its_first_byte_unless_bytes_were_lost():
    raw = stream([(i * 10, 1, i % 2) for i in range(300)], first_counter=5)
    assert _align(raw).tolist() == np.frombuffer(raw, dtype="<u4").tolist()
    for junk in (1, 2, 3):
        got = _align(b"\x55" * junk + raw)
        assert got.tolist() == np.frombuffer(raw, dtype="<u4").tolist(), junk
    # a partial word at the end is left out
    assert _align(raw + b"\x01\x02").tolist() == np.frombuffer(raw, dtype="<u4").tolist()


def test_a_stream_without_a_running_counter_anywhere_is_read_from_its_first_byte():
    raw = b"\x01\x02\x03\x04" * 50 + b"\x09\x09\x09"     # every offset's counter stands still: all equally bad
    assert _align(raw).tolist() == [0x04030201] * 50


def test_too_short_a_stream_is_taken_as_it_is():
    assert _align(b"").tolist() == []
    assert _align(b"\x01\x02\x03\x04\x05").tolist() == [0x04030201]
    d = decode(b"", MODS, V_MV)
    assert (d.lost, d.received, d.current_ua.size) == (0, 0, 0)
    two = np.array([word(100, 1, 0), word(100, 1, 2)], dtype="<u4").tobytes()
    with pytest.raises(PowerMeterDisconnected, match="skips 1 samples in 2"):     # two words: their gap counts
        decode(two + b"\0\0\0", MODS, V_MV)       # (a partial word after them, as a stream cut short)
    d = decode(stream([(100, 2, 3)]), MODS, V_MV)
    assert (d.lost, d.received, d.logic.tolist(), d.ranges.tolist()) == (0, 1, [3], [2])
    assert d.current_ua[0] == pytest.approx(_amps_scalar(100, 2, V_MV) * 1e6)


def test_decoding_gives_microamps_logic_and_ranges():
    samples = [(1000, 1, 0), (1000, 1, 1), (2000, 1, 1), (3000, 1, 0)]
    d = decode(stream(samples, first_counter=62), MODS, V_MV)        # the counter wraps: nothing lost
    assert (d.lost, d.received) == (0, 4)
    assert d.current_ua.tolist() == pytest.approx([_amps_scalar(a, r, V_MV) * 1e6 for a, r, _ in samples])
    assert d.logic.tolist() == [0, 1, 1, 0] and d.logic.dtype == np.uint8
    assert d.ranges.tolist() == [1, 1, 1, 1] and d.ranges.dtype == np.uint8


def test_filtered_or_not():
    samples = [(1000, 1, 0)] * 3 + [(50, 3, 0)] * 4
    raw = stream(samples)
    plain = decode(raw, MODS, V_MV, filtered=False).current_ua
    assert plain.tolist() == pytest.approx([_amps_scalar(a, r, V_MV) * 1e6 for a, r, _ in samples])
    filt = decode(raw, MODS, V_MV).current_ua
    assert filt[:3].tolist() == pytest.approx(plain[:3].tolist())
    assert filt[3:6].tolist() != pytest.approx(plain[3:6].tolist())      # the three after the switch averaged
    assert filt[6] == pytest.approx(plain[6])


def test_lost_samples_are_nan_and_hold_the_logic_and_range_before_them():
    ws = [word(100, 2, 10, 1), word(200, 2, 11, 1), word(300, 3, 14, 0), word(400, 3, 15, 2),
          word(500, 3, 17, 2)]
    for _ in range(25):                       # enough samples around the gap to stay under a tenth lost
        ws.append(word(600, 3, (ws[-1] >> 18 & 0x3F) + 1, 2))
    d = decode(np.array(ws, dtype="<u4").tobytes(), MODS, V_MV, filtered=False)
    assert (d.lost, d.received, len(d.current_ua)) == (3, 30, 33)
    assert np.isnan(d.current_ua).nonzero()[0].tolist() == [2, 3, 6]
    assert d.current_ua[4] == pytest.approx(_amps_scalar(300, 3, V_MV) * 1e6)
    assert d.logic[:8].tolist() == [1, 1, 1, 1, 0, 2, 2, 2] and d.logic.dtype == np.uint8
    assert d.ranges[:8].tolist() == [2, 2, 2, 2, 3, 3, 3, 3] and d.ranges.dtype == np.uint8


def test_more_than_a_tenth_lost_is_a_corrupted_stream():
    def with_loss(n, lost):
        counters = list(range(n + lost))
        keep = [0] + counters[lost + 1:]            # `lost` samples missing after the first
        return np.array([word(100, 1, c % 64) for c in keep], dtype="<u4").tobytes()

    assert decode(with_loss(20, 2), MODS, V_MV).lost == 2            # 2 of 20: a tenth, accepted
    with pytest.raises(PowerMeterDisconnected, match="counter skips 3 samples in 20; unplug and replug"):
        decode(with_loss(20, 3), MODS, V_MV)


# --- the profile's [power.ppk2] ----------------------------------------------------------------

POWER = {"scope": "board", "board": {"voltage_v": 5.0}}


@pytest.mark.parametrize("table", [
    {}, {"port": "/dev/ttyACM3"}, {"marker_channel": 0}, {"marker_channel": 7}, {"marker_gpio": 0},
    {"marker_gpio": 29}, {"idle_ms": 0}, {"idle_ms": 10_000}, {"method": "threshold"}, {"method": "marker"},
])
def test_a_valid_ppk2_table(table):
    check_ppk2(table, POWER, "p.toml")


@pytest.mark.parametrize("table, field, expected", [
    ({"marker_channel": 8}, "power.ppk2.marker_channel", "0-7 (D0-D7)"),
    ({"marker_channel": -1}, "power.ppk2.marker_channel", "0-7"),
    ({"marker_channel": True}, "power.ppk2.marker_channel", "0-7"),
    ({"marker_channel": 1.0}, "power.ppk2.marker_channel", "0-7"),
    ({"marker_gpio": 30}, "power.ppk2.marker_gpio", "0-29"),
    ({"marker_gpio": -1}, "power.ppk2.marker_gpio", "0-29"),
    ({"marker_gpio": False}, "power.ppk2.marker_gpio", "0-29"),
    ({"marker_gpio": "2"}, "power.ppk2.marker_gpio", "0-29"),
    ({"idle_ms": 10_001}, "power.ppk2.idle_ms", "0-10000"),
    ({"idle_ms": -1}, "power.ppk2.idle_ms", "0-10000"),
    ({"idle_ms": True}, "power.ppk2.idle_ms", "0-10000"),
    ({"idle_ms": 1.5}, "power.ppk2.idle_ms", "0-10000"),
    ({"method": "edges"}, "power.ppk2.method", "'marker' or 'threshold'"),
    ({"port": 3}, "power.ppk2.port", "a serial port"),
    ({"zeta": 1, "alpha": 2}, "power.ppk2.alpha", "port, marker_channel, marker_gpio, idle_ms or method"),
])
def test_an_invalid_ppk2_table_names_its_field(table, field, expected):
    with pytest.raises(ConfigError) as err:
        check_ppk2(table, POWER, "p.toml")
    assert err.value.field == field and expected in err.value.expected and err.value.file == "p.toml"


def test_the_ppk2_table_must_be_a_table_and_the_scopes_voltage_one_it_can_source():
    with pytest.raises(ConfigError) as err:
        check_ppk2("COM3", POWER, "p.toml")
    assert (err.value.field, err.value.expected) == ("power.ppk2", "a table")
    for volts in (0.8, 5.0, 3):
        check_ppk2({}, {"scope": "core", "core": {"voltage_v": volts}}, "p.toml")
    for volts in (0.79, 5.01, 12):
        with pytest.raises(ConfigError, match=f"a PPK2 cannot source {volts} V") as err:
            check_ppk2({}, {"scope": "core", "core": {"voltage_v": volts}}, "p.toml")
        assert err.value.field == "power.core.voltage_v" and err.value.expected == "0.8 to 5.0 V with [power.ppk2]"
    # the scope is the board's unless named
    with pytest.raises(ConfigError, match="power.board.voltage_v"):
        check_ppk2({}, {"board": {"voltage_v": 6.0}}, "p.toml")
    check_ppk2({}, {"core": {"voltage_v": 6.0}}, "p.toml")          # no voltage for the board: nothing to check
    check_ppk2({}, {"board": {"voltage_v": "5 V"}}, "p.toml")       # not a number: the schema says so elsewhere


def _device(power):
    return SimpleNamespace(section=lambda name: power if name == "power" else {}, file="dev.toml")


def test_the_meter_settings_a_profile_gives(monkeypatch):
    monkeypatch.delenv("WASMCU_PPK2_PORT", raising=False)
    s = meter_settings(_device({"ppk2": {}, "board": {"voltage_v": 3.3}}))
    assert s == MeterSettings(voltage_mv=3300, scope="board", port=None, marker_channel=0, marker_gpio=2,
                              idle_ms=100, method="marker")
    table = {"port": "/dev/ttyACM7", "marker_channel": 3, "marker_gpio": 15, "idle_ms": 250, "method": "threshold"}
    s = meter_settings(_device({"ppk2": table, "scope": "core", "core": {"voltage_v": 1.8}, "board": {"voltage_v": 5}}))
    assert s == MeterSettings(voltage_mv=1800, scope="core", port="/dev/ttyACM7", marker_channel=3, marker_gpio=15,
                              idle_ms=250, method="threshold")
    # millivolts rounded, not cut: 2.01 V is 2009.999... mV in binary floating point
    assert meter_settings(_device({"ppk2": {}, "board": {"voltage_v": 2.01}})).voltage_mv == 2010
    monkeypatch.setenv("WASMCU_PPK2_PORT", "/dev/ttyACM9")            # the environment names the port
    assert meter_settings(_device({"ppk2": table, "board": {"voltage_v": 5.0}})).port == "/dev/ttyACM9"
    monkeypatch.setenv("WASMCU_PPK2_PORT", "")                        # empty: not set
    assert meter_settings(_device({"ppk2": table, "board": {"voltage_v": 5.0}})).port == "/dev/ttyACM7"


def test_a_device_without_a_ppk2_has_no_meter_settings():
    with pytest.raises(ConfigError, match="the device has no power meter") as err:
        meter_settings(_device({"board": {"voltage_v": 5.0}}))
    assert (err.value.file, err.value.field) == ("dev.toml", "power.ppk2")


def test_doctor_says_how_to_get_measured_energy_without_a_ppk2(monkeypatch):
    monkeypatch.setattr(ppk2, "find_ppk2", lambda: [])
    assert ppk2.doctor_lines() == ["power meters: no PPK2 connected (USB 1915:c00a); measured energy needs one"]
    monkeypatch.setattr(ppk2, "find_ppk2", lambda: ["/dev/ttyACM0", "/dev/ttyACM1"])
    lines = ppk2.doctor_lines()
    assert len(lines) == 2 and lines[1].startswith("power meter: PPK2 on /dev/ttyACM1 (measured energy;")


def test_opening_without_a_port_needs_exactly_one_ppk2(monkeypatch):
    monkeypatch.setattr(ppk2, "find_ppk2", lambda: [])
    with pytest.raises(PowerMeterError, match="no PPK2 found: no serial port with USB id 1915:c00a"):
        PowerMeter.open(None, 3300)
    monkeypatch.setattr(ppk2, "find_ppk2", lambda: ["/dev/a", "/dev/b"])
    with pytest.raises(PowerMeterError, match=r"2 PPK2s are connected \(/dev/a, /dev/b\)"):
        PowerMeter.open(None, 3300)
    for mv in (799, 5001):
        with pytest.raises(PowerMeterError, match=f"sources 800-5000 mV, not {mv} mV"):
            PowerMeter.open("/dev/a", mv)


# --- a recording (the pseudo-terminal PPK2) ---------------------------------------------------

RUN = [(5_000, 2_000.0, 0), (1_000, 20_000.0, 1), (5_000, 2_000.0, 0)]


def test_a_recording_is_a_trace_that_says_where_it_came_from(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with FakePPK2(steps(RUN)) as fake:
        with PowerMeter.open(fake.port, 1800, scope="core", marker_channel=2, spike_filter=False) as meter:
            assert not meter.recording()
            meter.start()
            assert meter.recording()
            raw_files = [p.name for p in tmp_path.iterdir()]
            assert len(raw_files) == 1 and re.fullmatch(r"wasmcu-ppk2-.*\.raw", raw_files[0])
            with pytest.raises(PowerMeterError, match=r"^the PPK2 is already recording: stop\(\) first$"):
                meter.start()
            while fake.generated < 11_000:
                time.sleep(0.01)
            p0 = time.process_time()
            trace = meter.stop()
            p1 = time.process_time()
            assert not meter.recording() and meter.powered
            with pytest.raises(PowerMeterError, match="not recording: start\\(\\) first"):
                meter.stop()
    assert not list(tmp_path.iterdir())
    assert (trace.scope, trace.voltage_v, trace.rate_hz, trace.lost) == ("core", 1.8, 100_000, 0)
    assert trace.meta == {"meter": "PPK2", "port": fake.port, "received": trace.n, "spike_filter": False,
                          "marker_channel": 2, "calibrated": "0", "hw": "9173"}
    assert trace.n >= 11_000
    assert np.nanmax(trace.current_ua) == pytest.approx(20_000.0, rel=0.02)
    assert 0 <= meter.decode_cpu_s <= p1 - p0                  # the decoding's share of stop()'s CPU time
    assert 0 < meter.reader_cpu_s < 30                          # the reader's CPU time, from its last line


def test_the_message_of_a_ppk2_that_stopped_says_after_how_many_samples():
    with FakePPK2(steps(RUN), disconnect_after=4_000) as fake:
        with pytest.raises(PowerMeterDisconnected) as err:
            with PowerMeter.open(fake.port, 3300) as meter:
                meter.start()
                time.sleep(0.3)
                meter.stop()
    m = re.fullmatch(rf"the PPK2 on {re.escape(fake.port)} disconnected after (\d+) samples \((.+)\): check its USB cable",
                     str(err.value))
    assert m and 0 < int(m.group(1)) <= fake.generated == 4_000, str(err.value)
    with FakePPK2(steps(RUN), stall_after=2_000) as fake:
        with PowerMeter.open(fake.port, 3300, stall_s=0.2) as meter:
            meter.start()
            time.sleep(0.5)
            with pytest.raises(PowerMeterDisconnected) as err:
                meter.stop()
    m = re.fullmatch(rf"the PPK2 on {re.escape(fake.port)} sent no samples for 0.2 s \(after (\d+) samples\)",
                     str(err.value))
    assert m and 0 < int(m.group(1)) <= fake.generated, str(err.value)


def test_the_commands_a_meter_sends_and_a_closed_meter_refuses_more():
    with FakePPK2(steps(RUN)) as fake:
        meter = PowerMeter.open(fake.port, 2500)
        fake.settle()
        ops = [c[0] for c in fake.commands]
        assert ops[:2] == [0x07, 0x19]                     # stop a stream left running, then the calibration
        assert ops[2:] == [0x11, 0x0D, 0x0C] and fake.commands[-1] == (0x0C, 0)  # source meter, voltage, VOUT off
        assert fake.source_mode and fake.vdd_mv == 2500 and not meter.powered
        meter.power(True)
        fake.settle()
        assert fake.commands[-1] == (0x0C, 1) and fake.powered and meter.powered
        meter.start(power_on=False)                        # already powered: start only
        fake.settle()
        assert fake.commands[-1] == (0x06,) and fake.measuring
        meter.close()
        fake.settle()
        assert not fake.measuring and not fake.powered and meter.api.ser is None and meter._reader is None
        meter.close()                                      # twice: nothing more to do
        with pytest.raises(PowerMeterDisconnected, match=f"the PPK2 on {re.escape(fake.port)} is closed"):
            meter.power(True)
        assert not meter.powered


def test_starting_unpowered_powers_the_board_first():
    with FakePPK2(steps(RUN)) as fake:
        with PowerMeter.open(fake.port, 3300) as meter:
            fake.settle()
            n = len(fake.commands)
            meter.start()
            fake.settle()
            assert fake.commands[n:] == [(0x0C, 1), (0x06,)]
            trace = meter.stop()
            fake.settle()
            assert fake.commands[-1] == (0x07,) and fake.powered     # stopped, still powered
    assert trace.scope == "board"                                    # the scope unless named


def test_a_powered_board_is_not_switched_on_again_and_a_port_closed_under_the_meter_is_said_so():
    with FakePPK2(steps(RUN)) as fake:
        with PowerMeter.open(fake.port, 3300) as meter:
            meter.power(True)
            fake.settle()
            n = len(fake.commands)
            meter.start()
            fake.settle()
            assert fake.commands[n:] == [(0x06,)]
            meter.stop()
            meter.api.ser.close()
            with pytest.raises(PowerMeterDisconnected, match="is closed"):
                meter.power(False)


def test_a_ppk2_left_streaming_is_stopped_and_its_stale_samples_are_dropped():
    import serial

    with FakePPK2(steps(RUN)) as fake:
        other = serial.Serial(fake.port, timeout=0.05)     # an earlier program started it and went away
        other.write(b"\x06")
        other.flush()
        time.sleep(0.2)
        other.close()
        assert fake.measuring and fake.generated > 0
        with PowerMeter.open(fake.port, 3300) as meter:
            assert meter.api.modifiers["HW"] == "9173"       # the calibration read cleanly after the samples
            fake.settle()
            assert not fake.measuring
