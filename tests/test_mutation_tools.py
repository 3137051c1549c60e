"""The parts of scripts/mutation.sh that decide a sampled run's figures: which mutants are drawn,
and the interval the report gives a score."""

import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))

import mutation_report  # noqa: E402  (a script beside the others)


def test_the_interval_is_a_point_when_every_mutant_ran_and_narrows_as_more_of_them_do():
    assert mutation_report.interval(20, 25, 25) == (0.8, 0.8)
    assert mutation_report.interval(1, 1, 1) == (1.0, 1.0)   # a module of one mutant
    wide = mutation_report.interval(20, 25, 10_000)
    # Wilson's interval for 20 of 25: 0.609 to 0.911
    assert wide[0] == pytest.approx(0.609, abs=0.002) and wide[1] == pytest.approx(0.911, abs=0.002)
    half = mutation_report.interval(20, 25, 50)
    assert wide[0] < half[0] < 0.8 < half[1] < wide[1]
    assert mutation_report.interval(25, 25, 400)[1] == pytest.approx(1.0)
    low, high = mutation_report.interval(0, 30, 300)
    assert low == pytest.approx(0.0) and 0.05 < high < 0.15


def test_a_sample_is_the_same_for_the_same_mutants_and_keeps_its_draws_when_others_are_added():
    pytest.importorskip("mutmut")
    import mutmut_wasmcu

    names = [f"wasmcu.plan.x_plan__mutmut_{i}" for i in range(1, 101)]
    drawn = mutmut_wasmcu.sampled(names, 30)
    assert len(drawn) == 30 and drawn <= set(names)
    assert mutmut_wasmcu.sampled(list(reversed(names)), 30) == drawn
    assert mutmut_wasmcu.sampled(names[:10], 30) == set(names[:10])
    more = mutmut_wasmcu.sampled(names + [f"wasmcu.plan.x_other__mutmut_{i}" for i in range(1, 11)], 30)
    assert len(more) == 30 and len(more & drawn) >= 20   # mostly the same draws
    other = mutmut_wasmcu.sampled(names, 30, seed="check")
    assert len(other) == 30 and other != drawn and len(other & drawn) < 20   # another, independent draw
