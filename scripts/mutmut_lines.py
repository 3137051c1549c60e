"""mutmut, keeping the lines the fast tests run for the report and for the next module run.

With `mutate_only_covered_lines` ([tool.mutmut] in pyproject.toml) mutmut first runs the fast
tests under coverage and mutates only the lines they run in the test process: a line no fast
test runs would only survive, after costing every test of its function. This wrapper keeps those
lines in mutants/covered-lines.json (scripts/mutation_report.py counts, per module, the statements
no fast test runs), and reuses them while no source or test file is newer, so that a module run
does not run the whole suite under coverage again. Used by scripts/mutation_run.py as mutmut."""

from __future__ import annotations

import json
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


mutmut_main.store_lines_covered_by_tests = store_lines_covered_by_tests
PytestRunner.collect_main_test_coverage = collect_main_test_coverage

if __name__ == "__main__":
    sys.argv[0] = "mutmut"
    mutmut_main.cli()
