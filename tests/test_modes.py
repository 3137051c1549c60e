"""Execution modes: every runtime has one, and the report summarises ratios per mode."""

import math

import pytest

from wasmcu.model import EXECUTION_MODES, OK, Cell, Result
from wasmcu.report.modes import by_mode, geomean_gsd, mode_table_markdown
from wasmcu.runtimes import RUNTIMES


def test_every_runtime_declares_a_known_mode():
    for name, rt in RUNTIMES.items():
        assert rt.mode in EXECUTION_MODES, (name, rt.mode)
    assert RUNTIMES["wasm2c"].mode == "aot" and RUNTIMES["wasm3"].mode == "interpreter"
    assert RUNTIMES["wasmtime"].mode == "jit" and RUNTIMES["native"].mode == "native"


def test_geometric_mean_and_sd_by_hand():
    g, s = geomean_gsd([2.0, 8.0])
    assert g == pytest.approx(4.0)
    assert s == pytest.approx(math.exp(math.sqrt(2 * math.log(2) ** 2)))  # logs ±ln 2 from ln 4, n-1 = 1
    assert geomean_gsd([5.0]) == (pytest.approx(5.0), 1.0)


def _r(wl, rt, time, flash=None, mode=None, kind="estimated"):
    return Result(cell=Cell(wl, 10, "c", rt, "pico"), backend="qemu", status=OK, time_us=time, time_kind=kind,
                  flash_bytes=flash, provenance={"mode": mode} if mode else {})


def test_by_mode_sets_each_cell_against_its_own_native():
    results = [_r("a", "native", 10, 1000), _r("b", "native", 100, 2000),
               _r("a", "wasm3", 20, 4000), _r("b", "wasm3", 800, 8000),   # 2x and 8x: geomean 4x
               _r("a", "wasm2c", 15, 1500), _r("b", "other", 1000, mode="interpreter")]  # unknown runtime: its mode
    s = by_mode(results)
    interp = s[("pico", "interpreter", "time")]
    assert interp.cells == 3 and interp.estimated
    assert interp.geomean == pytest.approx((2 * 8 * 10) ** (1 / 3))
    assert s[("pico", "interpreter", "flash")].geomean == pytest.approx(4.0)  # 'other' has no flash figure
    assert s[("pico", "aot", "time")].geomean == pytest.approx(1.5) and s[("pico", "aot", "time")].gsd == 1.0
    assert ("pico", "jit", "time") not in s
    table = mode_table_markdown(results)
    assert table.index("| native |") < table.index("| aot |") < table.index("| interpreter |")
