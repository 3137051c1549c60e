#!/usr/bin/env bash
# Mutation testing of the core: how many small deliberate bugs the fast tests catch.
#   scripts/mutation.sh            mutate the core modules, run the tests covering each mutant,
#                                  print the score per module and every surviving mutant
#   scripts/mutation.sh --report   print the scores of the last run again (nothing runs)
#   scripts/mutation.sh --show M   the diff of one mutant, e.g. wasmcu.protocol.x_parse__mutmut_7
# The modules and tests are [tool.mutmut] in pyproject.toml; mutmut (the `mutation` extra) is
# installed into the virtual environment here, not by setup. A benchmark, not a CI check:
# about 16 minutes on a quiet 2-core machine. MUTATION_JOBS sets the parallel test processes (default: cores).
# A kept survivor is explained in scripts/mutation_survivors.txt (equivalent, or why no test).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
python -c 'import mutmut' 2>/dev/null || python -m pip install -q -c requirements.lock -e ".[mutation]"
case "${1:-}" in
  --report) exec python scripts/mutation_report.py ;;
  --show) exec python -m mutmut show "$2" ;;
esac
rm -rf mutants   # a fresh run: the tests and the code may both have changed
export WASMCU_MUTATION=1  # the property tests take fewer examples
start=$SECONDS
python -m mutmut run --max-children "${MUTATION_JOBS:-$(nproc)}" >mutants.log 2>&1 || {
  tail -30 mutants.log >&2
  echo "mutation: mutmut failed (full log in mutants.log)" >&2
  exit 1
}
mv mutants.log mutants/run.log
echo "mutation: $((SECONDS - start)) s of wall-clock time; CPU time (user, system) of this shell, then of the tests:"
times
exec python scripts/mutation_report.py
