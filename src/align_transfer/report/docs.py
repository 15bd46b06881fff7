"""Text of the README that a run writes: the mini world's verdicts, copied from the run that made them.

    python -m align_transfer.report.docs [RUN]     # RUN: a finished mini run (default: demo/)

Replaces what lies between ``<!-- verdicts -->`` and ``<!-- /verdicts -->`` in README.md with the run's
``results/claims/summary.md``; the end-to-end tier checks that the two are the same.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BEGIN, END = "<!-- verdicts -->", "<!-- /verdicts -->"


def section(text: str) -> str:
    """What lies between the markers."""
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")


def with_section(text: str, content: str) -> str:
    head, rest = text.split(BEGIN, 1)
    return f"{head}{BEGIN}\n{content.strip()}\n{END}{rest.split(END, 1)[1]}"


def main(run: str = "demo") -> None:
    readme = REPO / "README.md"
    summary = (Path(run) / "results/claims/summary.md").read_text(encoding="utf-8")
    readme.write_text(with_section(readme.read_text(encoding="utf-8"), summary), encoding="utf-8")
    print(f"{readme}: the verdicts of {run}")


if __name__ == "__main__":
    main(*sys.argv[1:])
