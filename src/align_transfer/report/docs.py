"""Text that is written from elsewhere rather than by hand.

    python -m align_transfer.report.docs [RUN]      # RUN: a finished mini run (default: demo/)
    python -m align_transfer.report.docs captions   # workflow/report/*.rst from tables/captions.py
    python -m align_transfer.report.docs config     # the key reference in config/README.md
    python -m align_transfer.report.docs coverage   # the coverage table in docs/science.md, by simulation
    python -m align_transfer.report.docs plan       # the compute plans in docs/performance.md and docs/science.md

The first replaces what lies between ``<!-- verdicts -->`` and ``<!-- /verdicts -->`` in docs/science.md with
the run's ``results/claims/summary.md`` (the end-to-end tier checks that the two are the same). The second
writes the captions of ``snakemake --report`` from the captions the tables and the HTML report use; the third
the table of every config key from the schema and the comments of the configs; the fourth the measured
coverage of the claims layer's intervals (``claims.calibration``). Unit tests check that the last three are
in step.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from align_transfer.core import layout

REPO = Path(__file__).resolve().parents[3]
BEGIN, END = "<!-- verdicts -->", "<!-- /verdicts -->"
VERDICTS_DOC = REPO / "docs/science.md"
KEYS = ("<!-- keys -->", "<!-- /keys -->")
COVERAGE = ("<!-- coverage -->", "<!-- /coverage -->")
#: Where each compute plan stands in the docs: its config overlay (None: the paper's), its document, its markers.
PLANS = {
    None: (REPO / "docs/performance.md", ("<!-- plan -->", "<!-- /plan -->")),
    "config/three-encoders.yaml": (
        REPO / "docs/science.md",
        ("<!-- plan three-encoders -->", "<!-- /plan three-encoders -->"),
    ),
    "config/joint.yaml": (REPO / "docs/science.md", ("<!-- plan joint -->", "<!-- /plan joint -->")),
}


def plan_text(overlay: str | None) -> str:
    """A compute plan as the docs show it (``tools/compute_plan.py --markdown``)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, str(REPO / "tools/compute_plan.py"), "--markdown", "--out", f"{folder}/plan.tsv"]
        command += ["--configfile", str(REPO / overlay)] if overlay else []
        return subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO).stdout.strip("\n")


def coverage_text(table=None) -> str:
    """The coverage table of docs/science.md, from ``claims.calibration`` (run the simulation where not given)."""
    from align_transfer.claims.calibration import coverage_layout, coverage_table
    from align_transfer.tables.document import markdown

    return markdown(coverage_layout(coverage_table() if table is None else table)).strip("\n")


def section(text: str, markers=(BEGIN, END)) -> str:
    """What lies between the markers."""
    return text.split(markers[0], 1)[1].split(markers[1], 1)[0].strip("\n")


def with_section(text: str, content: str, markers=(BEGIN, END)) -> str:
    head, rest = text.split(markers[0], 1)
    return f"{head}{markers[0]}\n{content.strip()}\n{markers[1]}{rest.split(markers[1], 1)[1]}"


_KEY_LINE = re.compile(r"^(\s*)(-\s+)?([A-Za-z_][\w-]*):(.*)$")


def config_comments(text: str) -> dict[str, dict]:
    """Each key of a config file's text, by its path (``encoders[].name``, ``finetune.pos.epochs``): its value
    as written, its comment on the same line, and the comment lines just above it."""
    keys, stack, above = {}, [(-1, "")], []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            above = []
            continue
        if stripped.startswith("#"):
            above.append(stripped.lstrip("#").strip())
            continue
        match = _KEY_LINE.match(line)
        if not match:  # a list item written inline: its parent documents it
            above = []
            continue
        indent = len(match[1]) + len(match[2] or "")
        if match[2]:  # a list item: its keys sit under "parent[]"
            while stack[-1][0] >= len(match[1]):
                stack.pop()
            stack.append((len(match[1]), stack[-1][1] + "[]"))
        while stack[-1][0] >= indent:
            stack.pop()
        path = f"{stack[-1][1]}.{match[3]}".lstrip(".")
        value, _, comment = match[4].partition(" # ")
        keys.setdefault(path, {"value": value.strip(), "comment": comment.strip(), "above": " ".join(above)})
        stack.append((indent, path))
        above = []
    return keys


def schema_keys(schema: dict) -> list[tuple[str, dict]]:
    """Every key the schema allows, by path: ``[]`` for a list's items, ``<name>`` for a mapping's own keys."""
    definitions = schema.get("definitions", {})

    def resolve(node):  # a reference's own keywords (its description) over those of what it names
        while "$ref" in node:
            node = definitions[node["$ref"].rsplit("/", 1)[1]] | {k: v for k, v in node.items() if k != "$ref"}
        return node

    keys = []

    def walk(node, path):
        node = resolve(node)
        if "properties" in node:
            for name, child in node["properties"].items():
                child_path = f"{path}.{name}".lstrip(".")
                keys.append((child_path, resolve(child)))
                walk(child, child_path)
        if isinstance(node.get("additionalProperties"), dict):
            name = "<code>" if path == "languages" else "<name>"
            keys.append((f"{path}.{name}", resolve(node["additionalProperties"])))
            walk(node["additionalProperties"], f"{path}.{name}")
        if isinstance(node.get("items"), dict) and "properties" in resolve(node["items"]):
            walk(node["items"], f"{path}[]")

    walk(schema, "")
    return keys


def _cell(text) -> str:
    text = str(text).replace("|", "\\|")
    return text if len(text) <= 60 else text[:57] + "…"


def config_reference(repo=REPO) -> str:
    """The Markdown table of every config key: its default (schema), its value in the paper's config and in
    the mini world's, and what it is (the config's comment, else the schema's description)."""
    import yaml

    from align_transfer.core.config import load_schema
    from align_transfer.tables.document import Table, markdown

    schema = load_schema(repo / "workflow/schemas/config.schema.yaml")
    paper = config_comments((repo / "config/config.yaml").read_text(encoding="utf-8"))
    mini = config_comments((repo / "config/mini.yaml").read_text(encoding="utf-8"))
    rows = []
    for path, node in schema_keys(schema):
        found = paper.get(path) or mini.get(path) or {}
        what = found.get("comment") or node.get("description") or found.get("above") or ""
        default = "" if "default" not in node else yaml.safe_dump(node["default"], default_flow_style=True).strip()
        default = default.removesuffix("\n...").removesuffix(" ...")
        value = paper.get(path, {}).get("value", "")
        rows.append([f"`{path}`", _cell(default), _cell(value), what.replace("|", "/")])
    return markdown([Table(["key", "default", "paper (config.yaml)", "what"], rows)]).rstrip("\n")


class _Field(str):
    """A caption's field in a caption that serves every run: its description, whatever the format asked."""

    def __format__(self, spec: str) -> str:
        return str(self)


#: How a caption of ``snakemake --report`` names what the HTML report fills in from the run.
FIELDS = {
    "layer": "the encoder's retrieval layer",
    "alpha": "α (claims.alpha)",
    "confidence": "1 - α",
    "min_group": "claims.min_group",
    "step": "that step",
    "k": "k",
    "name": "the table",
    "label": "R@k:",
    "recall": "{:.0%}".format(__import__("align_transfer.claims.claims").claims.claims.DEGENERATE_RECALL),
}


def report_captions() -> dict[str, str]:
    """The reStructuredText caption of each table and figure that ``snakemake --report`` shows (``recall``: a
    table of R@k other than Tables 7 and 8's)."""
    from align_transfer.tables.captions import CAPTIONS, RECALL_LABELS, TITLES

    fields = {key: _Field(text) for key, text in FIELDS.items()}
    captions = {name: (TITLES[name], CAPTIONS[name].format_map(fields)) for name in CAPTIONS if name in TITLES}
    for name, label in {**RECALL_LABELS, "recall": "R@k"}.items():
        captions[name] = (TITLES.get(name, "Δ R@k"), CAPTIONS["recall"].format_map(fields | {"label": _Field(label)}))
    return {name: f"**{title}.** {text}\n" for name, (title, text) in captions.items()} | {
        "workflow": report_description()
    }


def report_description() -> str:
    """The text above everything in ``snakemake --report`` (the Snakefile's ``report:``): what the study is,
    and, where the config is the mini world's (a Jinja condition the report fills in), that it is synthetic."""
    from align_transfer.report.report import MINI_BANNER

    return (
        "A reproduction of Veitsman, Liu & Schütze, *Why Better Cross-Lingual Alignment Fails for Better "
        "Cross-Lingual Transfer: Case of Encoders*, run by the align_transfer workflow: every table and figure of "
        "the study with its caption, beside the jobs' runtimes and the software versions. Each encoder's HTML "
        "report (``results/{encoder}/report.html``) shows the same tables with the claims and the scorecard first.\n"
        '{% if snakemake.config["mini_world"] %}\n\n'
        f"**Synthetic mini world.** {MINI_BANNER}\n"
        "{% endif %}\n"
    )


def write_report_captions(folder=REPO / "workflow/report") -> None:
    folder = Path(folder)
    folder.mkdir(exist_ok=True)
    for name, text in report_captions().items():
        (folder / f"{name}.rst").write_text(text, encoding="utf-8")
    print(f"{folder}: {len(report_captions())} captions")


def main(run: str = "demo") -> None:
    if run == "captions":
        return write_report_captions()
    if run == "config":
        readme = REPO / "config/README.md"
        readme.write_text(with_section(readme.read_text(encoding="utf-8"), config_reference(), KEYS), encoding="utf-8")
        return print(f"{readme}: every key")
    if run == "plan":
        for overlay, (document, markers) in PLANS.items():
            document.write_text(with_section(document.read_text(encoding="utf-8"), plan_text(overlay), markers))
        return print("docs: the compute plans")
    if run == "coverage":
        text = with_section(VERDICTS_DOC.read_text(encoding="utf-8"), coverage_text(), COVERAGE)
        VERDICTS_DOC.write_text(text, encoding="utf-8")
        return print(f"{VERDICTS_DOC}: the measured coverage")
    summary = (Path(run) / layout.study_claims("summary", "md")).read_text(encoding="utf-8")
    VERDICTS_DOC.write_text(with_section(VERDICTS_DOC.read_text(encoding="utf-8"), summary), encoding="utf-8")
    print(f"{VERDICTS_DOC}: the verdicts of {run}")


if __name__ == "__main__":
    main(*sys.argv[1:])
