"""Statistics of the claims layer (DESIGN §7): correlations with bootstrap intervals and permutation
p-values, the paired two-level bootstrap of a Δ accuracy, Holm's correction, the verdict rules.

Every resampling function takes a seeded ``numpy.random.Generator``, so a rerun gives the same
numbers. Intervals are percentile intervals; p-values are two-sided.
"""

from __future__ import annotations

import math
from itertools import combinations
from itertools import permutations as all_orders

import numpy as np


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n along the last axis, ties sharing the mean of their positions (as Spearman's ρ needs)."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, axis=-1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=-1)
    n = values.shape[-1]
    position = np.broadcast_to(np.arange(n), values.shape)
    starts = np.ones(values.shape, dtype=bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]
    ends = np.ones(values.shape, dtype=bool)
    ends[..., :-1] = starts[..., 1:]
    first = np.maximum.accumulate(np.where(starts, position, 0), axis=-1)
    last = np.flip(np.minimum.accumulate(np.flip(np.where(ends, position, n - 1), -1), axis=-1), -1)
    ranks = np.empty_like(values)
    np.put_along_axis(ranks, order, (first + last) / 2 + 1, axis=-1)
    return ranks


def pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson's r along the last axis (nan where either side is constant)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    dx = x - x.mean(axis=-1, keepdims=True)
    dy = y - y.mean(axis=-1, keepdims=True)
    denominator = np.sqrt((dx * dx).sum(axis=-1) * (dy * dy).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, (dx * dy).sum(axis=-1) / np.where(denominator > 0, denominator, 1), np.nan)


def spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's ρ: Pearson's r of the average ranks."""
    return pearson(average_ranks(x), average_ranks(y))


CORRELATIONS = {"spearman": spearman, "pearson": pearson}


def percentile_interval(samples: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The central ``level`` interval of bootstrap samples (nan samples left out)."""
    samples = np.asarray(samples, dtype=np.float64)
    samples = samples[~np.isnan(samples)]
    if not len(samples):
        return math.nan, math.nan
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_p(samples: np.ndarray) -> float:
    """Two-sided p-value of 'the statistic is 0' from its bootstrap distribution: twice the smaller tail
    beyond 0, counted with the +1 that keeps a finite number of resamples from claiming p = 0."""
    samples = np.asarray(samples, dtype=np.float64)
    samples = samples[~np.isnan(samples)]
    if not len(samples):
        return math.nan
    tail = min((samples <= 0).sum(), (samples >= 0).sum())
    return min(1.0, 2 * (tail + 1) / (len(samples) + 1))


def correlation(x, y, method: str, resamples: int, permutations: int, rng: np.random.Generator,
                level: float = 0.95) -> dict:  # fmt: skip
    """A correlation with its bootstrap interval (pairs resampled) and its permutation p-value.

    The p-value counts the orderings of y whose |statistic| reaches the observed one: all n! of them
    where n! <= ``permutations`` (exact), otherwise ``permutations`` random ones plus the observed.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    statistic = CORRELATIONS[method]
    n = len(x)
    value = float(statistic(x, y)) if n >= 3 else math.nan
    result = {"method": method, "n": n, "value": value, "low": math.nan, "high": math.nan, "p": math.nan}
    if math.isnan(value):
        return result
    rows = rng.integers(0, n, size=(resamples, n))
    result["low"], result["high"] = percentile_interval(statistic(x[rows], y[rows]), level)
    reach = abs(value) - 1e-12  # orderings that tie the observed value count as reaching it
    if math.factorial(n) <= permutations:
        shuffled = np.array(list(all_orders(range(n))))
        result["p"] = float(np.mean(np.abs(statistic(np.broadcast_to(x, shuffled.shape), y[shuffled])) >= reach))
    else:
        shuffled = rng.permuted(np.broadcast_to(y, (permutations, n)), axis=-1)
        hits = int((np.abs(statistic(np.broadcast_to(x, shuffled.shape), shuffled)) >= reach).sum())
        result["p"] = (hits + 1) / (permutations + 1)
    return result


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values, in the order given (nan stays nan and is not counted)."""
    p = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full_like(p, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    order = valid[np.argsort(p[valid], kind="stable")]
    m = len(order)
    running = 0.0
    for position, index in enumerate(order):
        running = max(running, min(1.0, (m - position) * p[index]))
        adjusted[index] = running
    return adjusted


def resample_weights(n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """How often each of n units is drawn in each bootstrap resample: (resamples, n) counts summing to n."""
    return rng.multinomial(n, np.full(n, 1 / n), size=resamples).astype(np.float64)


def resampled_accuracy(correct: np.ndarray, total: np.ndarray, item_weights: np.ndarray) -> np.ndarray:
    """Accuracy of each unit (a row of ``correct`` and ``total``: (units, items) counts of one language)
    on each resample of the items (``item_weights``: (resamples, items)). Returns (resamples, units)."""
    return (item_weights @ correct.T) / (item_weights @ total.T)


def seed_scores(correct: list[np.ndarray], total: list[np.ndarray], item_weights: list[np.ndarray]) -> np.ndarray:
    """Each resample's score of each seed: the mean over languages of accuracy on the resampled items
    (lists with one entry per language, as in ``resampled_accuracy``). Returns (resamples, seeds)."""
    return np.mean([resampled_accuracy(c, t, w) for c, t, w in zip(correct, total, item_weights)], axis=0)


def paired_delta(aligned_scores: np.ndarray, base_scores: np.ndarray, seed_weights: np.ndarray) -> np.ndarray:
    """The paired two-level bootstrap of Table 1's Δ (DESIGN §7): each resample draws test items (the
    same for both encoders, already in the (resamples, seeds) scores) and seeds (``seed_weights``,
    (resamples, seeds) counts); its Δ is the aligned encoder's mean score over the drawn seeds minus the
    base encoder's."""
    return (seed_weights * (aligned_scores - base_scores)).sum(axis=1) / seed_weights.sum(axis=1)


def group_difference(correct: np.ndarray, in_group: np.ndarray, resamples: int, rng: np.random.Generator,
                     level: float = 0.95) -> dict:  # fmt: skip
    """Accuracy on the items in a group minus accuracy on the others, items resampled (each item's
    row of ``correct``, one column per seed, stays together), with its interval and p-value."""
    correct = np.asarray(correct, dtype=np.float64).reshape(len(in_group), -1)
    in_group = np.asarray(in_group, dtype=bool)
    row = {"items": len(in_group), "in_group": int(in_group.sum()), "difference": math.nan, "low": math.nan,
           "high": math.nan, "p": math.nan}  # fmt: skip
    if not 0 < in_group.sum() < len(in_group):
        return row
    per_item = correct.mean(axis=1)
    row["difference"] = float(per_item[in_group].mean() - per_item[~in_group].mean())
    weights = resample_weights(len(in_group), resamples, rng)
    with np.errstate(invalid="ignore", divide="ignore"):
        inside = (weights[:, in_group] @ per_item[in_group]) / weights[:, in_group].sum(axis=1)
        outside = (weights[:, ~in_group] @ per_item[~in_group]) / weights[:, ~in_group].sum(axis=1)
    samples = inside - outside
    row["low"], row["high"] = percentile_interval(samples, level)
    row["p"] = bootstrap_p(samples)
    return row


def verdict_predicts(low: float, high: float, threshold: float = 0.5) -> str:
    """'Alignment predicts transfer' (DESIGN §7): supported when the whole interval of ρ lies above
    ``threshold``, contradicted when it contains 0, inconclusive otherwise."""
    if math.isnan(low) or math.isnan(high):
        return "inconclusive"
    if low > threshold:
        return "supported"
    return "contradicted" if low <= 0 <= high else "inconclusive"


def verdict_orthogonal(low: float, high: float, baseline_low: float, baseline_high: float, band: float = 0.1) -> str:
    """'Alignment and task gradients are close to orthogonal' (DESIGN §7): supported when the interval
    of the mean cosine lies within (-band, band) and overlaps the task-vs-task baseline's; contradicted
    when it lies outside (-band, band); inconclusive otherwise."""
    if math.isnan(low) or math.isnan(high):
        return "inconclusive"
    if high <= -band or low >= band:
        return "contradicted"
    overlaps = not (math.isnan(baseline_low) or high < baseline_low or low > baseline_high)
    return "supported" if -band < low and high < band and overlaps else "inconclusive"


def verdict_positive(low: float, high: float) -> str:
    """'The Δ is positive': supported when the interval lies above 0, contradicted below, else inconclusive."""
    if math.isnan(low) or math.isnan(high):
        return "inconclusive"
    return "supported" if low > 0 else "contradicted" if high < 0 else "inconclusive"


def between_groups(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The between-group sum of squares, sum over groups of n_g (mean_g - mean)^2, along the last axis of
    ``values`` (one statistic per row) for the group labels ``groups`` (integers 0..k-1, last axis)."""
    values = np.asarray(values, dtype=np.float64)
    groups = np.broadcast_to(np.asarray(groups), values.shape)
    total = values.mean(axis=-1, keepdims=True)
    statistic = np.zeros(values.shape[:-1])
    for group in np.unique(groups):
        inside = groups == group
        count = inside.sum(axis=-1)
        mean = np.where(inside, values, 0).sum(axis=-1) / count
        statistic = statistic + count * (mean - total[..., 0]) ** 2
    return statistic


def labellings(sizes: list[int]) -> np.ndarray:
    """Every distinct assignment of ``sum(sizes)`` units to groups of these sizes, one per row."""
    n = sum(sizes)
    rows = []

    def assign(free: tuple, group: int, labels: list):
        if group == len(sizes) - 1:
            for unit in free:
                labels[unit] = group
            rows.append(list(labels))
            return
        for chosen in combinations(free, sizes[group]):
            for unit in chosen:
                labels[unit] = group
            assign(tuple(u for u in free if u not in chosen), group + 1, labels)

    assign(tuple(range(n)), 0, [0] * n)
    return np.array(rows)


def group_permutation_p(values, groups, permutations: int, rng: np.random.Generator) -> float:
    """Permutation p-value of 'every group has the same mean': the share of relabellings of the units whose
    between-group sum of squares reaches the observed one. Exact over all distinct relabellings where
    there are at most ``permutations`` of them, otherwise ``permutations`` random ones plus the observed."""
    values = np.asarray(values, dtype=np.float64)
    _, groups = np.unique(np.asarray(groups), return_inverse=True)
    sizes = np.bincount(groups).tolist()
    if len(sizes) < 2:
        return math.nan
    observed = float(between_groups(values, groups)) - 1e-12  # relabellings that tie it reach it
    distinct = math.factorial(len(values)) // math.prod(math.factorial(size) for size in sizes)
    if distinct <= permutations:
        return float(np.mean(between_groups(np.broadcast_to(values, (distinct, len(values))), labellings(sizes)) >= observed))
    shuffled = rng.permuted(np.broadcast_to(groups, (permutations, len(groups))), axis=-1)
    hits = int((between_groups(np.broadcast_to(values, shuffled.shape), shuffled) >= observed).sum())
    return (hits + 1) / (permutations + 1)


def verdict_differs(p: float, alpha: float = 0.05) -> str:
    """'The encoders differ': supported when the permutation p-value is below alpha, else inconclusive
    (a p-value cannot show that they are the same)."""
    return "inconclusive" if math.isnan(p) or p >= alpha else "supported"
