"""WikiANN named entities (Pan et al. 2017; Rahimi et al. 2019's splits, which XTREME uses): read the Hugging
Face dataset's parquet files (``{lang}/{split}-00000-of-00001.parquet``: ``tokens``, ``ner_tags`` as ids of
``TAGS``, ``langs``, ``spans``) into words and IOB2 tags per sentence, checked.
"""

from __future__ import annotations

import random

from align_transfer.core.io import InputError
from align_transfer.data.mini_world import LANGUAGES, NAMES, transliterate

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


def raw_fields(lang: str, info: dict, split: str) -> dict:
    """Where a language's split lies in the dataset's layout (its splits are named as ``SPLITS`` says)."""
    return {"lang": lang, "split": SPLITS[split]}


def prepare(raw, out) -> str:
    """A parquet file as words and IOB2 tags per sentence (JSON lines); what it holds, for the log."""
    from align_transfer.data.ud import write_jsonl

    sentences = read_wikiann(raw)
    write_jsonl(out, sentences)
    return f"{len(sentences)} sentences, {sum(t.startswith('B-') for s in sentences for t in s['tags'])} entities"


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


# The mini world's named entities (docs/design.md §5): its sentences with each name tagged by its type.

#: The entity type of each of NAMES, in turn; a person's name is followed by a family name (I-PER).
ENTITY_TYPES = ("PER", "ORG", "LOC")
#: Noun phrases that are names in the named-entity sentences: enough entities to score span F1 on.
NER_ANCHOR_SHARE = 0.9


def entity_sentence(world, meaning: dict, code: str) -> dict:
    """A meaning as WikiANN has a sentence: its words (no contractions) and their IOB2 tags, each name an entity
    of its type (``ENTITY_TYPES``), a person's with a family name after it."""
    script = LANGUAGES[code].script
    kinds = {transliterate(name, script).capitalize(): ENTITY_TYPES[i % 3] for i, name in enumerate(NAMES)}
    family = {
        transliterate(name, script).capitalize(): transliterate(name[::-1], script).capitalize() for name in NAMES
    }
    words, tags = [], []
    for word, upos in world.render(meaning, code):
        kind = kinds.get(word) if upos == "PROPN" else None
        words.append(word)
        tags.append(f"B-{kind}" if kind else "O")
        if kind == "PER":
            words.append(family[word])
            tags.append("I-PER")
    return {"words": words, "tags": tags}


def write_entities(root, world, seed: int, sizes: dict) -> None:
    """Write the mini world's WikiANN mirror under ``root``: ``sizes["ner_{split}"]`` sentences of each split in
    every language, drawn from a generator of their own (``seed + 2``)."""
    entities = random.Random(seed + 2)
    for split, name in SPLITS.items():
        meanings = [world.meaning(entities, NER_ANCHOR_SHARE) for _ in range(sizes.get(f"ner_{split}", 0))]
        for lang in LANGUAGES.values():
            (root / lang.code).mkdir(parents=True, exist_ok=True)
            sentences = [entity_sentence(world, meaning, lang.code) for meaning in meanings]
            write_wikiann(root / lang.code / f"{name}-00000-of-00001.parquet", sentences, lang.code)
