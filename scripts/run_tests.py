"""Run every test of shallow_pi and print one line per check, then `N passed, N failed`.

The checks, in order:
- sync: `nbdev_export` leaves shallow_pi/ unchanged (the library is the export of the notebooks);
- clean: `nbdev_clean` leaves nbs/ unchanged (notebooks are committed clean);
- readme: README.md is what `scripts/readme.py` makes of nbs/index.ipynb;
- cli: the `shallow-pi` console script answers `--help`;
- one entry per notebook: papermill runs it top to bottom from a clean kernel with `mode="smoke"`;
- site: the executed notebooks rendered as a site, every page opened in headless Chromium (scripts/site.py).

Usage: python scripts/run_tests.py [--only NAME ...] [--timeout SECONDS]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXECUTED = ROOT / "build" / "executed"


def snapshot(folder: Path, pattern: str) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob(pattern)) if ".ipynb_checkpoints" not in p.parts}


def changed(before: dict[Path, bytes], after: dict[Path, bytes]) -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def run(cmd: list[str], timeout: float, cwd: Path = ROOT, env: dict | None = None) -> tuple[bool, str]:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout:.0f} s: {' '.join(cmd)}"
    return proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]


def check_unchanged(tool: str, folder: Path, pattern: str, fix: str) -> tuple[bool, str]:
    before = snapshot(folder, pattern)
    ok, log = run([str(BIN / tool)], timeout=300)
    if not ok:
        return False, log
    diff = changed(before, snapshot(folder, pattern))
    return (not diff), (f"{tool} changed {', '.join(diff)}: {fix}" if diff else "")


def check_sync() -> tuple[bool, str]:
    return check_unchanged("nbdev_export", ROOT / "shallow_pi", "*.py",
                           "the library was out of sync with the notebooks; review and commit the exported files")


def check_clean() -> tuple[bool, str]:
    return check_unchanged("nbdev_clean", ROOT / "nbs", "*.ipynb", "notebooks were not clean; commit the cleaned notebooks")


def check_readme() -> tuple[bool, str]:
    before = (ROOT / "README.md").read_bytes()
    ok, log = run([sys.executable, str(ROOT / "scripts" / "readme.py")], timeout=120)
    if not ok:
        return False, log
    same = (ROOT / "README.md").read_bytes() == before
    return same, "" if same else "README.md was out of date with nbs/index.ipynb; commit the regenerated README.md"


def check_cli() -> tuple[bool, str]:
    ok, log = run([str(BIN / "shallow-pi"), "--help"], timeout=120)
    return ok and "run" in log and "info" in log, log


def check_site() -> tuple[bool, str]:
    "Render the executed notebooks as a site and open every page in headless Chromium (scripts/site.py)."
    ok, log = run([sys.executable, str(ROOT / "scripts" / "site.py"), "all"], timeout=900)
    return ok, log


def has_parameters_cell(nb_path: Path) -> bool:
    import json
    nb = json.loads(nb_path.read_text())
    return any("parameters" in c.get("metadata", {}).get("tags", []) and 'mode = "smoke"' in "".join(c["source"])
               for c in nb["cells"])


def run_notebook(nb_path: Path, timeout: float) -> tuple[bool, str]:
    if not has_parameters_cell(nb_path):
        return False, f'{nb_path.name} has no cell tagged "parameters" setting mode = "smoke"'
    EXECUTED.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MUJOCO_GL": os.environ.get("MUJOCO_GL", "egl"), "PYTHONHASHSEED": "0"}
    cmd = [str(BIN / "papermill"), nb_path.name, str(EXECUTED / nb_path.name), "-p", "mode", "smoke",
           "--cwd", str(nb_path.parent), "--kernel", "python3", "--no-progress-bar"]
    ok, log = run(cmd, timeout=timeout, cwd=nb_path.parent, env=env)
    return ok, log


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="run only the checks or notebooks whose names contain these strings")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed per notebook (default 900)")
    args = parser.parse_args()

    checks = [("sync", check_sync), ("clean", check_clean), ("readme", check_readme), ("cli", check_cli)]
    notebooks = sorted((ROOT / "nbs").glob("*.ipynb"))
    entries = checks + [(f"nbs/{p.name}", lambda p=p: run_notebook(p, args.timeout)) for p in notebooks]
    entries.append(("site", check_site))  # last: it renders the notebooks the entries above executed
    if args.only:
        entries = [(name, fn) for name, fn in entries if any(s in name for s in args.only)]

    passed, failed = 0, []
    for name, fn in entries:
        start = time.perf_counter()
        try:
            ok, log = fn()
        except Exception as e:  # a crash of the check itself is a failure, not a stop
            ok, log = False, f"{type(e).__name__}: {e}"
        seconds = time.perf_counter() - start
        print(f"{'PASS' if ok else 'FAIL'}  {name}  ({seconds:.1f} s)", flush=True)
        if ok:
            passed += 1
        else:
            failed.append(name)
            print("      " + log.strip().replace("\n", "\n      ")[-3000:], flush=True)
    if failed:
        print("failed: " + ", ".join(failed))
    print(f"{passed} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
