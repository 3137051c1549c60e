"""mutmut as scripts/mutation.sh runs it: the covered lines kept, a sample of the mutants, no
second clean run.

With `mutate_only_covered_lines` ([tool.mutmut] in pyproject.toml) mutmut first runs the fast
tests under coverage and mutates only the lines they run in the test process: a line no fast
test runs would only survive, after costing every test of its function. This wrapper keeps those
lines in mutants/covered-lines.json (scripts/mutation_report.py counts, per module, the statements
no fast test runs), and reuses them while no source or test file is newer, so that a module run
does not run the whole suite under coverage again.

MUTATION_SAMPLE=N runs at most N mutants of each module: those whose names hash lowest (the same
mutants for the same code, run after run); the others stay without a result. MUTATION_SEED=TEXT
draws another sample (an independent one: e.g. to check that tests written against one draw's
survivors did not only fit those). After a stats run
over every test in this process, the clean run of the same tests is skipped: the stats run has
just run them on the same code and fails on any failing test. Used by scripts/mutation_run.py as
mutmut."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import mutmut.__main__ as mutmut_main
from mutmut.runners.harness import PytestRunner
from mutmut.state import state

LINES = Path("mutants") / "covered-lines.json"
WATCHED = ("src", "tests")


def current(root: Path = Path(".")) -> bool:
    """True when the kept lines are newer than every source and test file under `root`."""
    lines = root / LINES
    if not lines.is_file():
        return False
    made = lines.stat().st_mtime
    return all(p.stat().st_mtime < made for top in WATCHED for p in (root / top).rglob("*.py"))


def store_lines_covered_by_tests(gather=mutmut_main.store_lines_covered_by_tests) -> None:
    if current():
        data = json.loads(LINES.read_text())
        state()._covered_lines = {k: set(v) for k, v in data["covered"].items()}
        state()._excluded_lines = {k: set(v) for k, v in data["excluded"].items()}
        return
    if LINES.is_file():
        # mutmut measures coverage on its copy in mutants/, which is mutated by now: the lines
        # would be the mutated files' (scripts/mutation.sh starts from scratch in this case)
        raise RuntimeError("sources or tests changed since mutants/ was made: remove it (scripts/mutation.sh "
                           "--fresh) to measure the covered lines again")
    gather()
    covered = getattr(state(), "_covered_lines", None)
    if covered is not None:
        excluded = getattr(state(), "_excluded_lines", None) or {}
        LINES.write_text(json.dumps({"covered": {k: sorted(v) for k, v in covered.items()},
                                     "excluded": {k: sorted(v) for k, v in excluded.items()}}))


def collect_main_test_coverage(runner, cov, collect=PytestRunner.collect_main_test_coverage) -> int:
    """The fast tests under coverage, which must all pass: mutmut runs them with -x and ignores
    their status, so a failing test would silently leave the lines of the tests after it unmutated."""
    code = collect(runner, cov)
    if code != 0:
        raise RuntimeError(f"the fast tests failed under coverage (pytest exit status {code}): fix them "
                           "(scripts/test.sh -m 'not slow') before mutation testing")
    return code


def sample_size() -> int | None:
    """MUTATION_SAMPLE (checked by scripts/mutation_run.py): mutants per module, None for all."""
    return int(os.environ.get("MUTATION_SAMPLE") or 0) or None


def sampled(names: list[str], size: int, seed: str = "") -> set[str]:
    """The `size` names of one module whose SHA-1 (after the seed) is lowest: a fixed random sample,
    the same one for the same mutants and seed (a module's other mutants do not change which of
    its mutants are drawn)."""
    return set(sorted(names, key=lambda n: hashlib.sha1((seed + n).encode()).hexdigest())[:size])


def collect_source_file_mutation_data(*, mutant_names, collect=mutmut_main.collect_source_file_mutation_data):
    mutants, by_path = collect(mutant_names=mutant_names)
    size = sample_size()
    if size is None:
        return mutants, by_path
    keep = set()
    for data in by_path.values():
        keep |= sampled(list(data.exit_code_by_key), size, os.environ.get("MUTATION_SEED", ""))
    return [m for m in mutants if m[1] in keep], by_path


FULL_STATS = []   # set when this process ran the stats over every test


def run_stats_collection(runner, tests=None, collect=mutmut_main.run_stats_collection):
    collect(runner, tests)
    if not tests:
        FULL_STATS.append(True)


def clean_tests_unless_just_run(run_clean):
    def run_clean_tests(tests):
        return 0 if FULL_STATS else run_clean(tests)
    return run_clean_tests


def get_mutant_runner(*args, get=mutmut_main.get_mutant_runner, **kwargs):
    runner = get(*args, **kwargs)
    runner.run_clean_tests = clean_tests_unless_just_run(runner.run_clean_tests)
    return runner


mutmut_main.store_lines_covered_by_tests = store_lines_covered_by_tests
mutmut_main.collect_source_file_mutation_data = collect_source_file_mutation_data
mutmut_main.run_stats_collection = run_stats_collection
mutmut_main.get_mutant_runner = get_mutant_runner
PytestRunner.collect_main_test_coverage = collect_main_test_coverage

if __name__ == "__main__":
    sys.argv[0] = "mutmut"
    mutmut_main.cli()
