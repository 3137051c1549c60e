#!/usr/bin/env bash
# The documentation site: builds it into ./site with --strict (a broken link, a missing page,
# a table that cannot be generated or an example that fails is an error).
# Usage: scripts/docs.sh [mkdocs build options]; `scripts/docs.sh serve` serves it while you edit.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/setup.sh"
cd "$ROOT"
export NO_MKDOCS_2_WARNING=1  # the theme's notice about its successor
if [[ "${1:-}" == "serve" ]]; then
  shift
  exec mkdocs serve "$@"
fi
exec mkdocs build --strict --site-dir "$ROOT/site" "$@"
