"""SIB-200 topic classification: read the ``index_id  category  text`` TSVs, check the labels."""

from __future__ import annotations

import csv

from .io import InputError, atomic_open

#: The 7 SIB-200 topics, in the order of the dataset's labels.txt.
LABELS = ("science/technology", "travel", "politics", "sports", "health", "entertainment", "geography")
HEADER = ["index_id", "category", "text"]


def read_sib_tsv(path, labels=LABELS) -> list[dict]:
    """Return ``[{"index_id", "label", "text"}]``; a label outside ``labels`` raises with file:line."""
    allowed = set(labels)
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, None)
        if header != HEADER:
            raise InputError(path, f"expected the header {HEADER}, found {header}", 1)
        for row in reader:
            if not row:
                continue
            if len(row) != 3:
                raise InputError(path, f"expected 3 tab-separated fields, found {len(row)}", reader.line_num)
            index_id, label, text = row
            if label not in allowed:
                raise InputError(
                    path, f"label '{label}' is not one of the {len(labels)} labels {sorted(allowed)}", reader.line_num
                )
            text = " ".join(text.split())
            if not text:
                raise InputError(path, "empty text", reader.line_num)
            rows.append({"index_id": index_id, "label": label, "text": text})
    if not rows:
        raise InputError(path, "holds no examples")
    return rows


def write_sib_tsv(path, rows) -> None:
    with atomic_open(path, newline="") as out:
        writer = csv.writer(out, delimiter="\t", lineterminator="\n")
        writer.writerow(["index_id", "label", "text"])
        writer.writerows([r["index_id"], r["label"], r["text"]] for r in rows)
