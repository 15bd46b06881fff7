"""Text that is written from elsewhere rather than by hand.

    python -m align_transfer.report.docs [RUN]      # RUN: a finished mini run (default: demo/)
    python -m align_transfer.report.docs captions   # workflow/report/*.rst from tables/captions.py

The first replaces what lies between ``<!-- verdicts -->`` and ``<!-- /verdicts -->`` in README.md with the
run's ``results/claims/summary.md`` (the end-to-end tier checks that the two are the same). The second writes
the captions of ``snakemake --report`` from the captions the tables and the HTML report use (a unit test
checks that they are the same).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
BEGIN, END = "<!-- verdicts -->", "<!-- /verdicts -->"


def section(text: str) -> str:
    """What lies between the markers."""
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")


def with_section(text: str, content: str) -> str:
    head, rest = text.split(BEGIN, 1)
    return f"{head}{BEGIN}\n{content.strip()}\n{END}{rest.split(END, 1)[1]}"


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
}


def report_captions() -> dict[str, str]:
    """The reStructuredText caption of each table and figure that ``snakemake --report`` shows (``recall``: a
    table of R@k other than Tables 7 and 8's)."""
    from align_transfer.tables.captions import CAPTIONS, RECALL_LABELS, TITLES

    fields = {key: _Field(text) for key, text in FIELDS.items()}
    captions = {name: (TITLES[name], CAPTIONS[name].format_map(fields)) for name in CAPTIONS if name in TITLES}
    for name, label in {**RECALL_LABELS, "recall": "R@k"}.items():
        captions[name] = (TITLES.get(name, "Δ R@k"), CAPTIONS["recall"].format_map(fields | {"label": _Field(label)}))
    return {name: f"**{title}.** {text}\n" for name, (title, text) in captions.items()}


def write_report_captions(folder=REPO / "workflow/report") -> None:
    folder = Path(folder)
    folder.mkdir(exist_ok=True)
    for name, text in report_captions().items():
        (folder / f"{name}.rst").write_text(text, encoding="utf-8")
    print(f"{folder}: {len(report_captions())} captions")


def main(run: str = "demo") -> None:
    if run == "captions":
        return write_report_captions()
    readme = REPO / "README.md"
    summary = (Path(run) / "results/claims/summary.md").read_text(encoding="utf-8")
    readme.write_text(with_section(readme.read_text(encoding="utf-8"), summary), encoding="utf-8")
    print(f"{readme}: the verdicts of {run}")


if __name__ == "__main__":
    main(*sys.argv[1:])
