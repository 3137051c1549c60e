#!/usr/bin/env bash
# The main job: the paper's experiment on the default devices, then the report.
# Usage: scripts/paper.sh [extra `wasmcu bench` options]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh" || exit 1
cd "$ROOT"
wasmcu doctor >&2 || true
wasmcu bench --suite paper "$@"
status=$?
# the report reads the store the run wrote to
db=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --db) db=(--db "${args[i + 1]:-}") ;;
    --db=*) db=(--db "${args[i]#--db=}") ;;
  esac
done
wasmcu report "${db[@]}" --out report || exit 1
echo "report written to $ROOT/report/report.html" >&2
exit $status
