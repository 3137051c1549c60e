"""The host harnesses' results: a runtime's own lines on stdout do not hide the result, a crash
says how the harness ended, and a zero or negative time is never stored."""

import subprocess

import pytest

from wasmcu.errors import CellError
from wasmcu.measure.sample_check import check_samples
from wasmcu.runtimes import get
from wasmcu.runtimes.base import HostJob
from wasmcu.runtimes.harness_output import parse

from conftest import wat2wasm

# WAMR prints "warning: failed to link import function (env, abort)" on stdout when a module
# imports a function nothing provides, and runs it as long as the function is never called
UNUSED_IMPORT = ('(module (import "env" "abort" (func $abort)) (memory 1) '
                 '(func (export "run") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))')


def test_wamrs_warnings_on_stdout_do_not_break_its_result(tmp_path):
    rt = get("wamr-classic")
    if rt.unavailable_reason():
        pytest.skip(rt.unavailable_reason())
    (tmp_path / "m.wasm").write_bytes(wat2wasm(UNUSED_IMPORT, tmp_path))
    job = HostJob(runtime="wamr-classic", artifact=str(tmp_path / "m.wasm"), seed=42, repeat=3, warmup=1,
                  load_repeat=1, min_sample_us=0.0, min_warmup_s=0.0)
    m = rt.measure(job)
    assert m.checksum == 43 and len(m.samples_us) == 3


def test_a_harness_killed_by_a_signal_says_which_rather_than_nothing():
    proc = subprocess.run(["sh", "-c", "kill -SEGV $$"], capture_output=True, text=True)
    with pytest.raises(CellError, match=r"WAMR host program failed \(killed by SIGSEGV\) without a result: it "
                                        r"printed nothing") as err:
        parse("WAMR host program", proc.returncode, proc.stdout, proc.stderr)
    assert err.value.kind == "crash"
    proc = subprocess.run(["sh", "-c", "echo 'runtime: bad things' >&2; exit 3"], capture_output=True, text=True)
    with pytest.raises(CellError, match=r"\(exit status 3\) without a result: runtime: bad things"):
        parse("WAMR host program", proc.returncode, proc.stdout, proc.stderr)


def test_an_exit_without_a_result_quotes_the_last_400_characters_it_printed():
    with pytest.raises(CellError) as err:
        parse("h", 0, "x" * 500 + "END", "")
    assert str(err.value) == "h failed (exit status 0) without a result: " + ("x" * 500 + "END")[-400:]
    with pytest.raises(CellError) as err:
        parse("h", 1, "[1, 2]\n", "")                     # a JSON line that is no object is no result
    assert str(err.value) == "h failed (exit status 1) without a result: [1, 2]"
    with pytest.raises(CellError) as err:
        parse("h", 1, "", " ")
    assert str(err.value) == ("h failed (exit status 1) without a result: it printed nothing (a crash inside the "
                              "runtime or the module's compiled code; try the same cell with another runtime)")


def test_the_result_is_the_last_json_line_and_the_rest_are_notes():
    out, notes = parse("h", 0, 'warning: x\n{"checksum": 1}\nnot json {\n', "")
    assert out == {"checksum": 1} and notes == ["warning: x", "not json {"]


@pytest.mark.parametrize("samples", [[-1.0, -5.0, 2.0], [0.0], [3.0, float("nan")], []])
def test_a_zero_or_negative_median_is_not_a_measurement(samples):
    why, _ = check_samples(samples)
    assert why


def test_some_negative_samples_under_a_positive_median_are_a_warning():
    why, doubt = check_samples([1.0, -5.0, 2.0])
    assert why is None and doubt.startswith("1 of 3 time samples were zero or negative (-5 us)")
    assert check_samples([0.1, 2.0, 3.5]) == (None, None)
