"""One static HTML page with every table and figure and the configuration they came from.

Each table is rendered from its CSV through the same layout as its Markdown file (``document``): the cells
carry their colour as data.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from align_transfer.core.io import InputError, atomic_open
from align_transfer.core.results import rebuild_hint
from align_transfer.tables import document

STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.85em; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
td.number, th.number { text-align: right; white-space: nowrap; }
details { margin: 0.6em 0; } summary { cursor: pointer; font-weight: bold; font-size: 1.1em; }
.red { color: #c00; } .green { color: #080; } .dark-green { color: #040; font-weight: bold; } .blue { color: #00c; }
.verdict-supported, .agrees-yes { color: #080; font-weight: bold; }
.verdict-contradicted, .agrees-no { color: #c00; font-weight: bold; }
.verdict-inconclusive, .agrees-inconclusive { color: #a60; }
.verdict-weak { color: #a60; font-weight: bold; }
.verdict-too-few-units, .verdict-not-tested { color: #777; }
.banner { background: #fff3cd; border: 1px solid #e0b000; padding: 0.8em; font-weight: bold; }
.provenance { font-size: 0.85em; color: #555; }
img { max-width: 100%; } pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.8em; }
"""


def step_of(path) -> int | None:
    """The alignment step of a table under ``tables/step{N}/``; None for Table 1's step."""
    folder = Path(path).parent.name
    return int(folder.removeprefix("step")) if folder.startswith("step") and folder[4:].isdigit() else None


def table_layout(path) -> list:
    """The layout of a table from its CSV and the context written beside it (``core.tables.context_path``), as
    its Markdown file has it: its kind's layout (``core.tables.KINDS``) of its rows, with the CSVs beside it
    that the layout reads."""
    import json

    import pandas as pd

    from align_transfer.core.registry import resolve
    from align_transfer.core.tables import KINDS, context_path

    path = Path(path)
    where = Path(context_path(path))
    if not where.is_file():
        raise InputError(where, f"is missing: the context of {path.name}; {rebuild_hint(path)}")
    context = json.loads(where.read_text(encoding="utf-8"))
    kind = KINDS[context.pop("kind")]
    frame = pd.read_csv(
        path, keep_default_na=False, na_values=[""], dtype=dict.fromkeys(kind.text_columns, str) or None
    )
    siblings = {argument: pd.read_csv(path.with_name(name)) for argument, name in kind.siblings.items()}
    return resolve(kind.layout)(frame, **siblings, **context)


def render(path) -> str:
    """A table (from its CSV) or a figure (a PNG) of the report, as HTML."""
    if Path(path).suffix == ".png":
        return _image(Path(path))
    return document.html(table_layout(path))


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(path.name)}" src="data:image/png;base64,{data}">'


def run_summary(workdir, seconds: float, command: str = "snakemake") -> str:
    """The closing lines of a run: how long it took, what to open, and where a report is older than what it
    shows (a rebuilt table, say), the command that refreshes it. The run does not refresh it itself: a report
    needs every table, and a rebuild of one table must not become a run of the whole study."""
    from align_transfer.core.progress import duration

    results = Path(workdir).resolve() / "results"
    lines = [f"Finished in {duration(seconds)}."]
    # the study's report where encoders are compared, else the one encoder's
    reports = [results / "report.html"] if (results / "report.html").exists() else sorted(results.glob("*/report.html"))
    if reports:
        lines.append(f"Open the report: {reports[0]}")
    study = results / "tables"
    if tables := ([study] if study.is_dir() else []) + sorted(results.glob("*/tables")):
        lines.append(f"Tables (CSV and Markdown): {', '.join(f'{folder}/' for folder in tables)}")
    for report in sorted(results.glob("*/report.html")) + [results / "report.html"]:
        if report.exists() and (newer := newer_than(report)):
            target = report.relative_to(Path(workdir).resolve())
            lines.append(
                f"The report {target} is older than {newer.relative_to(Path(workdir).resolve())}, which it shows: "
                f"refresh it with `{command} {target}`"
            )
    return "\n".join(lines)


def newer_than(report: Path) -> Path | None:
    """The newest file a report shows (its encoder's tables, figures and claims; the study's claims and the
    encoders' reports) that is newer than the report, or None."""
    folder = report.parent
    if folder.name == "results":
        shown = [*(folder / "claims").glob("*"), *folder.glob("*/report.html")]
    else:
        shown = [path for part in ("tables", "figures", "claims") for path in (folder / part).rglob("*")]
    shown = [path for path in shown if path.is_file()]
    newest = max(shown, key=lambda path: path.stat().st_mtime, default=None)
    return newest if newest is not None and newest.stat().st_mtime > report.stat().st_mtime else None


MINI_BANNER = (
    "These results come from the synthetic mini world (config/mini.yaml): generated languages and small "
    "encoders pretrained on them in minutes. They exercise every step of the workflow; they are not the "
    "paper's results and say nothing about XLM-R."
)


def code_version(repo) -> str:
    """The repository's commit (``git describe --always --dirty``), or ``unknown`` outside a checkout."""
    import subprocess

    try:
        result = subprocess.run(
            ["git", "-C", str(repo), "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() if result.returncode == 0 and result.stdout.strip() else "unknown"


def write_report(
    out_path,
    sections: dict[str, str],
    config_yaml: str,
    title: str,
    provenance: dict[str, str],
    banner: str | None = None,
    links: dict[str, str] | None = None,
    folded: dict[str, str] | None = None,
    headline: list[str] | None = None,
) -> None:
    """One self-contained page (but for ``links``: a text to a relative address). ``sections`` map a heading to
    a table's CSV (drawn with the context beside it, ``table_layout``) or a figure's PNG, shown in their order;
    ``folded`` ones follow, each closed until opened; then the provenance
    (encoder, config digest, code version, ...) and the configuration, folded too. ``banner`` stands above
    everything when the results are not what their titles suggest; ``headline``, a few lines of what held and
    what did not, opens the page."""
    parts = [
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
    ]
    if banner:
        parts.append(f'<p class="banner">{html.escape(banner)}</p>')
    if links:
        anchors = (f'<a href="{html.escape(href)}">{html.escape(text)}</a>' for text, href in links.items())
        parts.append("<p>" + " · ".join(anchors) + "</p>")
    if headline:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in headline)
        parts.append(f'<h2>In short</h2><ul class="headline">{items}</ul>')
    for heading, path in sections.items():
        parts.append(f"<h2>{html.escape(heading)}</h2>" + render(path))
    for heading, path in (folded or {}).items():
        parts.append(f"<details><summary>{html.escape(heading)}</summary>{render(path)}</details>")
    facts = "<br>".join(f"<b>{html.escape(k)}</b>: {html.escape(v)}" for k, v in provenance.items())
    parts.append(
        f'<details><summary>Provenance and configuration</summary><p class="provenance">{facts}</p>'
        f"<pre>{html.escape(config_yaml)}</pre></details></body></html>"
    )
    with atomic_open(out_path) as out:
        out.write("\n".join(parts))
