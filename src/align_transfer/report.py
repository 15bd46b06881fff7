"""One static HTML page with every table and figure and the configuration they came from.

The tables' Markdown files are the single layout: this renders their small subset of Markdown
(headings, bold lines, pipe tables, paragraphs) and colours cells by the tables' markers.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from .io import atomic_open

# marker at the end of a cell -> CSS class (Table 1: ▲ green, ▼ red; Tables 2, 7, 8 add ▲▲ and · blue)
CELL_CLASSES = [(" ▲▲", "darkgreen"), (" ▲", "green"), (" ▼", "red"), (" ·", "blue")]
STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.85em; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
td:first-child { text-align: left; }
.red { color: #c00; } .green { color: #080; } .darkgreen { color: #040; font-weight: bold; } .blue { color: #00c; }
.verdict-supported, .agrees-yes { color: #080; font-weight: bold; }
.verdict-contradicted, .agrees-no { color: #c00; font-weight: bold; }
.verdict-inconclusive, .agrees-inconclusive { color: #a60; }
.verdict-too-few-units, .verdict-not-tested { color: #777; }
td.text { text-align: left; max-width: 22em; } .notes { font-size: 0.85em; }
.banner { background: #fff3cd; border: 1px solid #e0b000; padding: 0.8em; font-weight: bold; }
.provenance { font-size: 0.85em; color: #555; }
img { max-width: 100%; } pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.8em; }
"""


def _inline(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text))


def _cell(text: str, tag: str) -> str:
    css = next((f' class="{name}"' for marker, name in CELL_CLASSES if text.endswith(marker)), "")
    return f"<{tag}{css}>{_inline(text)}</{tag}>"


def markdown_to_html(markdown: str) -> str:
    """The subset of Markdown that the tables' .md files use."""
    out, rows = [], []

    def flush():
        if rows:
            header, *body = rows
            out.append("<table><tr>" + "".join(_cell(c, "th") for c in header) + "</tr>")
            out.extend("<tr>" + "".join(_cell(c, "td") for c in row) + "</tr>" for row in body)
            out.append("</table>")
            rows.clear()

    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= {"-"} for c in cells):
                rows.append(cells)
            continue
        flush()
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level + 1}>{_inline(line.lstrip('#').strip())}</h{level + 1}>")
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
    flush()
    return "\n".join(out)


def _css(text: str) -> str:
    return "-".join(str(text).split())


def claims_html(path) -> str:
    """The claims table (``claims.csv``) as HTML: each hypothesis, its scope, statistic and interval, the
    verdict and whether this run agrees with the paper, both coloured, and the notes below."""
    import pandas as pd

    from .claims import interval_text

    table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    header = ["Hypothesis", "Scope", "Statistic (units)", "Value [interval]", "Verdict", "The paper finds", "This run agrees"]
    rows, notes = [], []
    for _, row in table.iterrows():
        value = interval_text(row["value"], row["low"], row["high"], 3)
        if "baseline" in row and not pd.isna(row["baseline"]):
            value += f"; baseline {interval_text(row['baseline'], row['baseline_low'], row['baseline_high'], 3)}"
        mark = ""
        if isinstance(row["note"], str) and row["note"]:
            notes.append(row["note"])
            mark = f"<sup>{len(notes)}</sup>"
        statistic = f"{row['statistic']} (n={row['units']})" if isinstance(row["statistic"], str) and row["statistic"] else ""
        agrees = row["agrees"] if isinstance(row["agrees"], str) else ""
        cells = [f'<td class="text">{html.escape(row["hypothesis"])}</td>', f'<td class="text">{html.escape(row["scope"])}</td>',
                 f'<td class="text">{html.escape(statistic)}</td>', f"<td>{html.escape(value)}</td>",
                 f'<td class="verdict-{_css(row["verdict"])}">{html.escape(row["verdict"])}{mark}</td>',
                 f'<td class="text">{html.escape(row["paper"])}</td>', f'<td class="agrees-{_css(agrees)}">{html.escape(agrees)}</td>']  # fmt: skip
        rows.append("<tr>" + "".join(cells) + "</tr>")
    parts = ["<table><tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>", *rows, "</table>"]
    if notes:
        parts.append('<ol class="notes">' + "".join(f"<li>{html.escape(note)}</li>" for note in notes) + "</ol>")
    return "\n".join(parts)


def render(path) -> str:
    """A table or figure of the report: a Markdown table, a claims CSV or a PNG."""
    path = Path(path)
    if path.suffix == ".png":
        return _image(path)
    if path.suffix == ".csv":
        return claims_html(path)
    return markdown_to_html(path.read_text(encoding="utf-8"))


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.name)}" src="data:image/png;base64,{data}">'


def run_summary(workdir, seconds: float) -> str:
    """The closing lines of a run: how long it took and what to open."""
    from .progress import duration

    results = Path(workdir).resolve() / "results"
    lines = [f"Finished in {duration(seconds)}."]
    # the study's report where encoders are compared, else the one encoder's
    reports = [results / "report.html"] if (results / "report.html").exists() else sorted(results.glob("*/report.html"))
    if reports:
        lines.append(f"Open the report: {reports[0]}")
    if tables := sorted(results.glob("*/tables")):
        lines.append(f"Tables (CSV and Markdown): {', '.join(f'{folder}/' for folder in tables)}")
    return "\n".join(lines)


MINI_BANNER = (
    "These results come from the synthetic mini world (config/mini.yaml): generated languages and small "
    "encoders pretrained on them in minutes. They exercise every step of the workflow; they are not the "
    "paper's results and say nothing about XLM-R."
)


def code_version(repo) -> str:
    """The repository's commit (``git describe --always --dirty``), or ``unknown`` outside a checkout."""
    import subprocess

    try:
        result = subprocess.run(["git", "-C", str(repo), "describe", "--always", "--dirty"], capture_output=True,
                                text=True, timeout=10)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() if result.returncode == 0 and result.stdout.strip() else "unknown"


def write_report(out_path, tables: dict[str, str], figures: dict[str, str], config_yaml: str, title: str,
                 provenance: dict[str, str], banner: str | None = None, links: dict[str, str] | None = None) -> None:  # fmt: skip
    """``tables`` and ``figures`` map a heading to a .md, a claims .csv or a .png path; the page is self-contained but for
    ``links`` (a text to a relative address: the study's page and each encoder's). ``provenance``
    (encoder, config digest, code version, ...) is printed under the title, and ``banner`` above
    everything when the results are not what their titles suggest."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"]  # fmt: skip
    if banner:
        parts.append(f'<p class="banner">{html.escape(banner)}</p>')
    parts.append("<p class=\"provenance\">" + "<br>".join(f"<b>{html.escape(k)}</b>: {html.escape(v)}"
                                                         for k, v in provenance.items()) + "</p>")  # fmt: skip
    if links:
        parts.append("<p>" + " · ".join(f'<a href="{html.escape(href)}">{html.escape(text)}</a>' for text, href in links.items()) + "</p>")
    parts.append("<ul>" + "".join(f'<li><a href="#{i}">{html.escape(h)}</a></li>' for i, h in enumerate([*tables, *figures])) + "</ul>")
    for number, (heading, path) in enumerate([*tables.items(), *figures.items()]):
        parts.append(f'<h2 id="{number}">{html.escape(heading)}</h2>' + render(path))
    parts.append(f"<h2>Configuration</h2><pre>{html.escape(config_yaml)}</pre></body></html>")
    with atomic_open(out_path) as out:
        out.write("\n".join(parts))
