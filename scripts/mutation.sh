#!/usr/bin/env bash
# Mutation testing: how many small deliberate bugs the fast tests catch, module by module.
#   scripts/mutation.sh                 every mutated module ([tool.mutmut] in pyproject.toml), from
#                                       scratch, in one mutmut call (the cheapest mutants first); then
#                                       the score and time per module and every unexplained survivor
#   scripts/mutation.sh MODULE...       these modules only, keeping the other modules' results:
#                                       wasmcu/plan.py, 'wasmcu/report/*' (paths under src/, globs)
#   scripts/mutation.sh --fresh MODULE...  the same from scratch (mutants and test map made again)
#   scripts/mutation.sh --sample N      every module, from scratch, a fixed random sample of at most N
#                                       mutants each: estimated scores, with their 95 % intervals
#                                       (MUTATION_SEED=TEXT draws another, independent sample)
#   scripts/mutation.sh --continue      the modules with mutants not run yet (a stopped run, a budget spent)
#   scripts/mutation.sh --report [MODULE...]  the scores of the last runs again (nothing runs)
#   scripts/mutation.sh --show M        the diff of one mutant, e.g. wasmcu.protocol.x_parse__mutmut_7
# mutmut (the `mutation` extra) is installed into the virtual environment here, not by setup.
# A benchmark, not a CI check. MUTATION_JOBS sets the parallel test processes (default 1);
# MUTATION_BUDGET=SECONDS starts no module after that long (--continue goes on later).
# A kept survivor is explained in scripts/mutation_survivors.txt (equivalent, or why no test).
# Only the lines the fast tests run are mutated; docs/testing.md says what the score leaves out.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
python -c 'import mutmut' 2>/dev/null || python -m pip install -q -c requirements.lock -e ".[mutation]"
case "${1:-}" in
  --report) shift; exec python scripts/mutation_report.py "$@" ;;
  --show) exec python -m mutmut show "$2" ;;
  --fresh) shift; rm -rf mutants ;;
  --sample) export MUTATION_SAMPLE="${2:?--sample needs a number of mutants per module}"; shift 2; rm -rf mutants ;;
  --continue) ;;
  "") rm -rf mutants ;;  # a whole run starts fresh: the tests and the code may both have changed
esac
export WASMCU_MUTATION=1  # the property tests take fewer examples
# the mutated modules are large (every mutant is in the file): compiled once, not in every process
unset PYTHONDONTWRITEBYTECODE
start=$SECONDS
status=0
python scripts/mutation_run.py "$@" || status=$?
echo "mutation: $((SECONDS - start)) s of wall-clock time; CPU time (user, system) of this shell, then of the tests:"
times
python scripts/mutation_report.py "$@" || status=$?
exit "$status"
