"""The fine-tuning tasks of Phase II and III (paper §4.3, §4.4), one registry entry each: the one owner of what
differs between tasks. UD POS tagging and SIB-200 topic classification (the paper's, scored by accuracy), and
WikiANN named-entity recognition (beyond the paper, scored by span F1; off in the paper's config).

Every part of the workflow asks ``TASKS``: the schema its task names and per-task keys (``finetune.<task>``,
``compute.items``, ``compute.tokens``), the rules their ``{task}`` wildcard and which prepared files a task
reads, tokenizing its reader's files (``tokenizer``, in ``align_transfer.data.tasks``), fine-tuning whether it
labels tokens or sequences and how many labels, the tables its title, the claims whether its items are
parallel across languages, the data rules where its source's files lie and how to prepare them, the mini world
how to generate them. Adding a task: its reader module (``data/``: ``raw_fields``, ``prepare``, and a
``mini_world`` generator), its tokenizer, an entry here, and under ``finetune.<name>``, ``sources.<source>``
and ``compute`` its settings in the config.

Pure Python: the Snakefile reads it at parse time. The label sets and tokenizers live with the readers
(``data/``), named here as ``"module:name"`` and imported where they are used.
"""

from __future__ import annotations

from dataclasses import dataclass

from align_transfer.core import layout
from align_transfer.core.registry import resolve


@dataclass(frozen=True)
class Task:
    name: str
    title: str  # as the paper's tables name it
    level: str  # "token": a label per word (on its first sub-token); "sequence": a label per example
    label_set: str  # "module:NAME" of its labels, in their order
    tokenizer: str  # "module:function": (prepared file, tokenizer, max_length) -> {"input_ids", "labels"}
    source: str  # the entry of `sources` its files come from (and its folder under resources/ and a mirror)
    source_layout: str  # where a file lies in the source (and in a mirror), with the reader's raw_fields
    reader: str  # its module: raw_fields(lang, info, split) -> the source layout's fields; prepare(raw, out)
    extension: str  # of a prepared split
    parallel_items: bool = False  # item i is the same text in every language (the instance level reads them)
    metric: str = "accuracy"  # how its items are scored (core.metrics.METRICS)
    mini_world: str = ""  # "module:function" writing its source into a mini world with a generator of its own

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(resolve(self.label_set))

    @property
    def tokenize(self):
        return resolve(self.tokenizer)

    @property
    def prepare(self):
        return resolve(f"{self.reader}:prepare")

    @property
    def token_level(self) -> bool:
        return self.level == "token"

    @property
    def prepared(self) -> str:
        """The layout of a prepared split, with {lang} and {split}."""
        return layout.task_data(self.source, self.extension)

    def raw(self, lang: str, info: dict, split: str) -> tuple[str, dict]:
        """A split's downloaded file (under ``resources/``) and its fields in the source's layout."""
        fields = resolve(f"{self.reader}:raw_fields")(lang, info, split)
        return resource(self.source, **fields), fields

    def source_splits(self, settings: dict) -> dict[str, str]:
        """The source language's training and dev splits: the task's ``train_split`` / ``dev_split`` settings
        where it has them, else ``train`` and ``dev``."""
        return {"train": settings.get("train_split", "train"), "dev": settings.get("dev_split", "dev")}

    def splits(self, lang: str, source: str, evaluated: bool, settings: dict, test_split: str) -> list[str]:
        """The prepared splits a language needs: the test split where it is evaluated (and for the source too,
        where items are parallel: the instance level retrieves each item's translation among them), the
        training and dev splits for the source."""
        splits = {test_split} if evaluated or (self.parallel_items and lang == source) else set()
        if lang == source:
            splits |= set(self.source_splits(settings).values())
        return sorted(splits)

    def files(self, source: str, languages, settings: dict, test_split: str) -> dict[str, str]:
        """The prepared files of a task's splits: the source's train and dev, each evaluation language's test."""
        files = {
            name: self.prepared.format(lang=source, split=split) for name, split in self.source_splits(settings).items()
        }
        return files | {f"test_{lang}": self.prepared.format(lang=lang, split=test_split) for lang in languages}


TASKS = {
    "pos": Task(
        "pos",
        "POS Tagging",
        "token",
        label_set="align_transfer.data.ud:UPOS",
        tokenizer="align_transfer.data.tasks:tokenize_pos",
        source="ud",
        source_layout="{treebank}/{file}",
        reader="align_transfer.data.ud",
        extension="jsonl",
    ),
    "sc": Task(
        "sc",
        "Sentence Classification",
        "sequence",
        label_set="align_transfer.data.sib200:LABELS",
        tokenizer="align_transfer.data.tasks:tokenize_sc",
        source="sib200",
        source_layout="data/annotated/{code}/{split}.tsv",
        reader="align_transfer.data.sib200",
        extension="tsv",
        parallel_items=True,
    ),
    # beyond the paper: WikiANN (XTREME's splits), scored by span F1; opt-in (finetune.tasks)
    "ner": Task(
        "ner",
        "Named Entity Recognition (span F1)",  # its tables say the metric: every other is accuracy
        "token",
        label_set="align_transfer.data.wikiann:TAGS",
        tokenizer="align_transfer.data.tasks:tokenize_ner",
        source="wikiann",
        source_layout="{lang}/{split}-00000-of-00001.parquet",
        reader="align_transfer.data.wikiann",
        extension="jsonl",
        metric="f1",
        mini_world="align_transfer.data.wikiann:write_entities",
    ),
}

#: The {task} wildcard.
TASK_PATTERN = "|".join(TASKS)
#: Where each file lies under a mirror's base path (and under ``resources/{source}/``), for every source.
SOURCE_LAYOUTS = layout.DOWNLOAD_LAYOUTS | {task.source: task.source_layout for task in TASKS.values()}


def resource(source: str, **fields) -> str:
    """A downloaded file's path: ``resources/{source}/`` and its place in the source's layout."""
    return f"{layout.RESOURCES}/{source}/{SOURCE_LAYOUTS[source].format(**fields)}"
