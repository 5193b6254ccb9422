"""Render the notebooks as a static documentation site, and check it in a real headless browser.

Quarto (what `nbdev_docs` uses to publish) cannot be installed on the machines this project is built on,
so this script renders the same notebooks with nbconvert:

    python scripts/site.py build   # build/executed/*.ipynb (from the test run) -> _site/*.html
    python scripts/site.py check   # serve _site on localhost, open every page in headless Chromium

`build` writes one page per notebook in pipeline order (the sidebar of `_quarto.yml`), an API reference
generated from the exported library, and an index page with the results table drawn from `results/`.
Plotly figures stay interactive: their JSON outputs are drawn by one local copy of plotly.js (no CDN).
`check` fails on a page that does not load, a broken internal link, or a figure that did not render,
and keeps a screenshot of the index page in `build/site-index.png`.
"""
from __future__ import annotations

import argparse
import functools
import html
import http.server
import importlib
import inspect
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_site"
EXECUTED = ROOT / "build" / "executed"
PLOTLY_MIME = "application/vnd.plotly.v1+json"


# --- building ------------------------------------------------------------------------------------
def page_order() -> list[tuple[str, str]]:
    """(section, notebook file) in the order of `_quarto.yml`'s sidebar."""
    import yaml

    cfg = yaml.safe_load((ROOT / "_quarto.yml").read_text())
    order = []

    def walk(items, section):
        for item in items:
            if isinstance(item, str):
                order.append((section, item))
            else:
                walk(item.get("contents", []), item.get("section", section))

    walk(cfg["website"]["sidebar"]["contents"], "")
    return order


def notebook_title(nb: dict, fallback: str) -> str:
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            m = re.search(r"^#\s+(.+)$", "".join(cell["source"]), re.M)
            if m:
                return m.group(1).strip()
    return fallback


def plotly_to_html(nb: dict) -> int:
    """Replace each plotly JSON output by an HTML div drawn with the site's local plotly.js; return how many."""
    count = 0
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if PLOTLY_MIME in data:
                fig = data[PLOTLY_MIME]
                div = f"plotly-{count}"
                payload = json.dumps({"data": fig.get("data", []), "layout": fig.get("layout", {})})
                data.clear()
                data["text/html"] = (f'<div id="{div}" class="plotly-figure" style="width:100%"></div>'
                                     f'<script>Plotly.newPlot("{div}", {payload}.data, {payload}.layout, {{responsive: true}});</script>')
                count += 1
    return count


def hide_cells(nb: dict) -> None:
    """Drop what readers should not see: `#| hide` cells, the parameters cell and export directives."""
    kept = []
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "code" and (re.search(r"^#\|\s*(hide|default_exp)", src, re.M)
                                             or "parameters" in cell.get("metadata", {}).get("tags", [])
                                             or "injected-parameters" in cell.get("metadata", {}).get("tags", [])):
            continue
        if cell["cell_type"] == "code":
            if re.search(r"^#\|\s*echo:\s*false", src, re.M):  # Quarto's echo: false: the output without its code
                cell.setdefault("metadata", {}).setdefault("tags", []).append("remove_input")
            cell["source"] = re.sub(r"^#\|.*\n?", "", src, flags=re.M)
        kept.append(cell)
    nb["cells"] = kept


def render(nb: dict, title: str) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.remove_input_tags = {"remove_input"}
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(template_name="lab", config=config)
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nbformat.reads(json.dumps(nb), as_version=4))  # reads joins list sources
    return body


def layout(body_html: str, title: str, nav: list[tuple[str, str, str]], current: str) -> str:
    """Wrap an nbconvert page with the site's sidebar and plotly.js."""
    links, section = [], None
    for sec, href, label in nav:
        if sec != section and sec:
            links.append(f'<div class="nav-section">{html.escape(sec)}</div>')
        section = sec
        cls = ' class="current"' if href == current else ""
        links.append(f'<a href="{href}"{cls}>{html.escape(label)}</a>')
    sidebar = ('<nav id="site-nav"><a class="site-title" href="index.html">shallow_pi</a>' + "".join(links) + "</nav>")
    style = ("<style>#site-nav{position:fixed;top:0;left:0;width:230px;height:100%;overflow:auto;background:#f4f6f9;"
             "padding:16px;font-family:Helvetica,Arial,sans-serif;font-size:14px;border-right:1px solid #dde}"
             "#site-nav a{display:block;padding:4px 0;color:#1f4e79;text-decoration:none}"
             "#site-nav a.current{font-weight:bold}#site-nav .site-title{font-size:18px;font-weight:bold;margin-bottom:8px}"
             "#site-nav .nav-section{margin-top:12px;color:#666;font-size:12px;text-transform:uppercase}"
             "body{margin-left:262px !important}</style>")
    head = f'<script src="plotly.min.js"></script>{style}<title>{html.escape(title)} - shallow_pi</title>'
    body_html = body_html.replace("<head>", "<head>" + head, 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + sidebar, body_html, count=1)


def results_table() -> str:
    """The index page's table of every record in results/ (the same rows as the README's)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from readme import result_rows

    rows = [f"<tr><td><code>{html.escape(r['record'])}</code></td><td>{html.escape(r['headline'])}</td>"
            f"<td><code>{html.escape(r['command'])}</code></td><td>{html.escape(r['revision'])}</td><td>{html.escape(r['date'])}</td></tr>"
            for r in result_rows()]
    if not rows:
        return "<p>No results recorded yet.</p>"
    return ('<h2 id="results">Recorded results</h2><p>Every record in <code>results/</code>, as written by the code that computed it.</p>'
            '<table class="results"><tr><th>record</th><th>headline</th><th>command</th><th>revision</th><th>date</th></tr>'
            + "".join(rows) + "</table>")


def api_reference(modules: list[str]) -> dict:
    """A notebook (as a dict) documenting every public function and class of the exported modules."""
    cells = [{"cell_type": "markdown", "id": "api-intro", "metadata": {}, "source": "# API reference\n\nGenerated from the exported library's "
              "signatures and docstrings; each module is the export of the notebook named beside it."}]
    for name in modules:
        mod = importlib.import_module(f"shallow_pi.{name}")
        lines = [f"## `shallow_pi.{name}`", "", (mod.__doc__ or "").strip(), ""]
        for attr in getattr(mod, "__all__", []):
            obj = getattr(mod, attr, None)
            if obj is None or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            try:
                sig = str(inspect.signature(obj))
            except (TypeError, ValueError):
                sig = "(...)"
            doc = (inspect.getdoc(obj) or "").split("\n\n")[0]
            lines += [f"### `{attr}{sig}`" if len(sig) < 160 else f"### `{attr}(...)`", "", doc, ""]
        cells.append({"cell_type": "markdown", "id": f"api-{name}", "metadata": {}, "source": "\n".join(lines)})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def build(require_executed: bool = True) -> list[Path]:
    """Render every notebook of the sidebar (executed copies from build/executed) plus the API page into _site/."""
    import plotly

    if SITE.exists():
        shutil.rmtree(SITE)
    SITE.mkdir(parents=True)
    shutil.copy(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", SITE / "plotly.min.js")
    shutil.copytree(ROOT / "nbs" / "images", SITE / "images")
    order = page_order()
    unlisted = sorted(p.name for p in (ROOT / "nbs").glob("*.ipynb") if p.name not in {f for _, f in order})
    if unlisted:
        raise ValueError(f"{', '.join(unlisted)} not in the site's navigation: add them to the sidebar of _quarto.yml, in pipeline order")
    missing = [f for _, f in order if not (EXECUTED / f).exists()]
    if missing and require_executed:
        raise FileNotFoundError(f"no executed copy of {', '.join(missing)} in {EXECUTED}: run the tests first "
                                "(bash scripts/test.sh), which execute every notebook")
    nav = [(sec, Path(f).with_suffix(".html").name, notebook_title(json.loads((ROOT / "nbs" / f).read_text()), f))
           for sec, f in order] + [("Reference", "api.html", "API reference")]
    pages = []
    for sec, f in order:
        source = EXECUTED / f if (EXECUTED / f).exists() else ROOT / "nbs" / f
        nb = json.loads(source.read_text())
        hide_cells(nb)
        plotly_to_html(nb)
        if f == "index.ipynb":
            nb["cells"].append({"cell_type": "markdown", "id": "results-table", "metadata": {}, "source": "RESULTS_TABLE"})
        page = layout(render(nb, f), notebook_title(nb, f), nav, Path(f).with_suffix(".html").name)
        if f == "index.ipynb":
            page = re.sub(r"<p>\s*RESULTS_TABLE\s*</p>", results_table(), page)
        out = SITE / Path(f).with_suffix(".html").name
        out.write_text(page, encoding="utf-8")
        pages.append(out)
    modules = sorted(p.stem for p in (ROOT / "shallow_pi").glob("*.py") if not p.stem.startswith("_"))
    api = layout(render(api_reference(modules), "api"), "API reference", nav, "api.html")
    (SITE / "api.html").write_text(api, encoding="utf-8")
    pages.append(SITE / "api.html")
    print(f"site: {len(pages)} pages in {SITE}")
    return pages


# --- checking --------------------------------------------------------------------------------------
def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise FileNotFoundError("no headless browser found: install Debian's chromium (apt-get install chromium), "
                            "which scripts/setup.sh does when run as root")


CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--virtual-time-budget=15000"]


def serve(folder: Path):
    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def dump_dom(chrome: str, url: str, profile: Path) -> str:
    proc = subprocess.run([chrome, *CHROME_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                          capture_output=True, text=True, timeout=120)
    return proc.stdout


def internal_links(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    links = re.findall(r'(?:href|src)="([^"#?]+)', text)
    return [l for l in links if not re.match(r"^(https?:|mailto:|data:|javascript:)", l)]


def check() -> list[str]:
    """Open every page of _site in headless Chromium; return a list of problems (empty when all is well)."""
    chrome = find_chromium()
    pages = sorted(SITE.glob("*.html"))
    if not pages:
        return [f"no pages in {SITE}: run `python scripts/site.py build` first"]
    problems = []
    server = serve(SITE)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as profile:
        for page in pages:
            for link in internal_links(page):
                if not (page.parent / link).exists():
                    problems.append(f"{page.name}: broken internal link {link}")
            expected = page.read_text(encoding="utf-8").count('class="plotly-figure"')
            dom = dump_dom(chrome, f"{base}/{page.name}", Path(profile))
            if "</html>" not in dom or "site-nav" not in dom:
                problems.append(f"{page.name}: did not load in the browser")
                continue
            drawn = len(re.findall(r'class="plotly-figure[^"]*js-plotly-plot', dom)) + \
                len(re.findall(r'class="js-plotly-plot[^"]*plotly-figure', dom))
            if drawn < expected:
                problems.append(f"{page.name}: {expected - drawn} of {expected} plotly figures did not render")
        shot = ROOT / "build" / "site-index.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([chrome, *CHROME_FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}",
                        "--window-size=1280,1600", f"{base}/index.html"], capture_output=True, timeout=120)
        if not shot.exists():
            problems.append("could not take a screenshot of index.html")
    server.shutdown()
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["build", "check", "all"])
    parser.add_argument("--allow-unexecuted", action="store_true",
                        help="render notebooks the tests have not executed yet from their source (no outputs)")
    args = parser.parse_args()
    if args.action in ("build", "all"):
        build(require_executed=not args.allow_unexecuted)
    if args.action in ("check", "all"):
        problems = check()
        for p in problems:
            print("site:", p)
        print(f"site: {len(list(SITE.glob('*.html')))} pages checked in headless Chromium, {len(problems)} problems")
        sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
