"""Write README.md from nbs/index.ipynb (nbdev's own `nbdev_readme` needs Quarto, which these machines lack).

Markdown cells are copied; code cells are shown as Python blocks unless they carry `#| hide`; image links
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
        elif cell["cell_type"] == "code" and not re.search(r"^#\|\s*(hide|default_exp)", source, re.M) \
                and "parameters" not in cell.get("metadata", {}).get("tags", []):
            parts.append(f"```python\n{source}\n```")
    header = "<!-- generated from nbs/index.ipynb by scripts/readme.py: edit the notebook, not this file -->"
    return header + "\n\n" + "\n\n".join(parts) + "\n"


def _from_root(link: str) -> str:
    path = (ROOT / "nbs" / link).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else link


def main():
    text = notebook_to_markdown(ROOT / "nbs" / "index.ipynb")
    fd, tmp = tempfile.mkstemp(dir=ROOT, prefix=".README.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, ROOT / "README.md")


if __name__ == "__main__":
    main()
