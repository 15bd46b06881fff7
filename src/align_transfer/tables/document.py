"""A table's layout, built once from its CSV's rows and rendered as Markdown (the tables' .md files) or as
HTML (the report): the colour of a cell travels as data, never as a marker parsed back out of text.

A document is a list of blocks: a ``Heading``, a ``Label`` (a bold line), a ``Table``, or a plain string (a
paragraph; ``""`` is a blank line). Pure Python.
"""

from __future__ import annotations

import html as html_
import re
from dataclasses import dataclass, field

#: How Markdown shows a cell's colour (Table 1: green ▲ and red ▼; Tables 2, 7, 8 add ▲▲ and · blue).
MARKERS = {"black": "", "green": " ▲", "red": " ▼", "blue": " ·", "dark green": " ▲▲"}


@dataclass(frozen=True)
class Cell:
    text: str
    colour: str = "black"  # a key of MARKERS, or a CSS class of the report's (a verdict's)


@dataclass(frozen=True)
class Section:
    """A table row that names the block of rows below it."""

    text: str


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Label:
    text: str


@dataclass
class Table:
    header: list[str]
    rows: list = field(default_factory=list)  # each a list of cells (Cell or str) or a Section


def _markdown_cell(cell) -> str:
    return cell.text + MARKERS.get(cell.colour, "") if isinstance(cell, Cell) else str(cell)


def _markdown_table(table: Table) -> str:
    width = len(table.header)
    lines = ["|" + "".join(f" {name} |" if name else " |" for name in table.header), "|---" * width + "|"]
    for row in table.rows:
        if isinstance(row, Section):
            lines.append(f"| **{row.text}** |" + " |" * (width - 1))
        else:
            lines.append("| " + " | ".join(map(_markdown_cell, row)) + " |")
    return "\n".join(lines)


def markdown(document: list) -> str:
    parts = []
    for block in document:
        if isinstance(block, Heading):
            parts.append(f"### {block.text}\n")
        elif isinstance(block, Label):
            parts.append(f"**{block.text}**\n")
        elif isinstance(block, Table):
            parts.append(_markdown_table(block))
        else:
            parts.append(block)
    return "\n".join(parts) + "\n"


def _inline(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html_.escape(text))


def css_class(name: str) -> str:
    """A verdict or colour as a CSS class name: ``too few units`` -> ``too-few-units``."""
    return "-".join(name.split())


NUMBER = re.compile(r"[-+]?\d")


def _numeric_columns(table: Table) -> list[bool]:
    """Which columns hold numbers in every filled cell of the body: those align right, header and all."""
    rows = [row for row in table.rows if not isinstance(row, Section)]
    texts = [[_markdown_cell(cell) for cell in row] for row in rows]
    return [
        bool(column) and all(NUMBER.match(text) for text in column)
        for column in (
            [text for text in (row[i] for row in texts if i < len(row)) if text] for i in range(len(table.header))
        )
    ]


def _html_cell(cell, tag: str, number: bool) -> str:
    """A cell; a number (with its ± and marker) aligns right and never wraps, so a marker stays beside it."""
    text = _markdown_cell(cell)
    classes = [css_class(cell.colour)] if isinstance(cell, Cell) and cell.colour != "black" else []
    classes += ["number"] if number else []
    css = f' class="{" ".join(classes)}"' if classes else ""
    return f"<{tag}{css}>{_inline(text)}</{tag}>"


def _html_table(table: Table) -> str:
    numeric = _numeric_columns(table)
    rows = ["<table><tr>" + "".join(_html_cell(name, "th", n) for name, n in zip(table.header, numeric)) + "</tr>"]
    for row in table.rows:
        if isinstance(row, Section):
            rows.append(
                f'<tr><td class="section" colspan="{len(table.header)}"><b>{html_.escape(row.text)}</b></td></tr>'
            )
        else:
            rows.append("<tr>" + "".join(_html_cell(cell, "td", n) for cell, n in zip(row, numeric)) + "</tr>")
    return "\n".join(rows + ["</table>"])


def html(document: list) -> str:
    parts = []
    for block in document:
        if isinstance(block, Heading):
            parts.append(f"<h4>{_inline(block.text)}</h4>")
        elif isinstance(block, Label):
            parts.append(f"<p><b>{_inline(block.text)}</b></p>")
        elif isinstance(block, Table):
            parts.append(_html_table(block))
        elif block:
            parts.append(f"<p>{_inline(block)}</p>")
    return "\n".join(parts)
