"""Write README.md from nbs/index.ipynb (nbdev's own `nbdev_readme` needs Quarto, which these machines lack).

Markdown cells are copied; code cells are shown as Python blocks unless they carry `#| hide` (or `#| echo: false`); the
cell marked `# readme: the results table` becomes notebook 05's results table and verdicts, and the one marked
`# readme: the strongest teacher` its seventeenth teacher's rows, both drawn from the records; image links
relative to nbs/ are rewritten relative to the repository root. Written atomically.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def notebook_to_markdown(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        source = "".join(cell["source"]).strip()
        if not source:
            continue
        if cell["cell_type"] == "markdown":
            parts.append(re.sub(r"\]\((?!https?:|/|#)([^)]+)\)", lambda m: f"]({_from_root(m.group(1))})", source))
        elif cell["cell_type"] == "code" and (marker := next((m for m in REPORTS if m in source), None)):
            parts.append(library_report(REPORTS[marker]))
        elif cell["cell_type"] == "code" and not re.search(r"^#\|\s*(hide|default_exp|echo:\s*false)", source, re.M) \
                and "parameters" not in cell.get("metadata", {}).get("tags", []):
            parts.append(f"```python\n{source}\n```")
    header = "<!-- generated from nbs/index.ipynb by scripts/readme.py: edit the notebook, not this file -->"
    return header + "\n\n" + "\n\n".join(parts) + "\n"


REPORTS = {  # the marker of an index cell -> the function of shallow_pi.distill whose report (from the records) it displays
    "# readme: the results table": "results_report",  # notebook 05's results table and verdicts
    "# readme: the strongest teacher": "strongest_teacher_report",  # notebook 05's seventeenth teacher and its students
}


def library_report(name: str) -> str:
    "The Markdown report `shallow_pi.distill.<name>` draws from the records in results/ (what the index page's hidden cell displays)."
    os.chdir(ROOT)  # the library finds results/ from the working directory
    from shallow_pi import distill
    return getattr(distill, name)("full")


def committed_results() -> list[Path]:
    """The JSON records in results/ that git tracks (a run's fresh, uncommitted record is not shown until it is committed);
    every record when this is not a git checkout."""
    import subprocess
    try:
        out = subprocess.run(["git", "ls-files", "results/*.json"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        return sorted(ROOT / line for line in out.split())
    except (OSError, subprocess.CalledProcessError):
        return sorted((ROOT / "results").glob("*.json"))


def result_rows() -> list[dict]:
    """One row per record in results/: its file, a headline (the first few scalar fields), command, revision, date."""
    rows = []
    for path in committed_results():
        rec = json.loads(path.read_text(encoding="utf-8"))
        if not (isinstance(rec, dict) and "result" in rec and "git_revision" in rec):
            continue  # not a record (a checkpoint's config, a training log)
        result = rec["result"]
        if "headline" in result:  # a record may name its own headline fields
            result = result["headline"]
        elif isinstance(result, dict) and "overall" in result:  # an evaluation report: the overall figures first
            result = {"overall": result["overall"], "suites": result.get("suites", {})}
        elif isinstance(result, dict) and "10" in result.get("success", {}):  # a distilled row: its 10-step evaluation
            result = {"depth": result.get("depth"), "overall": result["success"]["10"]["overall"]}
        scalars = _flatten(result) if isinstance(result, dict) else {"rows": len(result)}  # a table: how many rows
        headline = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in list(scalars.items())[:6])
        rows.append({"record": path.name, "headline": headline, "command": str(rec.get("command", "")),
                     "revision": str(rec.get("git_revision", ""))[:10], "date": str(rec.get("date", ""))})
    return rows


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        elif not isinstance(v, list):
            out[f"{prefix}{k}"] = v
        elif 1 < len(v) <= 3 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            out[f"{prefix}{k}"] = "/".join(str(x) if isinstance(x, int) else f"{x:.3g}" for x in v)  # an interval, an x/y/z triple
    return out


def results_markdown() -> str:
    rows = result_rows()
    if not rows:
        return ""
    lines = ["## Recorded results", "",
             "Drawn by `scripts/readme.py` from the JSON records in `results/` (each holds its command, configuration, git revision, machine and date).", "",
             "| record | headline | command | revision | date |", "|---|---|---|---|---|"]
    lines += [f"| `{r['record']}` | {r['headline']} | `{r['command']}` | {r['revision']} | {r['date']} |" for r in rows]
    return "\n".join(lines)


def _from_root(link: str) -> str:
    path = (ROOT / "nbs" / link).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else link


def main():
    text = notebook_to_markdown(ROOT / "nbs" / "index.ipynb")
    results = results_markdown()
    if results:
        text += "\n" + results + "\n"
    fd, tmp = tempfile.mkstemp(dir=ROOT, prefix=".README.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, ROOT / "README.md")


if __name__ == "__main__":
    main()
