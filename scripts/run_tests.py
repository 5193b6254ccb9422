"""Run every test of shallow_pi and print one line per check, then `N passed, N failed`.

The checks, in order:
- sync: `nbdev_export` leaves shallow_pi/ unchanged (the library is the export of the notebooks);
- clean: `nbdev_clean` leaves nbs/ unchanged (notebooks are committed clean);
- readme: README.md is what `scripts/readme.py` makes of nbs/index.ipynb;
- cli: the `shallow-pi` console script answers `--help`;
- one entry per notebook: papermill runs it top to bottom from a clean kernel with `mode="smoke"`;
- site: the executed notebooks rendered as a site, every page opened in headless Chromium (scripts/site.py).

A notebook that runs past its timeout is diagnosed before it is killed: the cell papermill was executing (from the
partly written output notebook) and the Python stack of every process it started (py-spy, a dev requirement). It is
then run once more, since a hang that does not come back is the machine's, not the notebook's; the line says RETRIED
and keeps the diagnosis, and a second timeout fails.

Usage: python scripts/run_tests.py [--only NAME ...] [--timeout SECONDS]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXECUTED = ROOT / "build" / "executed"


def snapshot(folder: Path, pattern: str) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob(pattern)) if ".ipynb_checkpoints" not in p.parts}


def changed(before: dict[Path, bytes], after: dict[Path, bytes]) -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in before.keys() | after.keys() if before.get(p) != after.get(p))


class Ran(NamedTuple):
    "What `run` saw: whether the command exited 0, its output (or the timeout and diagnosis), and whether it timed out."
    ok: bool
    log: str
    timed_out: bool = False


def run(cmd: list[str], timeout: float, cwd: Path = ROOT, env: dict | None = None,
        diagnose: Callable[[int], str] | None = None) -> Ran:
    """Run `cmd` in a session of its own and say how it ended. On a timeout, `diagnose(pid)` (if given) is called while
    everything it started is still alive, then the whole session is killed, grandchildren included."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        diagnosis = diagnose(proc.pid) if diagnose else ""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return Ran(False, f"timed out after {timeout:.0f} s: {' '.join(cmd)}" + (f"\n{diagnosis}" if diagnosis else ""), True)
    return Ran(proc.returncode == 0, out[-4000:])


def check_unchanged(tool: str, folder: Path, pattern: str, fix: str) -> tuple[bool, str]:
    before = snapshot(folder, pattern)
    ok, log, _ = run([str(BIN / tool)], timeout=300)
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
    ok, log, _ = run([sys.executable, str(ROOT / "scripts" / "readme.py")], timeout=120)
    if not ok:
        return False, log
    same = (ROOT / "README.md").read_bytes() == before
    return same, "" if same else "README.md was out of date with nbs/index.ipynb; commit the regenerated README.md"


def check_cli() -> tuple[bool, str]:
    ok, log, _ = run([str(BIN / "shallow-pi"), "--help"], timeout=120)
    return ok and "run" in log and "info" in log, log


def check_site() -> tuple[bool, str]:
    "Render the executed notebooks as a site and open every page in headless Chromium (scripts/site.py)."
    ok, log, _ = run([sys.executable, str(ROOT / "scripts" / "site.py"), "all"], timeout=900)
    return ok, log


def has_parameters_cell(nb_path: Path) -> bool:
    import json
    nb = json.loads(nb_path.read_text())
    return any("parameters" in c.get("metadata", {}).get("tags", []) and 'mode = "smoke"' in "".join(c["source"])
               for c in nb["cells"])


def descendants(pid: int) -> list[int]:
    "Every process below `pid`, read from /proc (children first listed by their parents)."
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def running_cell(executed: Path) -> str:
    "The cell papermill was executing in the partly written `executed` notebook: its index, first lines and last output."
    try:
        nb = json.loads(executed.read_text())
    except (OSError, ValueError) as e:
        return f"no partial output notebook to read ({type(e).__name__}: {e})"
    for i, cell in enumerate(nb["cells"]):
        if cell.get("metadata", {}).get("papermill", {}).get("status") == "running":
            source = "".join(cell["source"]).strip().splitlines()
            outputs = [o.get("text") or "".join(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])]
            last = "".join(outputs[-1:]) if outputs else "(no output yet)"
            return (f"cell {i} was running:\n  " + "\n  ".join(source[:6]) + ("\n  ..." if len(source) > 6 else "")
                    + f"\n  last output: {last[-500:].strip()}")
    return "no cell is marked running in the partial output notebook"


def main_threads(dump: str, max_lines: int = 40) -> str:
    "From a py-spy dump: the process line, the main thread and every busy thread (idle helper threads say nothing)."
    head, *threads = dump.split("\nThread ")
    keep = [t for t in threads if "MainThread" in t.splitlines()[0] or "(idle)" not in t.splitlines()[0]]
    return "\n".join([head.strip()] + ["Thread " + "\n".join(t.splitlines()[:max_lines]) for t in keep])


def stacks(pid: int) -> str:
    "The Python stacks of `pid` and its descendants, by py-spy (where installed and allowed)."
    spy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
    if spy is None:
        return "py-spy is not installed: no stacks (it is a dev requirement; run scripts/setup.sh)"
    dumps = []
    for child in [pid] + descendants(pid):
        try:
            out = subprocess.run([spy, "dump", "--pid", str(child)], capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            out = None
        text = (out.stdout + out.stderr).strip() if out else "py-spy timed out"
        if "Error" in text and "python" not in text.lower():
            continue  # not a Python process
        dumps.append(f"--- pid {child} ---\n{main_threads(text)}")
    return "\n".join(dumps) or "no Python process in papermill's tree"


def run_notebook(nb_path: Path, timeout: float) -> tuple[bool, str]:
    if not has_parameters_cell(nb_path):
        return False, f'{nb_path.name} has no cell tagged "parameters" setting mode = "smoke"'
    EXECUTED.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MUJOCO_GL": os.environ.get("MUJOCO_GL", "egl"), "PYTHONHASHSEED": "0"}
    executed = EXECUTED / nb_path.name
    cmd = [str(BIN / "papermill"), nb_path.name, str(executed), "-p", "mode", "smoke",
           "--cwd", str(nb_path.parent), "--kernel", "python3", "--no-progress-bar"]
    diagnose = lambda pid: f"{running_cell(executed)}\n{stacks(pid)}"
    ok, log, timed_out = run(cmd, timeout, nb_path.parent, env, diagnose)
    if not timed_out:
        return ok, log
    ok, again, _ = run(cmd, timeout, nb_path.parent, env, diagnose)
    if ok:
        return True, f"RETRIED: the first run hung and passed the second time; the first run's diagnosis:\n{log}"
    return False, f"{log}\n--- second run ---\n{again}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", help="run only the checks or notebooks whose names contain these strings")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per notebook run (default 600; the slowest takes about 2 min)")
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
        retried = ok and log.startswith("RETRIED")
        print(f"{'PASS' if ok else 'FAIL'}{' (RETRIED after a hang)' if retried else ''}  {name}  ({seconds:.1f} s)", flush=True)
        if ok:
            passed += 1
        else:
            failed.append(name)
        if retried or not ok:  # a diagnosed hang reads from its start (the running cell, then the stacks)
            text = log.strip()
            text = text[:12000] if "timed out after" in text else text[-3000:]
            print("      " + text.replace("\n", "\n      "), flush=True)
    if failed:
        print("failed: " + ", ".join(failed))
    print(f"{passed} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
