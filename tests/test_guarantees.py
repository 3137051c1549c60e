"""What the tool guarantees and no other test pinned down: each test here fails on a small,
plausible bug in the code it covers (checked by planting that bug)."""

import json
import sqlite3

import numpy as np
import pytest

from wasmcu import protocol
from wasmcu.errors import ConfigError, WasmcuError
from wasmcu.measure.cycles import CostModel, recost
from wasmcu.measure.footprint import footprint
from wasmcu.measure.powertrace import Trace, analyse, marker_windows
from wasmcu.measure.stats import summarize
from wasmcu.model import Cell, Result
from wasmcu.report.compare import compare
from wasmcu.store import Store

from conftest import link_elf, make_workload, wasmcu

SEVEN = "unsigned run(unsigned seed){return 7;}\n"
EIGHT = "unsigned run(unsigned seed){return 8;}\n"


# --- checksum verification, whatever the backend ------------------------------------------

def _workload(tmp_path):
    from wasmcu.workloads import load_workload

    return load_workload(make_workload(tmp_path, "seven", c=SEVEN))  # its oracle says 7


@pytest.mark.parametrize("backend, device", [("host", "host"), ("qemu", "pico"), ("board", "pico-board")])
def test_every_backends_checksum_is_checked_against_the_oracle(tmp_path, backend, device):
    from wasmcu.bench import verify

    wl = _workload(tmp_path)
    cell = Cell("seven", 4, "c", "native", device)
    bad = verify(Result(cell=cell, backend=backend, status="ok", checksum=8), wl)
    assert (bad.status, bad.expected) == ("mismatch", 7)
    assert bad.error == "checksum 0x00000008 differs from the oracle's 0x00000007"
    good = verify(Result(cell=cell, backend=backend, status="ok", checksum=7), wl)
    assert (good.status, good.expected, good.error) == ("ok", 7, None)
    none = verify(Result(cell=cell, backend=backend, status="ok"), wl)
    assert (none.status, none.error) == ("error", "the run reported no checksum")
    # a failed run keeps its own status and error; only the expected value is added
    failed = verify(Result(cell=cell, backend=backend, status="error", error="trap: unreachable", checksum=8), wl)
    assert (failed.status, failed.error, failed.expected) == ("error", "trap: unreachable", 7)
    # only the low 32 bits are compared (firmware reports a u32)
    wide = verify(Result(cell=cell, backend=backend, status="ok", checksum=(1 << 32) + 7), wl)
    assert wide.status == "ok"


@pytest.mark.qemu
@pytest.mark.slow
def test_a_pico_cell_with_a_wrong_checksum_is_stored_as_a_mismatch(tmp_path, db):
    from conftest import bench_json

    wl = make_workload(tmp_path, "eight", c=EIGHT)  # the oracle says 7
    proc, cells = bench_json("--device", "pico", "--runtime", "native", "--workload", "eight:4", "--lang", "c",
                             "--workload-dir", str(wl), "--db", str(db),
                             env={"WASMCU_CACHE": str(tmp_path / "cache")})
    assert proc.returncode == 1, proc.stderr
    [c] = cells
    assert (c["status"], c["backend"], c["checksum"], c["expected"]) == ("mismatch", "qemu", 8, 7)
    assert c["error"] == "checksum 0x00000008 differs from the oracle's 0x00000007"
    with Store(db) as s:
        [r] = s.results()
        assert (r.status, r.checksum, r.expected) == ("mismatch", 8, 7)


# --- results come back in plan order ---------------------------------------------------------

def test_results_come_back_in_plan_order_and_mismatches_are_caught_on_every_backend(tmp_path, db, monkeypatch):
    """Emulated cells run first, in parallel, host cells after them: the results are sorted
    back into the plan's order, and an emulated cell's wrong checksum is a mismatch."""
    from wasmcu.backends.host import HostBackend
    from wasmcu.backends.qemu import QemuBackend
    from wasmcu.bench import run_bench
    from wasmcu.plan import Spec, plan

    def fake_run(self, cell, workload, device, ctx):
        checksum = 8 if (cell.device, cell.runtime) == ("pico", "wasm3") else 7
        return Result(cell=cell, backend=device.backend, status="ok", checksum=checksum)

    monkeypatch.setattr(HostBackend, "run_cell", fake_run)
    monkeypatch.setattr(QemuBackend, "run_cell", fake_run)
    monkeypatch.setattr(QemuBackend, "unsupported_reason", lambda self, rt, dev: None)
    wl = make_workload(tmp_path, "seven", c=SEVEN, sizes=(4, 5))
    spec = Spec(devices="host,pico", runtimes="native,wasm3", workloads="seven:4,seven:5", langs="c",
                workload_dirs=[wl])
    cells = plan(spec)[0]
    assert [c.device for c in cells][:4] == ["host"] * 4  # host first: the ones that run last
    with Store(db) as store:
        run_id, results = run_bench(spec, store, jobs=2)
        stored = {r.cell: r for r in store.results(run_id)}
    assert [r.cell for r in results] == cells
    by = {(r.cell.device, r.cell.runtime, r.cell.n): r.status for r in results}
    assert by == {(d, rt, n): "mismatch" if (d, rt) == ("pico", "wasm3") else "ok"
                  for d in ("host", "pico") for rt in ("native", "wasm3") for n in (4, 5)}
    assert {c: r.status for c, r in stored.items()} == {r.cell: r.status for r in results}


# --- cost tables ----------------------------------------------------------------------------

FULL = {"load_use": 0, "dfetch_miss": 0, "alu": 1, "load": 2, "store": 2, "mul": 1, "div": 1, "branch_not_taken": 1,
        "branch_taken": 2, "jump": 2, "call": 3, "indirect": 2, "multi_base": 1, "multi_per_reg": 1,
        "pop_pc_extra": 2, "fetch_wait": 0, "ifetch_miss": 0, "source": "a manual"}


@pytest.mark.parametrize("changes, message", [
    ({"load": {"value": 5, "low": 1, "high": 4, "why": "x"}}, r"range \[1, 4\] does not hold the value 5"),
    ({"load": {"value": 0, "low": 1, "high": 4, "why": "x"}}, r"range \[1, 4\] does not hold the value 0"),
    ({"branch_not_taken": {"value": 1, "low": 1, "high": 5, "why": "refill"},
      "branch_taken": {"value": 2, "low": 2, "high": 3, "why": "refill"}},
     r"branch_taken \(3\) is less than branch_not_taken \(5\): a taken branch cannot be cheaper"),
    ({"branch_taken": {"value": 2, "low": 0, "high": 3, "why": "refill"}},
     r"branch_taken \(0\) is less than branch_not_taken \(1\): a taken branch cannot be cheaper"),
    ({"branch_taken": 0.5}, r"branch_taken \(0.5\) is less than branch_not_taken \(1\)"),
    ({"load": {"value": 2, "low": 1, "high": 3, "why": "  "}}, "a range without its reason"),
    ({"load": {"value": 2, "lo": 1}}, r"invalid cost \{'value': 2, 'lo': 1\}"),
    ({"load": {"low": 1}}, r"invalid cost \{'low': 1\}"),
    ({"load": True}, "invalid cost True"),
    ({"load": "2"}, "invalid cost '2'"),
    ({"load": {"value": 2, "low": -1, "high": 3, "why": "x"}}, "invalid low -1"),
    ({"load": {"value": 2, "low": 1, "high": "3", "why": "x"}}, "invalid high '3'"),
    ({"source": " "}, "invalid value"),
    ({"source": 3}, "invalid value"),
    ({"note": "fine", "lod": 1}, "unknown key 'lod'"),
])
def test_impossible_cost_tables_are_refused_naming_the_key(changes, message):
    with pytest.raises(ConfigError, match=message) as info:
        CostModel.from_table(dict(FULL, **changes), "costs.toml")
    assert "costs.toml" in str(info.value)


def test_equal_costs_and_ranges_that_hold_their_value_are_accepted():
    model = CostModel.from_table(dict(FULL, branch_taken=1, note="taken = not taken is allowed",
                                      load={"value": 2, "low": 2, "high": 2},
                                      store={"value": 2, "low": 1, "high": 3, "why": "bus"}), "costs.toml")
    assert model.costs["load"].why is None and (model.costs["load"].low, model.costs["load"].high) == (2, 2)
    assert (model.costs["store"].low, model.costs["store"].value, model.costs["store"].high) == (1, 2, 3)
    assert model.as_dict()["store"] == {"value": 2, "low": 1, "high": 3, "why": "bus"} and model.as_dict()["load"] == 2
    with pytest.raises(ConfigError, match="missing"):
        CostModel.from_table(None, "costs.toml")


EVENTS = {"insns": 100, "alu": 60, "load": 20, "store": 10, "mul": 0, "div": 0, "branch": 10, "taken_branches": 4,
          "jump": 0, "call": 0, "indirect": 0, "multi": 0, "multi_regs": 0, "pop_pc": 0}
MODEL_TOML = """[cycle_model]
source = "a manual"
alu = 1
load = 2
store = 2
mul = 1
div = 1
branch_not_taken = 1
branch_taken = 2
jump = 2
call = 3
indirect = 2
multi_base = 1
multi_per_reg = 1
pop_pc_extra = 2
fetch_wait = { value = 1, low = 0, high = 2, why = "flash wait states" }
ifetch_miss = 0
dfetch_miss = 0
load_use = 0
"""


def _emulated(device="pico", cycles=134, hz=125_000_000, runtime="native"):
    return Result(cell=Cell("w", 1, "c", runtime, device), backend="qemu", status="ok", checksum=1, expected=1,
                  cycles=cycles, extra={"events": {"run": EVENTS, "load": EVENTS}, "clock_hz": hz})


def test_recost_gives_cycles_and_times_with_their_range():
    model = CostModel.from_table(dict(FULL, fetch_wait={"value": 1, "low": 0, "high": 2, "why": "flash"}), "t.toml")
    # 60 alu + 2*20 loads + 2*10 stores + 6 not taken + 2*4 taken = 134, + 100 fetches * (1 | 0 | 2)
    [row] = recost([_emulated(), Result(cell=Cell("w", 1, "c", "native", "host"), backend="host")], model)
    assert (row.key, row.stored_cycles, row.cycles, row.low, row.high) == ("w:1/c/native/pico", 134, 234, 134, 334)
    assert row.time_us == pytest.approx(234 / 125)
    assert row.time_us_range == pytest.approx((134 / 125, 334 / 125))
    [other] = recost([_emulated(device="esp32c6", hz=160_000_000)], model, device="esp32c6")
    assert other.time_us == pytest.approx(234 / 160)


def test_recost_command_prints_the_new_estimates_of_stored_cells(tmp_path, db):
    with Store(db) as s:
        run = s.begin_run({})
        s.add_result(run, _emulated())
        s.add_result(run, _emulated(device="esp32c6", hz=160_000_000, runtime="wasm3"))
        s.add_result(run, Result(cell=Cell("w", 1, "c", "native", "host"), backend="host", status="ok"))
        s.finish_run(run)
    model = tmp_path / "slow-flash.toml"
    model.write_text(MODEL_TOML)
    proc = wasmcu("recost", "--model", str(model), "--device", "pico", "--db", str(db), "--json")
    assert proc.returncode == 0, proc.stderr
    [row] = json.loads(proc.stdout)
    assert (row["key"], row["stored_cycles"], row["cycles"], row["low"], row["high"]) == \
        ("w:1/c/native/pico", 134, 234, 134, 334)
    assert row["time_us"] == pytest.approx(1.872)
    assert row["time_us_range"] == pytest.approx([1.072, 2.672])
    proc = wasmcu("recost", "--model", str(model), "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "w:1/c/native/pico: 234 cycles [134 .. 334] (stored: 134); 1.9 µs [1.1 .. 2.7]",
        "w:1/c/wasm3/esp32c6: 234 cycles [134 .. 334] (stored: 134); 1.5 µs [0.8 .. 2.1]",
    ]
    proc = wasmcu("recost", "--model", str(model), "--device", "nrf5340", "--db", str(db))
    assert proc.returncode != 0 and "no stored emulated cell with event counts matches" in proc.stderr
    model.write_text(MODEL_TOML.replace("branch_taken = 2", "branch_taken = 0"))
    proc = wasmcu("recost", "--model", str(model), "--db", str(db))
    assert proc.returncode != 0 and "a taken branch cannot be cheaper" in proc.stderr


# --- footprint of an image without region symbols -----------------------------------------

PLAIN_SOURCE = """
    .text
    .global _start
_start: .space 1000
    .section .rodata
    .space 200
    .data
    .space 24
    .bss
    .space 300
"""
PLAIN_SCRIPT = """
MEMORY { flash (rx) : ORIGIN = 0x10000000, LENGTH = 64K  ram (rwx) : ORIGIN = 0x20000000, LENGTH = 32K }
SECTIONS {
  .text : { *(.text*) } > flash
  .rodata : { *(.rodata*) } > flash
  .data : { *(.data*) } > ram AT > flash
  .bss (NOLOAD) : { *(.bss*) } > ram
  .stack (NOLOAD) : { . += 2048; } > ram
}
"""


def test_an_image_without_region_symbols_counts_read_only_segments_in_flash_and_writable_ones_in_ram(tmp_path):
    elf = link_elf(tmp_path, PLAIN_SOURCE, PLAIN_SCRIPT)
    fp = footprint(elf)
    assert fp.flash_bytes == 1000 + 200                      # the read-only segment
    assert fp.ram_static_bytes == 24 + 300                   # the writable one, less the stack
    assert fp.stack_reserved_bytes == 2048 and fp.heap_limit_bytes == 0
    assert fp.uf2_bytes() == 5 * 512                         # 1200 bytes: five 256-byte blocks
    # with the regions given, .data's load image counts in flash too
    given = footprint(elf, flash=(0x10000000, 0x10000), ram=(0x20000000, 0x8000))
    assert (given.flash_bytes, given.ram_static_bytes) == (1000 + 200 + 24, 24 + 300)


# --- statistics -----------------------------------------------------------------------------

def test_the_interval_is_a_95_percent_bootstrap_interval_of_the_median():
    x = np.array([10.0, 12.0, 9.0, 15.0, 11.0, 13.0, 8.0, 14.0, 10.5, 12.5, 9.5, 30.0])
    s = summarize(list(x))
    rng = np.random.default_rng(0)
    boots = np.median(rng.choice(x, size=(2000, x.size), replace=True), axis=1)
    assert (s.ci_low, s.ci_high) == tuple(np.quantile(boots, [0.025, 0.975]))
    narrower = summarize(list(x), confidence=0.80)
    assert narrower.ci_low > s.ci_low and narrower.ci_high < s.ci_high
    assert (s.n, s.median, s.mad) == (12, 11.5, 1.75)
    assert s.outliers == [11]  # 30 lies 18.5 from the median: more than 3.5 x 1.4826 x 1.75
    two = summarize([3.0, 5.0])
    assert (two.ci_low, two.median, two.ci_high) == (3.0, 4.0, 5.0)
    with pytest.raises(ValueError, match="no samples"):
        summarize([])


def test_instability_is_judged_on_the_scaled_mad_against_ten_percent():
    # median 100, MAD 6: scaled spread 8.9 % -> stable; MAD 7: 10.4 % -> unstable
    assert not summarize([94.0, 100.0, 106.0, 94.0, 100.0, 106.0, 100.0]).unstable
    s = summarize([93.0, 100.0, 107.0, 93.0, 100.0, 107.0, 100.0])
    assert s.unstable and s.warning == "unstable: spread is 10% of the median (MAD-based); use more --repeat, or a quieter machine"
    # every sample equal: no spread, no outlier, no warning
    flat = summarize([5.0] * 6)
    assert (flat.mad, flat.outliers, flat.unstable, flat.warning) == (0.0, [], False, None)
    # two outliers of twenty: 20 // 10 = 2, not more, no warning; three are
    base = [10.0, 10.1, 9.9] * 6
    assert summarize(base + [50.0, 60.0]).warning is None
    assert summarize(base + [50.0, 60.0, 70.0]).warning == "3 of 21 samples are outliers"


# --- the store ------------------------------------------------------------------------------

def test_the_newest_result_of_a_cell_is_the_one_read_back(db):
    cell = Cell("crc16", 4, "c", "native", "host")
    with Store(db) as s:
        run = s.begin_run({})
        s.add_result(run, Result(cell=cell, backend="host", status="error", error="first try"))
        s.add_result(run, Result(cell=cell, backend="host", status="ok", checksum=7, time_us=2.0,
                                 time_us_ci=[1.5, 2.5], samples_us=[2.0, 1.5, 2.5], load_samples_us=[9.0]))
        other = s.begin_run({})
        s.add_result(other, Result(cell=cell, backend="host", status="mismatch"))
    with Store(db) as s:
        [r] = s.results(run)
        assert (r.status, r.checksum, r.time_us, r.time_us_ci) == ("ok", 7, 2.0, [1.5, 2.5])
        assert (r.samples_us, r.load_samples_us) == ([2.0, 1.5, 2.5], [9.0])
        assert [x.status for x in s.results()] == ["mismatch"]  # the latest run by default
        assert s.done_cells(run) == {cell} and s.latest_run_id() == other


def test_migration_moves_host_rss_out_of_peak_ram_and_keeps_firmware_peak_ram(tmp_path):
    path = tmp_path / "old.sqlite"
    with Store(path) as s:
        run = s.begin_run({})
        s.add_result(run, Result(cell=Cell("crc16", 4, "c", "wasm3", "host"), backend="host", status="ok",
                                 ram_peak_bytes=30_000_000))
        s.add_result(run, Result(cell=Cell("crc16", 4, "c", "wasm3", "pico"), backend="qemu", status="ok",
                                 ram_peak_bytes=90_000))
    con = sqlite3.connect(path)  # back to the layout before host_rss_bytes
    con.execute("ALTER TABLE results DROP COLUMN host_rss_bytes")
    con.execute("PRAGMA user_version = 2")
    con.commit()
    con.close()
    with Store(path) as s:
        by = {r.cell.device: r for r in s.results(run)}
        version = s.db.execute("PRAGMA user_version").fetchone()[0]
    assert (by["host"].host_rss_bytes, by["host"].ram_peak_bytes) == (30_000_000, None)
    assert (by["pico"].host_rss_bytes, by["pico"].ram_peak_bytes) == (None, 90_000)
    assert version == Result.SCHEMA
    with Store(path) as s:  # opening it again changes nothing
        assert {r.cell.device: r.ram_peak_bytes for r in s.results(run)} == {"host": None, "pico": 90_000}


def test_runs_record_their_state_and_resuming_reopens_them(db):
    with Store(db) as s:
        assert s.results() == [] and s.latest_run_id() is None and s.run(1) is None
        run = s.begin_run({"suite": "paper"}, ["wasmcu", "bench"], {"git_revision": "abc"})
        assert s.run(run)["state"] == "running" and s.latest_run_id() is None  # no result yet
        s.finish_run(run, "interrupted")
        row = s.run(run)
        assert row["state"] == "interrupted" and row["finished"] is not None
        assert json.loads(row["spec"]) == {"suite": "paper"} and json.loads(row["argv"]) == ["wasmcu", "bench"]
        s.reopen_run(run)
        assert (s.run(run)["state"], s.run(run)["finished"]) == ("running", None)
        s.finish_run(run)
        assert [r["state"] for r in s.runs()] == ["complete"]


# --- the line protocol ----------------------------------------------------------------------

def test_crlf_lines_keep_a_quoted_value_at_their_end():
    r = protocol.parse(b'boot\r\n@wasmcu checksum=7 error="trap: out of bounds"\r\n@wasmcu stack_hwm=512\r\n'
                       b"@wasmcu end=1\r\n")
    assert r.fields == {"checksum": "7", "error": "trap: out of bounds", "stack_hwm": "512", "end": "1"}
    assert r.ended and r.int("checksum") == 7 and r.noise == ["boot"] and r.malformed == []


@pytest.mark.parametrize("line", [
    '@wasmcu checksum=7 error="unterminated',
    "@wasmcu =7",
    "@wasmcu checksum",
    "@wasmcu check-sum=7",
    "@wasmcu chécksum=7",
])
def test_malformed_records_are_kept_apart_and_never_give_a_field(line):
    r = protocol.parse((line + "\n@wasmcu end=1\n").encode())
    assert r.malformed == [line] and r.fields == {"end": "1"} and r.ended


def test_values_are_numbers_only_when_they_parse():
    r = protocol.parse(b"@wasmcu a=0x10 b=17 c=abc d= e=\"\\\"q\\\\\"\n")
    assert (r.int("a"), r.int("b"), r.int("c"), r.int("missing")) == (16, 17, None, None)
    assert r.fields["d"] == "" and r.fields["e"] == '"q\\'
    assert protocol.quote("plain") == "plain" and protocol.quote("") == '""'
    assert protocol.quote('a "b"\nc\\') == '"a \\"b\\" c\\\\"'


# --- power traces ---------------------------------------------------------------------------

def test_a_trace_that_starts_inside_a_marker_pulse_leaves_that_pulse_out():
    logic = np.zeros(1000, dtype=np.uint8)
    logic[:10] = 1        # already high when recording began: not a whole run
    logic[300:350] = 1
    logic[600:650] = 1
    current = np.where(logic == 1, 5000.0, 100.0)
    trace = Trace(current, logic, rate_hz=100_000, voltage_v=2.0)
    assert marker_windows(trace) == [(300, 350), (600, 650)]
    a = analyse(trace, "marker")
    assert [(w.start, w.end) for w in a.windows] == [(300, 350), (600, 650)]
    for w in a.windows:
        assert w.time_us == pytest.approx(500.0) and w.energy_uj == pytest.approx(2.0 * 5000 * 50 * 1e-5)
    # the idle level comes from outside the pulses (and a guard of 1 ms = 100 samples around them)
    assert a.idle_ua == pytest.approx(100.0)


def test_markers_on_another_input_are_read_from_their_own_bit():
    logic = np.zeros(300, dtype=np.uint8)
    logic[100:120] = 0b100  # D2
    logic[200:210] = 0b001  # D0
    trace = Trace(np.full(300, 1000.0), logic, meta={"marker_channel": 2})
    assert marker_windows(trace, 2) == [(100, 120)] and marker_windows(trace, 0) == [(200, 210)]
    a = analyse(trace)  # the channel the trace's meta names
    assert a.channel == 2 and [(w.start, w.end) for w in a.windows] == [(100, 120)]


# --- compare --------------------------------------------------------------------------------

def _host(t, samples, rt="native"):
    return Result(cell=Cell("crc16", 100, "c", rt, "host"), backend="host", status="ok", time_us=t,
                  time_kind="measured", samples_us=samples)


def test_a_slower_host_cell_within_the_noise_is_not_a_regression():
    noisy_a = [10.0, 20.0, 10.0, 20.0, 15.0, 12.0, 18.0]
    noisy_b = [11.0, 21.0, 11.0, 21.0, 16.0, 13.0, 19.0]
    [d] = compare([_host(15.0, noisy_a)], [_host(16.0, noisy_b)], threshold_pct=5)
    assert d.ratio == pytest.approx(16 / 15) and d.interval[0] < 1 < d.interval[1]
    assert not d.significant and not d.regression and not d.exact
    steady_b = [x * 1.5 for x in [10.0, 10.1, 9.9, 10.0, 10.2]]
    [d] = compare([_host(10.0, [10.0, 10.1, 9.9, 10.0, 10.2])], [_host(15.0, steady_b)], threshold_pct=5)
    assert d.significant and d.regression and d.interval[0] > 1
    # significantly slower, but less than the threshold: significant, not a regression
    [d] = compare([_host(10.0, [10.0, 10.1, 9.9, 10.0, 10.2])],
                  [_host(10.3, [10.3, 10.4, 10.2, 10.3, 10.5])], threshold_pct=5)
    assert d.significant and not d.regression
    # faster: significant, never a regression
    [d] = compare([_host(10.0, [10.0, 10.1, 9.9, 10.0, 10.2])], [_host(5.0, [5.0, 5.1, 4.9, 5.0, 5.1])], 5)
    assert d.significant and not d.regression and d.interval[1] < 1


def test_host_cells_without_samples_compare_their_stored_intervals():
    a = Result(cell=Cell("crc16", 100, "c", "native", "host"), backend="host", status="ok", time_us=10.0,
               time_kind="measured", time_us_ci=[9.5, 10.5])
    overlapping = a.replace(time_us=10.6, time_us_ci=[10.0, 11.0])
    [d] = compare([a], [overlapping], threshold_pct=5)
    assert d.interval == pytest.approx((10.0 / 10.5, 11.0 / 9.5)) and not d.significant and not d.regression
    apart = a.replace(time_us=12.0, time_us_ci=[11.5, 12.5])
    [d] = compare([a], [apart], threshold_pct=5)
    assert d.interval == pytest.approx((11.5 / 10.5, 12.5 / 9.5)) and d.significant and d.regression


def test_emulated_cells_compare_exactly_and_lost_cells_are_regressions():
    pico = Result(cell=Cell("crc16", 100, "c", "wasm3", "pico"), backend="qemu", status="ok", time_us=100.0,
                  time_kind="estimated", cycles=12_500, instructions=9_000)
    [d] = compare([pico], [pico.replace(time_us=104.0, cycles=13_000, instructions=9_100)], threshold_pct=5)
    assert d.exact and d.significant and not d.regression and (d.cycles_delta, d.instructions_delta) == (500, 100)
    [d] = compare([pico], [pico.replace(time_us=106.0, cycles=13_250)], threshold_pct=5)
    assert d.exact and d.regression and (d.cycles_delta, d.instructions_delta) == (750, 0)
    [d] = compare([pico], [pico], threshold_pct=5)
    assert d.exact and not d.significant and not d.regression and d.ratio == 1
    [d] = compare([pico], [pico.replace(status="mismatch", error="checksum differs")], threshold_pct=5)
    assert d.regression and d.note == "was ok, now mismatch: checksum differs"
    # a cell only in one run is not compared; a cell that was failing and now is ok is no regression
    assert compare([pico], [pico.replace(cell=Cell("crc16", 100, "c", "native", "pico"))], 5) == []
    [d] = compare([pico.replace(status="error")], [pico], threshold_pct=5)
    assert not d.regression and d.ratio is None


def test_compare_prints_each_cell_with_its_verdict_and_exits_1_on_a_regression(db, capsys):
    from argparse import Namespace

    from wasmcu.report.compare import compare_main

    steady = [10.0, 10.1, 9.9, 10.0, 10.2]
    pico = Result(cell=Cell("crc16", 100, "c", "wasm3", "pico"), backend="qemu", status="ok", time_us=100.0,
                  time_kind="estimated", cycles=12_500, instructions=9_000)
    with Store(db) as s:
        a = s.begin_run({}, [], {"machine": {"cpu": "x"}})
        s.add_result(a, _host(10.0, steady))
        s.add_result(a, _host(10.0, steady, rt="wasm3"))
        s.add_result(a, pico)
        b = s.begin_run({}, [], {"machine": {"cpu": "x"}})
        s.add_result(b, _host(15.0, [x * 1.5 for x in steady]))
        s.add_result(b, _host(10.0, steady, rt="wasm3"))
        s.add_result(b, pico.replace(cycles=12_000, instructions=8_900, time_us=96.0))
    args = Namespace(db=db, a=str(a), b=str(b), threshold=5.0, strict=False)
    assert compare_main(args) == 1
    out = capsys.readouterr().out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 3}
    assert "REGRESSION significant" in rows["crc16:100/c/native/host"] and "1.500" in rows["crc16:100/c/native/host"]
    assert "not significant" in rows["crc16:100/c/wasm3/host"] and "REGRESSION" not in rows["crc16:100/c/wasm3/host"]
    assert "exact: -500 cycles, -100 instructions" in rows["crc16:100/c/wasm3/pico"]
    assert out.splitlines()[-1] == "3 cells compared, 2 changed significantly, 1 regressed beyond 5%"
    assert compare_main(Namespace(db=db, a=str(a), b=str(a), threshold=5.0, strict=False)) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "3 cells compared, 0 changed significantly, 0 regressed beyond 5%"
    with pytest.raises(WasmcuError, match=r"there is no run 9 in .* \(runs: 1, 2\)"):
        compare_main(Namespace(db=db, a="9", b=str(b), threshold=5.0, strict=False))
