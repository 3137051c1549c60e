"""Cost tables and cycle estimates by hand: what each cost multiplies, the low/value/high sums,
the exact message for every way a table is wrong, the round trip through a file, re-costing."""

import pytest

from wasmcu.errors import ConfigError
from wasmcu.measure.cycles import COSTS, META_KEYS, Cost, CostModel, Estimate, coefficients, recost
from wasmcu.model import Cell, Result

# a complete table without the optional costs (FPU, dual_pair): every figure a plain number
TABLE = {"source": "a manual", "alu": 1, "load": 2, "store": 2, "mul": 1, "div": 8, "branch_not_taken": 1,
         "branch_taken": 2, "jump": 2, "call": 3, "indirect": 2, "multi_base": 1, "multi_per_reg": 1,
         "pop_pc_extra": 2, "fetch_wait": 0, "ifetch_miss": 0, "dfetch_miss": 0, "load_use": 0}
REQUIRED = {"insns": 100, "alu": 50, "load": 20, "store": 10, "mul": 3, "div": 2, "branch": 12, "taken_branches": 5,
            "jump": 4, "call": 6, "indirect": 7, "multi": 8, "multi_regs": 9, "pop_pc": 1}
ALL_KEYS = ", ".join(COSTS)
NO_REASON = "a range without its reason (expected why = \"what makes the cost uncertain\")"


def model(**changes):
    return CostModel.from_table({**TABLE, **changes}, "costs.toml")


def refused(table, file="costs.toml") -> str:
    with pytest.raises(ConfigError) as info:
        CostModel.from_table(table, file)
    return str(info.value)


# --- what each cost multiplies -------------------------------------------------------------------

def test_coefficients_of_every_cost():
    events = {**REQUIRED, "push_lr": 2, "compressed": 30, "load_use": 11, "fp": 13, "fp_mac": 14, "fp_div": 15,
              "pair16": 16, "ifetch_hit": 90, "ifetch_miss": 17, "dfetch_hit": 40, "dfetch_miss": 18}
    assert coefficients(events) == {
        "alu": 50 - 2 * 16, "load": 20, "store": 10, "mul": 3, "div": 2, "branch_not_taken": 12 - 5,
        "branch_taken": 5, "jump": 4, "call": 6, "indirect": 7, "multi_base": 8, "multi_per_reg": 9,
        "pop_pc_extra": 1, "fetch_wait": 100, "ifetch_miss": 17, "dfetch_miss": 18, "load_use": 11, "fp": 13,
        "fp_mac": 14, "fp_div": 15, "dual_pair": 16}


def test_events_counted_later_are_zero_when_a_stored_result_lacks_them():
    c = coefficients(REQUIRED)
    assert (c["load_use"], c["fp"], c["fp_mac"], c["fp_div"], c["dual_pair"], c["ifetch_miss"], c["dfetch_miss"]) \
        == (0, 0, 0, 0, 0, 0, 0)
    assert c["alu"] == 50 and c["branch_not_taken"] == 7


def test_events_always_counted_are_required():
    events = {k: v for k, v in REQUIRED.items() if k not in ("load", "taken_branches")}
    with pytest.raises(ValueError, match=r"^event counts lack load, taken_branches$"):
        coefficients(events)


# --- estimates -----------------------------------------------------------------------------------

def test_the_estimate_sums_the_values_the_lows_and_the_highs_apart():
    m = model(load={"value": 2, "low": 1, "high": 3, "why": "bus"},
              fetch_wait={"value": 1, "low": 0, "high": 2, "why": "flash wait states"})
    # alu 50 + loads 20 x 2 [1..3] + stores 10 x 2 + mul 3 + div 2 x 8 + 7 not taken + 5 x 2 taken + 4 x 2 jumps
    # + 6 x 3 calls + 7 x 2 indirect + 8 multi + 9 registers + 1 x 2 pop pc + 100 fetches x 1 [0..2]
    fixed = 50 + 20 + 3 + 16 + 7 + 10 + 8 + 18 + 14 + 8 + 9 + 2
    assert m.estimate(REQUIRED) == Estimate(cycles=fixed + 40 + 100, low=fixed + 20 + 0, high=fixed + 60 + 200)


def test_fpu_events_need_fpu_costs_only_when_counted():
    no_fpu = model()
    assert "fp" not in no_fpu.costs
    base = no_fpu.estimate(REQUIRED).cycles
    assert no_fpu.estimate({**REQUIRED, "fp": 0, "fp_mac": 0, "fp_div": 0}).cycles == base
    with pytest.raises(ValueError) as info:
        no_fpu.estimate({**REQUIRED, "fp": 0, "fp_mac": 2000, "fp_div": 3})
    assert str(info.value) == ("2,000 fp_mac events were counted but the cost table has no 'fp_mac' cost (a core "
                               "without an FPU): is the firmware built for this core?")
    fpu = model(fp=1, fp_mac={"value": 3, "low": 2, "high": 4, "why": "pipelined"}, fp_div=14)
    assert fpu.estimate({**REQUIRED, "fp": 5, "fp_mac": 2, "fp_div": 1}) == \
        Estimate(base + 5 + 6 + 14, base + 5 + 4 + 14, base + 5 + 8 + 14)


def test_a_table_without_dual_pair_costs_a_pair_as_two_alu_instructions():
    fixed = model()
    assert fixed.costs["dual_pair"] == Cost(2.0, 2.0, 2.0, None)
    paired = {**REQUIRED, "pair16": 10}
    assert fixed.estimate(paired) == fixed.estimate(REQUIRED)
    ranged = model(alu={"value": 1, "low": 1, "high": 2, "why": "wait states"})
    assert ranged.costs["dual_pair"] == Cost(2.0, 2.0, 4.0, "2 x alu")
    # a table that says a pair issues in one cycle: its own figure stands
    dual = model(dual_pair=1)
    assert dual.costs["dual_pair"] == Cost(1.0, 1.0, 1.0, None)
    assert dual.estimate(paired).cycles == fixed.estimate(paired).cycles - 10


# --- tables: what is accepted, as read -----------------------------------------------------------

def test_costs_are_read_as_numbers_or_ranges_with_their_reason():
    m = model(load={"value": 2, "low": 1, "high": 3, "why": "bus"}, store={"value": 2}, mul={"value": 1, "high": 3,
              "why": "early out"}, div={"value": 8, "low": 2, "why": "early out"}, jump=2.5, fetch_wait=0,
              call={"value": 3, "why": "exact, says the manual"}, note="anything")
    assert m.source == "a manual"
    assert m.costs["alu"] == Cost(1.0, 1.0, 1.0, None)
    assert m.costs["load"] == Cost(2.0, 1.0, 3.0, "bus")
    assert m.costs["store"] == Cost(2.0, 2.0, 2.0, None)     # no range: no reason needed
    assert m.costs["mul"] == Cost(1.0, 1.0, 3.0, "early out")  # a missing end is the value
    assert m.costs["div"] == Cost(8.0, 2.0, 8.0, "early out")
    assert m.costs["jump"] == Cost(2.5, 2.5, 2.5, None)
    assert m.costs["fetch_wait"] == Cost(0.0, 0.0, 0.0, None)  # zero is a cost
    assert m.costs["call"] == Cost(3.0, 3.0, 3.0, "exact, says the manual")
    assert set(m.costs) == set(COSTS) - {"fp", "fp_mac", "fp_div"}
    # a range may end at its value on either side
    assert model(load={"value": 1, "low": 1, "high": 2, "why": "x"}).costs["load"] == Cost(1.0, 1.0, 2.0, "x")
    assert model(load={"value": 2, "low": 1, "high": 2, "why": "x"}).costs["load"] == Cost(2.0, 1.0, 2.0, "x")
    assert model(load=0.5).costs["load"] == Cost(0.5, 0.5, 0.5, None)


def test_a_table_written_back_reads_the_same():
    m = model(load={"value": 2, "low": 1, "high": 3, "why": "bus"}, call={"value": 3, "why": "exact"},
              alu={"value": 1, "low": 1, "high": 2, "why": "wait states"})
    d = m.as_dict()
    assert d["source"] == "a manual" and d["store"] == 2.0
    assert d["load"] == {"value": 2.0, "low": 1.0, "high": 3.0, "why": "bus"}
    assert d["call"] == {"value": 3.0, "low": 3.0, "high": 3.0, "why": "exact"}  # the reason is kept
    assert d["dual_pair"] == {"value": 2.0, "low": 2.0, "high": 4.0, "why": "2 x alu"}
    assert CostModel.from_table(d, "again.toml") == m
    # TOML has no null: a range without a reason (built in code) is written without the key
    assert CostModel({"alu": Cost(1.0, 0.0, 2.0)}, "fit").as_dict() == \
        {"source": "fit", "alu": {"value": 1.0, "low": 0.0, "high": 2.0}}


# --- tables: every way to be wrong, with the file, the key and what was expected -----------------

def test_no_table_at_all():
    assert refused(None) == (f"costs.toml: field 'cycle_model': missing (expected a [cycle_model] table with the "
                             f"costs {ALL_KEYS} and a source)")
    assert refused([1, 2]).startswith("costs.toml: field 'cycle_model': missing (")


def test_missing_keys_are_all_named():
    table = {k: v for k, v in TABLE.items() if k not in ("load", "source")}
    assert refused(table) == (f"costs.toml: field 'cycle_model': incomplete cycle model: missing load, source "
                              f"(expected every cost key ({ALL_KEYS}) and a source)")


def test_the_first_unknown_key_is_named():
    assert refused({**TABLE, "lod": 2, "stor": 2}) == (
        "costs.toml: field 'cycle_model.lod': unknown key 'lod' (expected one of "
        + ", ".join((*COSTS, *META_KEYS)) + ")")


@pytest.mark.parametrize("source", ["", "  ", 3, None])
def test_the_source_must_say_where_the_costs_come_from(source):
    assert refused({**TABLE, "source": source}) == ("costs.toml: field 'cycle_model.source': invalid value "
                                                    "(expected the documents and sections the costs come from)")


@pytest.mark.parametrize("raw, message", [
    (-1, "invalid cost -1 (expected a number of cycles >= 0)"),
    (True, "invalid cost True (expected a number of cycles >= 0)"),
    ("2", "invalid cost '2' (expected a number of cycles >= 0)"),
    ({"value": "2"}, "invalid value '2' (expected a number of cycles >= 0)"),
    ({"value": 2, "low": -1, "high": 3, "why": "x"}, "invalid low -1 (expected a number of cycles >= 0)"),
    ({"value": 2, "low": 1, "high": None, "why": "x"}, "invalid high None (expected a number of cycles >= 0)"),
    ({"value": 2, "lo": 1}, "invalid cost {'value': 2, 'lo': 1} "
                            "(expected a number, or { value = N, low = L, high = H, why = \"reason\" })"),
    ({"low": 1, "high": 2, "why": "x"}, "invalid cost {'low': 1, 'high': 2, 'why': 'x'} "
                                        "(expected a number, or { value = N, low = L, high = H, why = \"reason\" })"),
    ({"value": 5, "low": 1, "high": 4, "why": "x"}, "range [1, 4] does not hold the value 5 "
                                                    "(expected low <= value <= high)"),
    ({"value": 0.5, "low": 1, "high": 4, "why": "x"}, "range [1, 4] does not hold the value 0.5 "
                                                      "(expected low <= value <= high)"),
    ({"value": 2, "low": 1, "high": 3}, NO_REASON),
    ({"value": 2, "high": 3, "why": " "}, NO_REASON),
    ({"value": 2, "low": 1, "why": 3}, NO_REASON),
])
def test_a_bad_cost_is_refused_naming_its_key(raw, message):
    assert refused({**TABLE, "load": raw}, "t.toml") == f"t.toml: field 'cycle_model.load': {message}"


@pytest.mark.parametrize("not_taken, taken, shown", [
    (2, 1, "branch_taken (1) is less than branch_not_taken (2)"),
    ({"value": 1, "low": 1, "high": 3, "why": "x"}, {"value": 2, "low": 1, "high": 2, "why": "y"},
     "branch_taken (2) is less than branch_not_taken (3)"),          # the highs
    ({"value": 1, "low": 1, "high": 2, "why": "x"}, {"value": 2, "low": 0.5, "high": 3, "why": "y"},
     "branch_taken (0.5) is less than branch_not_taken (1)"),        # the lows
])
def test_a_taken_branch_cannot_cost_less_than_one_not_taken(not_taken, taken, shown):
    assert refused({**TABLE, "branch_not_taken": not_taken, "branch_taken": taken}) == (
        f"costs.toml: field 'cycle_model.branch_taken': {shown}: a taken branch cannot be cheaper "
        "(expected >= branch_not_taken)")
    model(branch_not_taken=2, branch_taken=2)  # as cheap is allowed


# --- a table in a file ---------------------------------------------------------------------------

def test_a_cost_table_file_is_read_and_its_problems_name_it(tmp_path):
    f = tmp_path / "m.toml"
    plain = "".join(f"{k} = {v}\n" for k, v in TABLE.items() if k not in ("source", "load_use"))
    f.write_text(f'[cycle_model]\nsource = "a manual"\n{plain}'
                 'load_use = { value = 2, low = 1, high = 3, why = "bus" }\n')
    m = CostModel.from_file(f)
    assert m == model(load_use={"value": 2, "low": 1, "high": 3, "why": "bus"})
    f.write_text('[cycle_model]\nsource = "a manual"\nalu = 1\n')
    with pytest.raises(ConfigError, match=r"^.*m\.toml: field 'cycle_model': incomplete cycle model: missing load, "):
        CostModel.from_file(f)
    f.write_text("[other]\nx = 1\n")
    with pytest.raises(ConfigError, match=r"^.*m\.toml: field 'cycle_model': missing \(expected a \[cycle_model\]"):
        CostModel.from_file(f)
    f.write_text("[cycle_model\n")
    with pytest.raises(ConfigError) as info:
        CostModel.from_file(f)
    assert str(info.value).startswith(f"{f}: invalid TOML: ")
    with pytest.raises(ConfigError) as info:
        CostModel.from_file(tmp_path / "none.toml")
    assert str(info.value) == f"{tmp_path / 'none.toml'}: cannot read: No such file or directory"


# --- re-costing stored results -------------------------------------------------------------------

def _result(device="pico", hz=1_000_000, events=True, cycles=100, extra=None):
    if extra is None:
        extra = {"clock_hz": hz}
        if events:
            extra["events"] = {"run": REQUIRED, "load": {**REQUIRED, "insns": 1}}
    return Result(cell=Cell("w", 1, "c", "native", device), backend="qemu", cycles=cycles, extra=extra)


def test_recost_estimates_the_run_window_of_each_emulated_result():
    m = model(fetch_wait={"value": 1, "low": 0, "high": 2, "why": "flash wait states"})
    est = m.estimate(REQUIRED)
    assert (est.cycles, est.low, est.high) == (305, 205, 405)
    host = Result(cell=Cell("w", 1, "c", "native", "host"), backend="host")  # nothing to re-cost
    rows = recost([host, _result(extra={}), _result(events=False), _result(hz=None),
                   Result(cell=Cell("w", 1, "c", "wasm3", "pico"), backend="qemu", extra=None),
                   _result(), _result(device="esp32c6", hz=4_000_000, cycles=None)], m)
    assert [(r.key, r.stored_cycles, r.cycles, r.low, r.high) for r in rows] == [
        ("w:1/c/native/pico", 100, 305, 205, 405), ("w:1/c/native/esp32c6", None, 305, 205, 405)]
    # times in microseconds at the stored clock
    assert rows[0].time_us == pytest.approx(305.0, rel=1e-12)
    assert rows[0].time_us_range == pytest.approx((205.0, 405.0), rel=1e-12)
    assert rows[1].time_us == pytest.approx(305 / 4, rel=1e-12)
    assert rows[1].time_us_range == pytest.approx((205 / 4, 405 / 4), rel=1e-12)
    # one device only
    assert [r.key for r in recost([_result(), _result(device="esp32c6")], m, device="esp32c6")] == \
        ["w:1/c/native/esp32c6"]
    assert recost([_result()], m, device="nrf5340") == []
