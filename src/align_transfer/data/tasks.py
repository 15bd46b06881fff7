"""The fine-tuning tasks of Phase II and III (paper §4.3, §4.4), one registry entry each: UD POS tagging and
SIB-200 topic classification, tokenized once (every encoder shares the base tokenizer) and scored by accuracy.

Every part of the workflow asks ``TASKS`` what differs between tasks: the rules which prepared files a task
reads, fine-tuning whether it labels tokens or sequences, the tables its title, the claims whether its items
are parallel across languages. Adding a task:

1. a reader that prepares its source's files (like ``ud.py``, ``sib200.py``) and the rules that download
   and prepare them (``workflow/rules/data.smk``);
2. an entry in ``TASKS``, with a tokenizer function (``tokenize_pos``, ``tokenize_sc``);
3. its hyper-parameters under ``finetune.<name>`` in ``config/config.yaml`` and the schema, and its name
   in the schema's list of tasks.

Fine-tuning, evaluation, the tables, the claims and the report then follow from the registry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from align_transfer.core import layout
from align_transfer.core.sampling import limit_of, sample_rows
from align_transfer.data.sib200 import LABELS
from align_transfer.data.ud import UPOS, read_jsonl

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)


def first_subtoken_labels(words: list[str], tags: list[str], tokenizer, max_length: int) -> tuple[list, list]:
    """Token ids of a sentence and one label per token: a word's tag on its first sub-token, -100 elsewhere.

    Words cut off by ``max_length`` keep no label, so they are not scored.
    """
    encoding = tokenizer(words, is_split_into_words=True, truncation=True, max_length=max_length)
    labels, previous = [], None
    for word in encoding.word_ids():
        labels.append(-100 if word is None or word == previous else UPOS.index(tags[word]))
        previous = word
    return encoding["input_ids"], labels


def tokenize_pos(jsonl, tokenizer, max_length: int) -> dict:
    ids, labels = [], []
    for sentence in read_jsonl(jsonl):
        sentence_ids, sentence_labels = first_subtoken_labels(
            sentence["words"], sentence["upos"], tokenizer, max_length
        )
        ids.append(sentence_ids)
        labels.append(sentence_labels)
    return {"input_ids": ids, "labels": labels}


def tokenize_sc(tsv, tokenizer, max_length: int) -> dict:
    from align_transfer.data.sib200 import read_prepared_sib

    rows = read_prepared_sib(tsv)
    encoded = tokenizer([r["text"] for r in rows], truncation=True, max_length=max_length)
    return {"input_ids": encoded["input_ids"], "labels": [LABELS.index(r["label"]) for r in rows]}


@dataclass(frozen=True)
class Task:
    name: str
    title: str  # as the paper's tables name it
    level: str  # "token": a label per word (on its first sub-token); "sequence": a label per example
    labels: tuple[str, ...]
    prepared: str  # the layout of a prepared split, with {lang} and {split}
    tokenize: Callable = None  # (prepared file, tokenizer, max_length) -> {"input_ids", "labels"}
    parallel_items: bool = False  # item i is the same text in every language (the instance level reads them)

    @property
    def token_level(self) -> bool:
        return self.level == "token"

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


def tokenize_task(task: str, files: dict, tokenizer_dir, out_dir, max_length: int, sample: dict | None = None) -> None:
    """Tokenize every split of a task once: ``files`` maps a split name (train, dev, test_de, ...) to its file.

    ``sample`` (``{"limits": {"train": 64, "test": 50}, "seed": 42}``; ``test`` limits every ``test_*``
    split) keeps a seeded sample of some splits, stratified by label for SC (``sampling.sample_rows``), for
    a quick smoke run; None in the paper.
    """
    from datasets import Dataset, DatasetDict

    from align_transfer.core.modeling import load_tokenizer, save_dataset

    tokenizer = load_tokenizer(tokenizer_dir)
    tokenize = TASKS[task].tokenize
    splits = DatasetDict(
        {name: Dataset.from_dict(tokenize(path, tokenizer, max_length)) for name, path in files.items()}
    )
    for name, split in splits.items():
        limit, seed = limit_of(sample, name.split("_")[0])
        if limit is not None and len(split) > limit:
            labels = None if TASKS[task].token_level else split["labels"]
            splits[name] = split.select(sample_rows(len(split), limit, seed, labels))
    save_dataset(splits, out_dir)
    log.info("%s: %s", task, {name: len(split) for name, split in splits.items()})


TASKS = {
    "pos": Task("pos", "POS Tagging", "token", tuple(UPOS), layout.UD, tokenize_pos),
    "sc": Task(
        "sc", "Sentence Classification", "sequence", tuple(LABELS), layout.SIB, tokenize_sc, parallel_items=True
    ),
}


def correct_and_total(predictions: torch.Tensor, labels: torch.Tensor) -> tuple[int, int]:
    """Counts for accuracy over the scored items (labels of -100 are not scored)."""
    scored = labels != -100
    return int((predictions[scored] == labels[scored]).sum()), int(scored.sum())


def accuracy(predictions: torch.Tensor, labels: torch.Tensor) -> float:
    correct, total = correct_and_total(predictions, labels)
    return correct / total if total else float("nan")
