#!/usr/bin/env bash
# The test suite. Usage: scripts/test.sh [pytest options]
# Two test processes (pytest-xdist); WASMCU_TEST_JOBS=N for another number, 0 for one process.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
exec python -m pytest -q -n "${WASMCU_TEST_JOBS:-2}" "$@"
