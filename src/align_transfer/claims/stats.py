"""Statistics of the claims layer (docs/design.md §7): intervals, p-values and the verdict rules.

The unit of resampling is the independent unit. A model-level claim resamples aligned models; a
correlation over model x language points resamples whole alignment runs (a cluster bootstrap) and
permutes the alignment measure among runs, within strata where the claim is tested within loss codes.
Fewer than ``MIN_UNITS`` units give no interval and the verdict ``TOO_FEW``; an interval is never
zero-width. scipy does the ranks, Spearman's ρ, the bootstrap and the two-sample and k-sample
permutation tests; statsmodels does Holm. What they do not do (a permutation of clusters within
strata, the paired two-level bootstrap of Table 1) is here, each tested against a plain loop.

Every resampling function takes a seeded ``numpy.random.Generator``, so a rerun gives the same
numbers. Intervals are percentile intervals; p-values are two-sided unless said otherwise.
"""

from __future__ import annotations

import math
import warnings
from itertools import permutations as orderings
from itertools import product

import numpy as np
from scipy import stats as sps

#: Below this many independent units a bootstrap interval says nothing: no interval, no verdict.
MIN_UNITS = 3
SUPPORTED, CONTRADICTED, INCONCLUSIVE, TOO_FEW = "supported", "contradicted", "inconclusive", "too few units"
NO_INTERVAL = {"low": math.nan, "high": math.nan, "p": math.nan}


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
    """Spearman's ρ along the last axis: Pearson's r of scipy's average ranks (vectorised over resamples)."""
    return pearson(sps.rankdata(x, axis=-1), sps.rankdata(y, axis=-1))


def centred(values: np.ndarray, method: str) -> np.ndarray:
    """The values of one stratum (last axis) as the within-stratum statistic pools them: ranks (Spearman) or
    values (Pearson), minus their mean, so that strata at different levels do not make a correlation."""
    values = sps.rankdata(values, axis=-1) if method == "spearman" else np.asarray(values, dtype=np.float64)
    return values - values.mean(axis=-1, keepdims=True)


def percentile_interval(samples: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The central ``level`` interval of bootstrap samples; no interval (nan) where every sample is the
    same value, since a zero-width interval would claim a certainty that resampling cannot give."""
    samples = np.asarray(samples, dtype=np.float64)
    samples = samples[~np.isnan(samples)]
    if not len(samples) or np.ptp(samples) == 0:
        return math.nan, math.nan
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_p(samples: np.ndarray) -> float:
    """Two-sided p-value of 'the statistic is 0' from its bootstrap distribution: twice the smaller tail
    beyond 0, counted with the +1 that keeps a finite number of resamples from claiming p = 0."""
    samples = np.asarray(samples, dtype=np.float64)
    samples = samples[~np.isnan(samples)]
    if not len(samples) or np.ptp(samples) == 0:
        return math.nan
    tail = min((samples <= 0).sum(), (samples >= 0).sum())
    return min(1.0, 2 * (tail + 1) / (len(samples) + 1))


def bootstrap(data: tuple, statistic, resamples: int, rng: np.random.Generator, level: float) -> np.ndarray:
    """scipy's percentile bootstrap (each sample of ``data`` resampled on its own), vectorised; its
    distribution. A degenerate one is ``percentile_interval``'s to refuse, so scipy's warning is not shown."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sps.DegenerateDataWarning)
        result = sps.bootstrap(
            data,
            statistic,
            n_resamples=resamples,
            confidence_level=level,
            method="percentile",
            vectorized=True,
            rng=rng,
        )
    return result.bootstrap_distribution


def mean_interval(values, resamples: int, rng: np.random.Generator, level: float = 0.95) -> dict:
    """The mean of independent units with its percentile bootstrap interval (scipy) and the bootstrap
    p-value of 'the mean is 0'; no interval below ``MIN_UNITS`` units."""
    values = np.asarray(values, dtype=np.float64)
    row = {"units": len(values), "value": float(values.mean()) if len(values) else math.nan} | NO_INTERVAL
    if len(values) < MIN_UNITS or np.isnan(values).any():
        return row
    samples = bootstrap((values,), np.mean, resamples, rng, level)
    low, high = percentile_interval(samples, level)
    return row | {"low": low, "high": high, "p": bootstrap_p(samples)}


def strata_of(strata, clusters: int) -> list[np.ndarray]:
    """The clusters of each stratum (one stratum when ``strata`` is None), keeping only strata of two
    clusters or more: a stratum of one has no variation between clusters to correlate."""
    if strata is None:
        return [np.arange(clusters)]
    _, labels = np.unique(np.asarray(strata), return_inverse=True)
    groups = [np.flatnonzero(labels == label) for label in range(labels.max() + 1)]
    return [group for group in groups if len(group) >= 2]


def pooled_statistic(x_parts: list[np.ndarray], y_parts: list[np.ndarray], method: str) -> np.ndarray:
    """The correlation of the points of each stratum's clusters (``parts``: (..., clusters, points) each),
    centred within each stratum and pooled. With one stratum: plain Spearman's ρ or Pearson's r."""
    flat = (
        [part.reshape(*part.shape[:-2], -1) for part in x_parts],
        [part.reshape(*part.shape[:-2], -1) for part in y_parts],
    )
    x = np.concatenate([centred(part, method) for part in flat[0]], axis=-1)
    y = np.concatenate([centred(part, method) for part in flat[1]], axis=-1)
    return pearson(x, y)


def cluster_correlation(
    x, y, method: str, resamples: int, permutations: int, rng: np.random.Generator, strata=None, level: float = 0.95
) -> dict:
    """A correlation over points that cluster: ``x`` and ``y`` are (clusters, points) matrices, a row per
    independent unit (an alignment run) and a column per point of it (a language at a step), the same
    columns in every row. With ``strata`` (a label per cluster: its loss code) the points are ranked
    within each stratum and pooled, so only differences within a stratum count.

    The interval resamples whole clusters (within their strata), with scipy's bootstrap; the p-value
    permutes the clusters' x rows among clusters (within strata) against y: exact over every
    arrangement where there are at most ``permutations``, else that many random ones plus the
    observed. ``units``: clusters in strata of two or more; fewer than ``MIN_UNITS``: no interval.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 2:
        raise ValueError(f"x and y must be (clusters, points) matrices of one shape, not {x.shape} and {y.shape}")
    if np.isnan(x).any() or np.isnan(y).any():
        raise ValueError("a point without a value: every cluster must have every point")
    groups = strata_of(strata, len(x))
    units = sum(map(len, groups))
    value = float(pooled_statistic([x[g] for g in groups], [y[g] for g in groups], method)) if groups else math.nan
    row = {"method": method, "units": units, "points": units * x.shape[1], "value": value} | NO_INTERVAL
    if units < MIN_UNITS or math.isnan(value):
        return row

    def statistic(*indices, axis=-1):
        return pooled_statistic(
            [x[g][i] for g, i in zip(groups, indices)], [y[g][i] for g, i in zip(groups, indices)], method
        )

    samples = bootstrap(tuple(np.arange(len(g)) for g in groups), statistic, resamples, rng, level)
    row["low"], row["high"] = percentile_interval(samples, level)
    arrangements, exact = stratified_arrangements([len(g) for g in groups], permutations, rng)
    null = pooled_statistic([x[g][order] for g, order in zip(groups, arrangements)], [y[g] for g in groups], method)
    reach = np.abs(null) >= abs(value) - 1e-12  # arrangements that tie the observed value count as reaching it
    row["p"] = float(reach.mean()) if exact else float((reach.sum() + 1) / (len(null) + 1))
    return row


def stratified_arrangements(sizes: list[int], permutations: int, rng: np.random.Generator) -> tuple[list, bool]:
    """Orderings of each stratum's clusters, as a (arrangements, size) array per stratum, and whether they
    are exact: every combination of every stratum's orderings (the identity among them) where there are
    at most ``permutations``, else ``permutations`` random ones within each stratum."""
    if math.prod(map(math.factorial, sizes)) <= permutations:
        combined = list(product(*(list(orderings(range(size))) for size in sizes)))
        return [np.array([arrangement[stratum] for arrangement in combined]) for stratum in range(len(sizes))], True
    return [rng.permuted(np.broadcast_to(np.arange(size), (permutations, size)), axis=-1) for size in sizes], False


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (statsmodels), in the order given; nan stays nan and is not counted."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full_like(p, np.nan)
    valid = ~np.isnan(p)
    if valid.any():
        adjusted[valid] = multipletests(p[valid], method="holm")[1]
    return adjusted


def resample_weights(n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """How often each of n units is drawn in each bootstrap resample: (resamples, n) counts summing to n."""
    return rng.multinomial(n, np.full(n, 1 / n), size=resamples).astype(np.float64)


def resampled_accuracy(correct: np.ndarray, total: np.ndarray, item_weights: np.ndarray) -> np.ndarray:
    """Accuracy of each unit (a row of ``correct`` and ``total``: (units, items) counts of one language)
    on each resample of the items (``item_weights``: (resamples, items)). Returns (resamples, units)."""
    return (item_weights @ correct.T) / (item_weights @ total.T)


def paired_delta(aligned_scores: np.ndarray, base_scores: np.ndarray, seed_weights: np.ndarray) -> np.ndarray:
    """The paired two-level bootstrap of Table 1's Δ (docs/design.md §7): each resample draws test items (the
    same for both encoders, already in the (resamples, seeds) scores) and seeds (``seed_weights``,
    (resamples, seeds) counts); its Δ is the aligned encoder's mean score over the drawn seeds minus the
    base encoder's. scipy's bootstrap has no nested resampling, hence this."""
    return (seed_weights * (aligned_scores - base_scores)).sum(axis=1) / seed_weights.sum(axis=1)


def difference_of_means(inside, outside, axis=-1):
    return np.mean(inside, axis=axis) - np.mean(outside, axis=axis)


def group_difference(
    values,
    in_group,
    resamples: int,
    permutations: int,
    rng: np.random.Generator,
    level: float = 0.95,
    min_group: int = 10,
) -> dict:
    """The mean of ``values`` (one per item) in a group minus the mean of the others. Its interval resamples
    the items within each group (scipy's two-sample bootstrap: a resample never lacks a group), its
    p-value permutes the group labels (scipy); both only where each group has ``min_group`` items."""
    values = np.asarray(values, dtype=np.float64)
    in_group = np.asarray(in_group, dtype=bool)
    inside, outside = values[in_group], values[~in_group]
    row = {"items": len(values), "in_group": len(inside), "difference": math.nan} | NO_INTERVAL
    if not len(inside) or not len(outside):
        return row
    row["difference"] = float(inside.mean() - outside.mean())
    if min(len(inside), len(outside)) < min_group:
        return row
    row["low"], row["high"] = percentile_interval(
        bootstrap((inside, outside), difference_of_means, resamples, rng, level), level
    )
    test = sps.permutation_test(
        (inside, outside),
        difference_of_means,
        permutation_type="independent",
        n_resamples=permutations,
        vectorized=True,
        rng=rng,
    )
    return row | {"p": float(test.pvalue)}


def between_groups(*groups, axis=-1) -> np.ndarray:
    """The between-group sum of squares of the groups' values, sum over groups of n_g (mean_g - mean)^2,
    along ``axis`` (each group a (..., n_g) array)."""
    total = np.concatenate(groups, axis=axis).mean(axis=axis, keepdims=True)
    squares = sum(group.shape[axis] * (group.mean(axis=axis, keepdims=True) - total) ** 2 for group in groups)
    # rounded: relabellings that tie the observed sum in exact arithmetic must tie it in floating point too
    return np.round(np.squeeze(squares, axis=axis), 12)


def group_permutation_p(values, groups, permutations: int, rng: np.random.Generator) -> float:
    """Permutation p-value of 'every group has the same mean' (scipy's k-sample permutation test): the share
    of relabellings of the units whose between-group sum of squares reaches the observed one, exact over
    every distinct relabelling where there are at most ``permutations``."""
    values, groups = np.asarray(values, dtype=np.float64), np.asarray(groups)
    samples = [values[groups == label] for label in dict.fromkeys(groups.tolist())]
    if len(samples) < 2:
        return math.nan
    test = sps.permutation_test(
        samples,
        between_groups,
        permutation_type="independent",
        n_resamples=permutations,
        alternative="greater",
        vectorized=True,
        rng=rng,
    )
    return float(test.pvalue)


# The verdicts of docs/design.md §7, for a statistic's interval over ``units`` independent units.


def verdict_positive(low: float, high: float, units: int) -> str:
    """'Alignment improves X': supported when the interval of the mean Δ lies above 0, contradicted when it
    lies below 0, inconclusive otherwise."""
    if units < MIN_UNITS:
        return TOO_FEW
    if math.isnan(low) or math.isnan(high):
        return INCONCLUSIVE
    return SUPPORTED if low > 0 else CONTRADICTED if high < 0 else INCONCLUSIVE


def verdict_predicts(low: float, high: float, units: int, threshold: float = 0.5) -> str:
    """'Alignment predicts transfer': supported when the interval of ρ lies above ``threshold``,
    contradicted when it lies below it, inconclusive when it contains (or touches) it."""
    if units < MIN_UNITS:
        return TOO_FEW
    if math.isnan(low) or math.isnan(high):
        return INCONCLUSIVE
    return SUPPORTED if low > threshold else CONTRADICTED if high < threshold else INCONCLUSIVE


def verdict_orthogonal(
    low: float, high: float, units: int, baseline_low: float, baseline_high: float, band: float = 0.1
) -> str:
    """'Alignment and task gradients are close to orthogonal': supported when the interval of the mean
    task-vs-alignment cosine lies within (-band, band) and the task-vs-task baseline's interval lies
    entirely above ``band`` (the task direction is stable, and alignment is orthogonal to it);
    contradicted when the interval lies outside (-band, band); inconclusive otherwise, a baseline that
    reaches into the band (task gradients as noisy as the comparison) among it."""
    if units < MIN_UNITS:
        return TOO_FEW
    if math.isnan(low) or math.isnan(high):
        return INCONCLUSIVE
    if high <= -band or low >= band:
        return CONTRADICTED
    stable = not math.isnan(baseline_low) and baseline_low > band
    return SUPPORTED if -band < low and high < band and stable else INCONCLUSIVE


def verdict_differs(p: float, alpha: float = 0.05) -> str:
    """'The encoders differ': supported when the permutation p-value is below alpha, else inconclusive
    (a p-value cannot show that they are the same)."""
    return INCONCLUSIVE if math.isnan(p) or p >= alpha else SUPPORTED
