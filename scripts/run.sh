#!/usr/bin/env bash
# Set everything up, then run the main job on the embedded default (the CPU `tiny` preset).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/shallow-pi run "$@"
