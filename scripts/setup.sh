#!/usr/bin/env bash
# Set up shallow_pi on a fresh machine: a Python 3.12 virtual environment in .venv holding the
# library (editable, from settings.ini) and its dev tools. Safe to run again: it reinstalls only
# when settings.ini or setup.py changed.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  # LeRobot 0.5+ needs Python >= 3.12 (see ../shared/environment.md); .python-version pins 3.12.1 for pyenv.
  for candidate in "${PYTHON:-}" python3.12 python3 "$HOME/.pyenv/versions/3.12.1/bin/python3"; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "setup: no Python >= 3.12 found; install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12" >&2
  return 1
}

if [ ! -x .venv/bin/python ]; then
  py=$(find_python)
  echo "setup: creating .venv with $($py --version)"
  "$py" -m venv .venv
fi

stamp=$(cat settings.ini setup.py plugin/pyproject.toml | sha256sum | cut -c1-16)
if [ "$(cat .venv/.setup-stamp 2>/dev/null)" != "$stamp" ]; then
  # The install is about 6 GB (torch's CUDA build is the only one PyPI has for Python 3.12, ../shared/environment.md);
  # a full disk otherwise shows only as pip's "[Errno 28] No space left on device" minutes in.
  free_gb=$(df -Pk .venv | awk 'NR == 2 {print int($4 / 1048576)}')
  if [ "${free_gb:-0}" -lt 8 ]; then
    echo "setup: only ${free_gb} GB free on the disk that holds .venv; the install needs about 6 GB (torch, CUDA build)" \
         "plus room to unpack: free some space (or set up on another disk) and run again" >&2
    exit 1
  fi
  echo "setup: installing shallow_pi and its dependencies (a few minutes the first time)"
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e ".[dev]"
  # LeRobot's tools find policy plugins by distribution name (lerobot_policy_*), so the plugin is a distribution of its own
  .venv/bin/pip install --quiet --no-deps -e plugin
  echo "$stamp" > .venv/.setup-stamp
fi
# The documentation check opens the rendered site in a real headless browser: Debian's chromium.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian's chromium for the documentation check"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: chromium is missing; the site check will fail until it is installed (sudo apt-get install chromium)" >&2
  fi
fi
echo "setup: ready ($(.venv/bin/python --version), shallow_pi $(.venv/bin/python -c 'import shallow_pi; print(shallow_pi.__version__)'))"
