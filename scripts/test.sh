#!/usr/bin/env bash
# Set everything up, then run every test: each notebook top to bottom in smoke mode, the
# library/notebook sync check, the clean-notebook check and the command line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/run_tests.py "$@"
