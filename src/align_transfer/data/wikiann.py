"""WikiANN named entities (Pan et al. 2017; Rahimi et al. 2019's splits, which XTREME uses): read the Hugging
Face dataset's parquet files (``{lang}/{split}-00000-of-00001.parquet``: ``tokens``, ``ner_tags`` as ids of
``TAGS``, ``langs``, ``spans``) into words and IOB2 tags per sentence, checked.
"""

from __future__ import annotations

from align_transfer.core.io import InputError

#: WikiANN's tags, in the order of its ``ner_tags`` ids (the dataset's ClassLabel).
TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")
#: The workflow's splits as the dataset names them.
SPLITS = {"train": "train", "dev": "validation", "test": "test"}


def read_wikiann(path) -> list[dict]:
    """Each sentence of a WikiANN parquet file as ``{"words": [...], "tags": [...]}``; a row whose tokens and
    tags differ in number, or a tag id outside ``TAGS``, is an error naming the file and the row (1-based)."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, columns=["tokens", "ner_tags"])
    except Exception as error:  # pyarrow raises several types for a file that is not parquet or lacks a column
        raise InputError(path, f"is not a WikiANN parquet file with tokens and ner_tags ({error})") from None
    sentences = []
    for row, (words, tags) in enumerate(zip(table["tokens"].to_pylist(), table["ner_tags"].to_pylist()), 1):
        if words is None or tags is None or len(words) != len(tags):
            raise InputError(path, f"row {row}: {len(words or [])} tokens but {len(tags or [])} tags")
        if not words:
            raise InputError(path, f"row {row}: a sentence without tokens")
        if bad := [tag for tag in tags if not 0 <= tag < len(TAGS)]:
            raise InputError(
                path, f"row {row}: tag id {bad[0]} is not one of WikiANN's {len(TAGS)} ({', '.join(TAGS)})"
            )
        sentences.append({"words": list(words), "tags": [TAGS[tag] for tag in tags]})
    return sentences


def write_wikiann(path, sentences: list[dict], lang: str) -> None:
    """A parquet file in WikiANN's format (the mini world's mirror, and tests): ``spans`` as the dataset has
    them (``PER: Ada Lovelace``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from align_transfer.core.metrics import entity_spans

    spans = [
        [
            f"{kind}: {' '.join(s['words'][first : last + 1])}"
            for kind, first, last in sorted(entity_spans(s["tags"]), key=lambda e: e[1])
        ]
        for s in sentences
    ]
    table = pa.table(
        {
            "tokens": [s["words"] for s in sentences],
            "ner_tags": pa.array([[TAGS.index(t) for t in s["tags"]] for s in sentences], type=pa.list_(pa.int64())),
            "langs": [[lang] * len(s["words"]) for s in sentences],
            "spans": spans,
        }
    )
    pq.write_table(table, path)
