"""report.agreement: one sentence per workload, size and language with unverified cells."""

from wasmcu.model import ERROR, MISMATCH, OK, UNVERIFIED, Cell, Result
from wasmcu.report.agreement import agreement


def _r(runtime, device, status, checksum, workload="k", n=10, lang="c"):
    return Result(Cell(workload, n, lang, runtime, device), backend="t", status=status, checksum=checksum)


def test_no_results_no_sentences():
    assert agreement([]) == []


def test_all_agree_names_every_cell_sorted():
    rs = [_r("wasm3", "host", UNVERIFIED, 42), _r("native", "host", OK, 42), _r("wamr-fast", "pico", UNVERIFIED, 42)]
    assert agreement(rs) == ["k:10/c: 3 of 3 cells that ran agree on checksum 0x0000002a "
                             "(native/host, wamr-fast/pico, wasm3/host)"]


def test_all_unverified_group_is_reported():
    rs = [_r("wasm3", "host", UNVERIFIED, 7), _r("wasmtime", "host", UNVERIFIED, 7)]
    assert agreement(rs) == ["k:10/c: 2 of 2 cells that ran agree on checksum 0x00000007 (wasm3/host, wasmtime/host)"]


def test_a_disagreeing_cell_is_named():
    rs = [_r("wasm3", "host", UNVERIFIED, 1), _r("wasmtime", "host", UNVERIFIED, 1), _r("v8-liftoff", "host", OK, 2)]
    assert agreement(rs) == ["k:10/c: 2 of 3 cells that ran agree on checksum 0x00000001 (wasm3/host, wasmtime/host)"
                             "; differ: v8-liftoff/host"]
    rs.append(_r("wamr-fast", "pico", UNVERIFIED, 3))
    assert agreement(rs)[0].endswith("; differ: v8-liftoff/host, wamr-fast/pico")


def test_groups_without_unverified_cells_are_left_out_but_later_groups_are_not():
    rs = [_r("native", "host", OK, 5, workload="a"), _r("wasm3", "host", OK, 5, workload="a"),
          _r("native", "host", OK, 9, workload="b"), _r("wasm3", "host", UNVERIFIED, 9, workload="b")]
    out = agreement(rs)
    assert out == ["b:10/c: 2 of 2 cells that ran agree on checksum 0x00000009 (native/host, wasm3/host)"]


def test_only_cells_that_ran_with_a_checksum_count():
    rs = [_r("wasm3", "host", UNVERIFIED, 3), _r("wasmtime", "host", OK, 3),
          _r("v8-liftoff", "host", ERROR, 99), _r("wamr-fast", "host", MISMATCH, 98),
          _r("wamr-classic", "host", UNVERIFIED, None)]
    assert agreement(rs) == ["k:10/c: 2 of 2 cells that ran agree on checksum 0x00000003 (wasm3/host, wasmtime/host)"]


def test_a_group_whose_only_unverified_cell_has_no_checksum_is_left_out():
    rs = [_r("wasm3", "host", UNVERIFIED, None), _r("native", "host", OK, 3)]
    assert agreement(rs) == []


def test_checksums_compare_as_32_bit_values_and_groups_split_by_size_and_language():
    rs = [_r("wasm3", "host", UNVERIFIED, -1), _r("native", "host", OK, 0xFFFFFFFF),
          _r("wasm3", "host", UNVERIFIED, 4, n=20), _r("wasm3", "host", UNVERIFIED, 4, lang="rust")]
    out = agreement(rs)
    assert out[0] == "k:10/c: 2 of 2 cells that ran agree on checksum 0xffffffff (native/host, wasm3/host)"
    assert sorted(out[1:]) == ["k:10/rust: 1 of 1 cells that ran agree on checksum 0x00000004 (wasm3/host)",
                               "k:20/c: 1 of 1 cells that ran agree on checksum 0x00000004 (wasm3/host)"]
