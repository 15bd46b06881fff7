"""Task data for Phase II and III (paper §4.3, §4.4): UD POS tagging and SIB-200 topic classification,
tokenized once (every encoder shares the base tokenizer) and scored by accuracy."""

from __future__ import annotations

import logging

import torch

from .sampling import limit_of, sample_rows
from .sib200 import LABELS
from .ud import UPOS, read_jsonl

log = logging.getLogger(__name__)
LABEL_SETS = {"pos": UPOS, "sc": LABELS}


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
        sentence_ids, sentence_labels = first_subtoken_labels(sentence["words"], sentence["upos"], tokenizer, max_length)
        ids.append(sentence_ids)
        labels.append(sentence_labels)
    return {"input_ids": ids, "labels": labels}


def tokenize_sc(tsv, tokenizer, max_length: int) -> dict:
    from .sib200 import read_prepared_sib

    rows = read_prepared_sib(tsv)
    encoded = tokenizer([r["text"] for r in rows], truncation=True, max_length=max_length)
    return {"input_ids": encoded["input_ids"], "labels": [LABELS.index(r["label"]) for r in rows]}


def tokenize_task(task: str, files: dict, tokenizer_dir, out_dir, max_length: int, sample: dict | None = None) -> None:
    """Tokenize every split of a task once: ``files`` maps a split name (train, dev, test_de, ...) to its file.

    ``sample`` (``{"limits": {"train": 64, "test": 50}, "seed": 42}``; ``test`` limits every ``test_*``
    split) keeps a seeded sample of some splits, stratified by label for SC (``sampling.sample_rows``), for
    a quick smoke run; None in the paper.
    """
    from datasets import Dataset, DatasetDict

    from .loading import load_tokenizer, save_dataset

    tokenizer = load_tokenizer(tokenizer_dir)
    tokenize = tokenize_pos if task == "pos" else tokenize_sc
    splits = DatasetDict({name: Dataset.from_dict(tokenize(path, tokenizer, max_length)) for name, path in files.items()})
    for name, split in splits.items():
        limit, seed = limit_of(sample, name.split("_")[0])
        if limit is not None and len(split) > limit:
            labels = split["labels"] if task == "sc" else None
            splits[name] = split.select(sample_rows(len(split), limit, seed, labels))
    save_dataset(splits, out_dir)
    log.info("%s: %s", task, {name: len(split) for name, split in splits.items()})


def correct_and_total(predictions: torch.Tensor, labels: torch.Tensor) -> tuple[int, int]:
    """Counts for accuracy over the scored items (labels of -100 are not scored)."""
    scored = labels != -100
    return int((predictions[scored] == labels[scored]).sum()), int(scored.sum())


def accuracy(predictions: torch.Tensor, labels: torch.Tensor) -> float:
    correct, total = correct_and_total(predictions, labels)
    return correct / total if total else float("nan")
