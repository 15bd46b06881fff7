"""The rows a smoke run keeps (``finetune.train_examples``, ``evaluation.test_examples``,
``analysis.flores_examples``): a seeded sample, never the first rows of a file, which are often sorted
(SIB-200's test items come by topic: its first 32 are one or two labels). Classification data is sampled
within each label, in proportion, so a small sample keeps the label mix."""

from __future__ import annotations

import numpy as np


def sample_rows(count: int, limit: int | None, seed: int, labels=None) -> list[int]:
    """Of ``count`` rows, the ``limit`` a smoke run keeps, in file order: all where ``limit`` is None or not
    below ``count``; else a sample seeded by ``seed``, stratified by ``labels`` (one per row) where given:
    each label keeps its share of ``limit`` (largest remainders first), drawn at random within it. The same
    rows and labels give the same sample whatever the labels are written as (names or indices)."""
    if limit is None or limit >= count:
        return list(range(count))
    rng = np.random.default_rng(seed)
    if labels is None:
        return sorted(rng.choice(count, size=limit, replace=False).tolist())
    groups: dict = {}
    for row, label in enumerate(labels):
        groups.setdefault(label, []).append(row)  # labels in the order they first appear
    shares = [limit * len(rows) / count for rows in groups.values()]
    sizes = [int(share) for share in shares]
    for index in sorted(range(len(shares)), key=lambda i: (sizes[i] - shares[i], i))[: limit - sum(sizes)]:
        sizes[index] += 1
    kept = []
    for rows, size in zip(groups.values(), sizes):
        kept += rng.choice(rows, size=size, replace=False).tolist()
    return sorted(kept)


def limit_of(sample: dict | None, name: str) -> tuple[int | None, int]:
    """The limit a rule's ``sample`` param (``{"limits": {name: N}, "seed": S}``, or None) sets on ``name``, and
    its seed."""
    return ((sample or {}).get("limits", {}).get(name), (sample or {}).get("seed", 0))
