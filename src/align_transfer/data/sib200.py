"""SIB-200 topic classification: read the ``index_id  category  text`` TSVs, check the labels."""

from __future__ import annotations

import csv

from align_transfer.core.io import InputError, atomic_open

#: The 7 SIB-200 topics, in the order of the dataset's labels.txt.
LABELS = ("science/technology", "travel", "politics", "sports", "health", "entertainment", "geography")
HEADER = ["index_id", "category", "text"]


def _fields(line: str, path, number: int) -> list[str]:
    """The tab-separated fields of one physical line. A field may be quoted, with its own quotes
    doubled (as pandas writes a text with quotes), but a quote left open would swallow the lines
    after it, so it is an error."""
    try:
        return next(csv.reader([line], delimiter="\t", strict=True))
    except csv.Error as error:
        raise InputError(path, f"unbalanced quote in a field ({error}); a record is one line", number) from None


def read_sib_tsv(path, labels=LABELS) -> list[dict]:
    """Return ``[{"index_id", "label", "text"}]``, one record per physical line.

    A label outside ``labels``, a repeated ``index_id``, a field count other than 3, an empty text
    or an unbalanced quote raises InputError with the file and line.
    """
    allowed = set(labels)
    with open(path, encoding="utf-8", newline="") as handle:
        lines = handle.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines or _fields(lines[0].rstrip("\r"), path, 1) != HEADER:
        raise InputError(path, f"expected the header {HEADER}, found {lines[0] if lines else 'an empty file'!r}", 1)
    rows, seen = [], {}
    for number, line in enumerate(lines[1:], 2):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        row = _fields(line, path, number)
        if len(row) != 3:
            raise InputError(path, f"expected 3 tab-separated fields, found {len(row)}", number)
        index_id, label, text = row
        if label not in allowed:
            raise InputError(path, f"label '{label}' is not one of the {len(labels)} labels {sorted(allowed)}", number)
        if index_id in seen:
            raise InputError(path, f"index_id {index_id} repeats line {seen[index_id]}", number)
        seen[index_id] = number
        text = " ".join(text.split())
        if not text:
            raise InputError(path, "empty text", number)
        rows.append({"index_id": index_id, "label": label, "text": text})
    records = sum(1 for line in lines[1:] if line.strip())
    if len(rows) != records:  # every non-empty line is one record
        raise InputError(path, f"{records} lines but {len(rows)} records")
    if not rows:
        raise InputError(path, "holds no examples")
    return rows


def raw_fields(lang: str, info: dict, split: str) -> dict:
    """Where a language's split lies in SIB-200's layout, from its entry of ``languages``."""
    return {"code": info["sib"], "split": split}


def prepare(raw, out) -> str:
    """A split checked against the 7 topic labels, one record a line; what it holds, for the log."""
    rows = read_sib_tsv(raw)
    write_sib_tsv(out, rows)
    return f"{len(rows)} examples"


def write_sib_tsv(path, rows) -> None:
    with atomic_open(path, newline="") as out:
        writer = csv.writer(out, delimiter="\t", lineterminator="\n")
        writer.writerow(["index_id", "label", "text"])
        writer.writerows([r["index_id"], r["label"], r["text"]] for r in rows)


def read_prepared_sib(path) -> list[dict]:
    """The rows (index_id, label, text) of a file that ``write_sib_tsv`` wrote."""
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))
