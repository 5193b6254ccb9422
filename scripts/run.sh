#!/usr/bin/env bash
# Set everything up, then run the main job on the embedded default (the CPU `tiny` preset).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/shallow-pi run "$@"
# The documentation site, from the notebooks as the tests last executed them (source only where they have not run yet).
.venv/bin/python scripts/site.py build --allow-unexecuted
echo "site: open _site/index.html in a browser"
