"""The metrics a task is scored by, one registry entry each: the one owner of how a score is made of its items.

Every metric here is a ratio of sums over the test items: a run's score is Σ numerator / Σ denominator of its
items' sufficient statistics, which each item's row of a zero-shot items file holds. So a resample of the
items (Table 1's bootstrap), an item's share of a model's Δ (the crossed-design variance of the transfer claim)
and the report's tables work the same for every metric:

- **accuracy** (POS, SC): an item's correct and scored labels; numerator correct, denominator total.
- **f1** (span-level, micro, as seqeval's default: IOB2 chunks, an entity counted when its type and both ends
  agree): an item's true positives, predicted and gold entities; F1 = 2·TP / (predicted + gold), the harmonic
  mean of precision TP / predicted and recall TP / gold.

Adding a metric: an entry here (its per-item statistics, numerator and denominator), and where the models
produce it, its per-item counts (``finetuning.finetune.item_statistics``). Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Metric:
    name: str  # the column of a run's score in zero-shot files and the join, as tables and claims name it
    label: str  # as a sentence says it ("Δ accuracy", "Δ span F1")
    statistics: tuple[str, ...]  # an item's columns in a zero-shot items file
    numerator: Callable  # of a mapping (a row, a frame, arrays) of the statistics
    denominator: Callable
    item_counts: str | None = None  # "module:function" (predicted tags, gold tags) -> an item's statistics;
    # None: counted on the label tensors (accuracy)

    def score(self, statistics) -> float:
        """A run's score from its items' statistics (a mapping of columns): Σ numerator / Σ denominator."""
        denominator = float(sum(self.denominator(statistics)))
        return float(sum(self.numerator(statistics))) / denominator if denominator else float("nan")


METRICS = {
    "accuracy": Metric("accuracy", "accuracy", ("correct", "total"), lambda s: s["correct"], lambda s: s["total"]),
    "f1": Metric(
        "f1",
        "span F1",
        ("true_positives", "predicted", "gold"),
        lambda s: 2 * s["true_positives"],
        lambda s: s["predicted"] + s["gold"],
        "align_transfer.core.metrics:span_counts",
    ),
}


def entity_spans(tags: list[str]) -> set[tuple[str, int, int]]:
    """The entities of an IOB2 tag sequence as (type, first, last) word positions, chunked as seqeval's default
    mode does: an entity starts at B-X, or at an I-X that does not continue an entity of type X; it ends
    before O, before a B-, or before a tag of another type."""
    spans, start, kind = set(), None, None
    for position, tag in enumerate([*tags, "O"]):
        prefix, _, label = tag.partition("-")
        continues = prefix == "I" and kind == label
        if start is not None and not continues:
            spans.add((kind, start, position - 1))
            start, kind = None, None
        if prefix == "B" or (prefix == "I" and not continues):
            start, kind = position, label
    return spans


def span_counts(predicted: list[str], gold: list[str]) -> dict[str, int]:
    """One item's statistics of span F1: entities found in both (same type and ends), predicted, gold."""
    found, truth = entity_spans(predicted), entity_spans(gold)
    return {"true_positives": len(found & truth), "predicted": len(found), "gold": len(truth)}
