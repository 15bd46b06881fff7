"""The fine-tuning tasks' data (paper §4.3, §4.4): each task's tokenizer (named by its entry in
``core.tasks.TASKS``), tokenized once (every encoder shares the base tokenizer), and accuracy's counts.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from align_transfer.core.sampling import limit_of, sample_rows
from align_transfer.core.tasks import TASKS
from align_transfer.data.sib200 import LABELS
from align_transfer.data.ud import UPOS, read_jsonl
from align_transfer.data.wikiann import TAGS

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)


def first_subtoken_labels(
    words: list[str], tags: list[str], tokenizer, max_length: int, label_set=UPOS
) -> tuple[list, list]:
    """Token ids of a sentence and one label per token: a word's tag (its index in ``label_set``) on its first
    sub-token, -100 elsewhere.

    Words cut off by ``max_length`` keep no label, so they are not scored.
    """
    encoding = tokenizer(words, is_split_into_words=True, truncation=True, max_length=max_length)
    labels, previous = [], None
    for word in encoding.word_ids():
        labels.append(-100 if word is None or word == previous else label_set.index(tags[word]))
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


def tokenize_ner(jsonl, tokenizer, max_length: int) -> dict:
    """WikiANN's prepared sentences: a word's IOB2 tag on its first sub-token, as POS's UPOS."""
    ids, labels = [], []
    for sentence in read_jsonl(jsonl):
        sentence_ids, sentence_labels = first_subtoken_labels(
            sentence["words"], sentence["tags"], tokenizer, max_length, TAGS
        )
        ids.append(sentence_ids)
        labels.append(sentence_labels)
    return {"input_ids": ids, "labels": labels}


def tokenize_sc(tsv, tokenizer, max_length: int) -> dict:
    from align_transfer.data.sib200 import read_prepared_sib

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


def correct_and_total(predictions: torch.Tensor, labels: torch.Tensor) -> tuple[int, int]:
    """Counts for accuracy over the scored items (labels of -100 are not scored)."""
    scored = labels != -100
    return int((predictions[scored] == labels[scored]).sum()), int(scored.sum())


def accuracy(predictions: torch.Tensor, labels: torch.Tensor) -> float:
    correct, total = correct_and_total(predictions, labels)
    return correct / total if total else float("nan")
