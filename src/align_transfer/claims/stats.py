"""Statistics of the claims layer (docs/design.md §7): intervals, p-values and the verdict rules.

Each statistic has one interval method, chosen for its coverage at the unit counts a grid has (3 to 28 runs,
about 9 languages), and one p-value for "the statistic is 0". Where both come from one procedure they agree
by construction (an interval excludes 0 exactly when p < α); where they do not (a correlation's interval and
its permutation p), a verdict counts the statistic as non-zero only when both say so.

- A mean over independent units: Student's t-interval and the one-sample t-test (``mean_interval``).
- Spearman's ρ over runs within languages (and loss codes): the delete-one-run jackknife on Fisher's z with
  t quantiles (``within_correlation``), its p-value from permuting runs within their strata.
- Spearman's ρ across languages: Fisher's z with Bonett & Wright's (2000) variance (``across_correlation``),
  its p-value from permuting languages.
- A difference of two groups' mean item scores (the instance level): Agresti & Caffo's (2000) adjusted
  interval, one right and one wrong pseudo-answer added to each group (``group_difference``), and its z-test.
- Table 1's two-level bootstrap: the order-statistic percentile interval and the bootstrap p-value that is its
  inversion (``bootstrap_interval``).

``MIN_UNITS`` gives, per statistic, the fewest units at which its interval covers at its nominal rate in the
simulation of ``claims/calibration.py`` (docs/science.md, "Coverage"); fewer give no interval and "too few
units". A permutation p-value also needs at least 1/α distinct arrangements and, within strata, 3 units in
every stratum. Every random generator is seeded, so a rerun gives the same numbers.
"""

from __future__ import annotations

import math
from itertools import permutations as orderings
from itertools import product

import numpy as np
from scipy import stats as sps

SUPPORTED, CONTRADICTED, INCONCLUSIVE, TOO_FEW = "supported", "contradicted", "inconclusive", "too few units"
WEAK = "weak"  # 'predicts': ρ reliably above 0, reliably below the threshold
NO_INTERVAL = {"low": math.nan, "high": math.nan, "p": math.nan}

#: The fewest units at which each interval covers 93-97% for a nominal 95% in ``calibration.coverage_table``
#: (tests/test_calibration.py checks these against the simulation; docs/science.md, "Coverage").
MIN_UNITS = {
    "mean": 3,  # aligned models
    "within languages": 4,  # alignment runs
    "within languages and loss codes": 4,  # alignment runs, with 3 or more in every loss code
    "across languages": 9,  # evaluation languages
    "instance": 9,  # items in the smaller group
}
#: Every stratum of a stratified permutation needs this many units (docs/design.md §7).
MIN_PER_STRATUM = 3


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
    """Spearman's ρ along the last axis: Pearson's r of average ranks (vectorised)."""
    return pearson(average_ranks(x, axis=-1), average_ranks(y, axis=-1))


def average_ranks(values, axis: int = -1) -> np.ndarray:
    """Ranks from 1 along ``axis``, ties sharing their average rank (scipy's rankdata); without ties, the faster
    double argsort gives the same."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, axis=axis)
    if (np.diff(np.take_along_axis(values, order, axis=axis), axis=axis) == 0).any():
        return sps.rankdata(values, axis=axis)
    return np.argsort(order, axis=axis) + 1.0


# A mean over independent units


def mean_interval(values, level: float = 0.95) -> dict:
    """The mean of independent units, Student's t-interval and the two-sided one-sample t-test of 'the mean is
    0' (the interval excludes 0 exactly when p < 1 - level). Units that all have one value give [v, v]."""
    values = np.asarray(values, dtype=np.float64)
    row = {"units": len(values), "value": float(values.mean()) if len(values) else math.nan} | NO_INTERVAL
    if len(values) < MIN_UNITS["mean"] or np.isnan(values).any():
        return row
    if np.ptp(values) == 0:
        return row | {"low": row["value"], "high": row["value"], "p": 1.0 if row["value"] == 0 else 0.0}
    test = sps.ttest_1samp(values, 0.0)
    interval = test.confidence_interval(level)
    return row | {"low": float(interval.low), "high": float(interval.high), "p": float(test.pvalue)}


def item_components(contributions: np.ndarray, strata) -> tuple[float, float, int]:
    """The test items' share of the variance of a mean over models that were all scored on the same items.
    ``contributions``: (models, items), each model's mean is the mean of its row (an item's Δ accuracy, scaled
    by its weight); ``strata``: each item's stratum (its language, where each language has its own items), or
    None. Per stratum s of I_s items out of J, with the two-way analysis of variance of crossed models and
    items (no replication): the items' term b = Σ_s I_s/J² var(item means) and the models-by-items term
    c = Σ_s I_s/J² MS_interaction/n, whose part of b and of the models' spread is counted twice
    (``crossed_mean``). Returns (b, c, the items' degrees of freedom Σ_s (I_s - 1)); leading axes of
    ``contributions`` (data sets of a simulation) stay."""
    contributions = np.asarray(contributions, dtype=np.float64)
    n, items = contributions.shape[-2:]
    labels = np.zeros(items, dtype=int) if strata is None else np.unique(np.asarray(strata), return_inverse=True)[1]
    b = c = 0.0
    df = 0
    for stratum in np.unique(labels):
        block = contributions[..., labels == stratum]
        size = block.shape[-1]
        if size < 2:
            continue
        item_means = block.mean(axis=-2, keepdims=True)
        b = b + size / items**2 * item_means.var(axis=-1, ddof=1)[..., 0]
        if n > 1:
            residual = (
                block - item_means - block.mean(axis=-1, keepdims=True) + block.mean(axis=(-2, -1), keepdims=True)
            )
            c = c + size / items**2 * (residual**2).sum(axis=(-2, -1)) / ((n - 1) * (size - 1)) / n
        df += size - 1
    return b, c, df


def pooled_item_terms(items_variance, interaction, item_df) -> tuple:
    """The items' terms (``item_components``) of a mean over units whose value is their mean over several
    tasks, each task scored on items of its own (independent): each task's terms weighted 1/tasks², their
    degrees of freedom summed. Arguments: one entry per task (leading axes of arrays stay)."""
    weight = 1 / len(items_variance) ** 2
    return sum(items_variance) * weight, sum(interaction) * weight, sum(item_df)


def crossed_mean(values, items_variance: float, interaction: float, item_df: int, level: float = 0.95) -> dict:
    """The mean of ``values`` (one per model) whose models were all scored on the same test items: its variance
    is a + b - c, a the models' spread s²/n, b and c the items' terms of ``item_components`` (the unbiased
    estimator of the crossed design, Owen 2007's correction of resampling both ways); b - c is never counted
    below 0. The t-interval takes Welch-Satterthwaite's degrees of freedom, never fewer than the models' n - 1.
    p: the same t-test (the interval excludes 0 exactly when p < 1 - level). Without the items' terms (nan),
    Student's t-interval."""
    row = mean_interval(values, level)
    if math.isnan(row["low"]) or math.isnan(items_variance):
        return row
    values = np.asarray(values, dtype=np.float64)
    low, high, p = crossed_interval(
        row["value"], values.var(ddof=1) / len(values), items_variance, interaction, len(values), item_df, level
    )
    return row | {"low": float(low), "high": float(high), "p": float(p)}


def crossed_interval(mean, spread, items_variance, interaction, n: int, item_df, level: float):
    """``crossed_mean``'s interval and p from its terms (vectorised over data sets for the calibration)."""
    shared = np.maximum(np.asarray(items_variance) - np.asarray(interaction), 0.0)
    variance = spread + shared
    with np.errstate(divide="ignore", invalid="ignore"):
        df = variance**2 / (spread**2 / (n - 1) + items_variance**2 / item_df + interaction**2 / ((n - 1) * item_df))
        # never fewer than the models' own: where the models' spread is small by chance, the items' terms would
        # otherwise drag Satterthwaite's count below it and the interval far wider than it needs to be
        df = np.maximum(np.where(np.isfinite(df), df, n - 1), n - 1)
        se = np.sqrt(variance)
        quantile = sps.t.ppf(0.5 + level / 2, df)
        p = np.where(se > 0, 2 * sps.t.sf(np.abs(mean) / np.where(se > 0, se, 1), df), np.where(mean == 0, 1.0, 0.0))
    return mean - quantile * se, mean + quantile * se, p


# The bootstrap of Table 1's cells


def _order_rank(resamples: int, alpha: float) -> int:
    """The rank m of the order statistics [s_(m), s_(B-m+1)] that bound the bootstrap interval: the smallest m
    with (2m + 1)/(B + 1) >= alpha, so that 0 lies outside exactly when ``bootstrap_p`` < alpha."""
    return max(1, math.ceil((alpha * (resamples + 1) - 1) / 2))


def bootstrap_interval(samples, level: float = 0.95) -> tuple[float, float, float]:
    """A bootstrap distribution's central ``level`` interval (order statistics) and its two-sided p-value of 'the
    statistic is 0', (2 min(#s <= 0, #s >= 0) + 1)/(B + 1): the interval is the set of values that p would not
    reject, so it excludes 0 exactly when p < 1 - level. Identical resamples give [v, v]."""
    samples = np.sort(np.asarray(samples, dtype=np.float64)[~np.isnan(samples)])
    if not len(samples):
        return math.nan, math.nan, math.nan
    count = len(samples)
    m = min(_order_rank(count, 1 - level), count)
    tail = min((samples <= 0).sum(), (samples >= 0).sum())
    return float(samples[m - 1]), float(samples[count - m]), min(1.0, (2 * tail + 1) / (count + 1))


def resample_weights(n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """How often each of n units is drawn in each bootstrap resample: (resamples, n) counts summing to n."""
    return rng.multinomial(n, np.full(n, 1 / n), size=resamples).astype(np.float64)


def resampled_ratio(numerator: np.ndarray, denominator: np.ndarray, item_weights: np.ndarray) -> np.ndarray:
    """A ratio-of-sums score of each unit (a row of ``numerator`` and ``denominator``: (units, items) statistics
    of one language; accuracy: correct and scored labels; span F1: 2·TP and predicted + gold entities) on each
    resample of the items (``item_weights``: (resamples, items)). Returns (resamples, units)."""
    return (item_weights @ numerator.T) / (item_weights @ denominator.T)


def paired_delta(aligned_scores: np.ndarray, base_scores: np.ndarray, seed_weights: np.ndarray) -> np.ndarray:
    """The paired two-level bootstrap of Table 1's Δ (docs/design.md §7): each resample draws test items (the
    same for both encoders, already in the (resamples, seeds) scores) and seeds (``seed_weights``,
    (resamples, seeds) counts); its Δ is the aligned encoder's mean score over the drawn seeds minus the
    base encoder's."""
    return (seed_weights * (aligned_scores - base_scores)).sum(axis=1) / seed_weights.sum(axis=1)


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (statsmodels), in the order given; nan stays nan and is not counted."""
    return _adjusted(p_values, "holm")


def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini & Hochberg's step-up adjusted p-values (q-values, statsmodels), in the order given; nan stays nan."""
    return _adjusted(p_values, "fdr_bh")


def _adjusted(p_values, method: str) -> np.ndarray:
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full_like(p, np.nan)
    valid = ~np.isnan(p)
    if valid.any():
        adjusted[valid] = multipletests(p[valid], method=method)[1]
    return adjusted


# Correlations: which units, how many, and the statistic


def counted(count: int, unit: str) -> str:
    """``counted(1, "runs")`` -> ``1 run``; ``counted(4, "runs")`` -> ``4 runs``."""
    return f"{count} {unit[:-1] if count == 1 and unit.endswith('s') else unit}"


def too_few(units: int, statistic: str, unit: str) -> str:
    """Why a scope of ``units`` cannot have an interval that covers (empty where it can)."""
    needed = MIN_UNITS[statistic]
    return "" if units >= needed else f"{counted(units, unit)}; {needed} needed"


def arrangements_needed(alpha: float) -> int:
    """A permutation p-value can reach below alpha only with at least 1/alpha distinct arrangements."""
    return math.ceil(1 / alpha - 1e-9)


def permutation_reach(sizes: list[int], alpha: float, unit: str, stratum: str | None = None) -> str:
    """Why a permutation within strata of ``sizes`` units cannot test at ``alpha`` (empty where it can): a
    stratum under ``MIN_PER_STRATUM`` units, or fewer than 1/alpha distinct arrangements."""
    if stratum is not None and sizes and min(sizes) < MIN_PER_STRATUM:
        counts = sorted(set(sizes))
        if len(counts) > 1:
            return f"{'/'.join(map(str, counts))} {unit} per {stratum}; {MIN_PER_STRATUM} needed in every {stratum}"
        return f"{counted(counts[0], unit)} per {stratum}; {MIN_PER_STRATUM} needed"
    count = math.prod(math.factorial(size) for size in sizes)
    needed = arrangements_needed(alpha)
    if count >= needed:
        return ""
    return f"{counted(sum(sizes), unit)} allow {count} arrangements; a permutation p below {alpha:g} needs {needed}"


def strata_matrix(labels, count: int) -> np.ndarray:
    """A (units, strata) one-hot matrix of each unit's stratum (one stratum where ``labels`` is None)."""
    if labels is None:
        return np.ones((count, 1))
    _, index = np.unique(np.asarray(labels), return_inverse=True)
    return np.eye(index.max() + 1)[index]


def within_statistic(x: np.ndarray, y: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """Spearman's ρ within columns: ``x`` and ``y`` are (..., units, columns), a row per run and a column per
    language (at a step); ``strata`` a (units, strata) one-hot matrix. Each value is centred within its stratum
    and column, ranked within its column over all runs, and the centred ranks of every column are pooled into
    one Pearson r. A language (or a loss code) that shifts every run's values therefore cannot create ρ; with
    one stratum and untied values it is the mean of the columns' Spearman ρs."""

    def centred_ranks(values):
        if strata.shape[1] == 1:
            residual = values - values.mean(axis=-2, keepdims=True)
        else:
            means = np.matmul(strata.T / strata.sum(axis=0)[:, None], values)
            residual = values - np.matmul(strata, means)
        ranks = average_ranks(np.round(residual, 12), axis=-2)
        return ranks - ranks.mean(axis=-2, keepdims=True)

    rx, ry = centred_ranks(np.asarray(x, dtype=np.float64)), centred_ranks(np.asarray(y, dtype=np.float64))
    numerator = (rx * ry).sum(axis=(-2, -1))
    denominator = np.sqrt((rx * rx).sum(axis=(-2, -1)) * (ry * ry).sum(axis=(-2, -1)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)


def fisher_z(rho) -> np.ndarray:
    """atanh, with ±1 kept finite (±19.1, where tanh is ±1 in float64) so that jackknife spreads stay defined."""
    return np.arctanh(np.clip(rho, -1 + 1e-16, 1 - 1e-16))


def jackknife_se(x: np.ndarray, y: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """The delete-one-run jackknife standard error of Fisher's z of ``within_statistic``, over the leading axes.
    Centring within s strata spends s degrees of freedom, so the sum of squares is scaled by (n - s)/n rather
    than (n - 1)/n (Hinkley 1977's weighted jackknife for n units and s fitted means)."""
    n, s = strata.shape
    deleted = []
    for unit in range(n):
        keep = np.arange(n) != unit
        kept = strata[keep][:, strata[keep].sum(axis=0) > 0]
        deleted.append(fisher_z(within_statistic(x[..., keep, :], y[..., keep, :], kept)))
    z = np.stack(deleted, axis=-1)
    spread = np.where(np.ptp(z, axis=-1, keepdims=True) == 0, 0.0, z - z.mean(axis=-1, keepdims=True))
    return np.sqrt((n - s) / n * (spread**2).sum(axis=-1))


def t_fisher_interval(rho, se, df, level: float) -> tuple[np.ndarray, np.ndarray]:
    """tanh(z ± t_df se): the interval of ρ from Fisher's z and its standard error (normal quantiles where
    ``df`` is None); no spread, [ρ, ρ]."""
    quantile = sps.t.ppf(0.5 + level / 2, df) if df is not None else sps.norm.ppf(0.5 + level / 2)
    z = fisher_z(rho)
    flat = np.asarray(se) == 0
    return np.where(flat, rho, np.tanh(z - quantile * se)), np.where(flat, rho, np.tanh(z + quantile * se))


def permutation_p(observed: float, null: np.ndarray, exact: bool) -> float:
    """Two-sided: the share of arrangements with |statistic| at least the observed one (ties count as reaching
    it); the observed arrangement is among exact ones, and is added to random ones."""
    reach = np.abs(null) >= abs(observed) - 1e-12
    return float(reach.mean()) if exact else float((reach.sum() + 1) / (len(null) + 1))


def stratified_arrangements(sizes: list[int], permutations: int, rng: np.random.Generator) -> tuple[list, bool]:
    """Orderings of each stratum's units, as a (arrangements, size) array per stratum, and whether they are
    exact: every combination of every stratum's orderings (the identity among them) where there are at most
    ``permutations``, else ``permutations`` random ones within each stratum."""
    if math.prod(map(math.factorial, sizes)) <= permutations:
        combined = list(product(*(list(orderings(range(size))) for size in sizes)))
        return [np.array([arrangement[stratum] for arrangement in combined]) for stratum in range(len(sizes))], True
    return [rng.permuted(np.broadcast_to(np.arange(size), (permutations, size)), axis=-1) for size in sizes], False


def within_correlation(
    x, y, strata, permutations: int, rng: np.random.Generator, level: float = 0.95, unit: str = "runs"
) -> dict:
    """Spearman's ρ within languages (``within_statistic``) of (runs, columns) matrices, with loss codes as
    ``strata`` (a label per run) or None. Interval: the jackknife on Fisher's z over runs, t with n - 1 degrees
    of freedom. p-value: runs' x rows permuted among the runs of their stratum (exact where there are at most
    ``permutations`` arrangements). ``reason`` says why a scope has no interval: too few runs for the
    interval to cover, a stratum under 3 runs, or too few arrangements for p < 1 - level."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 2:
        raise ValueError(f"x and y must be (runs, columns) matrices of one shape, not {x.shape} and {y.shape}")
    one_hot = strata_matrix(strata, len(x))
    sizes = one_hot.sum(axis=0).astype(int).tolist()
    name = "within languages" if strata is None else "within languages and loss codes"
    value = float(within_statistic(x, y, one_hot)) if len(x) >= 2 else math.nan
    row = {"units": len(x), "points": x.size, "value": value} | NO_INTERVAL
    reason = permutation_reach(sizes, 1 - level, unit, None if strata is None else "loss code") or too_few(
        len(x), name, unit
    )
    if reason or math.isnan(value):
        return row | {"reason": reason or "ρ is undefined: every run has the same rank in every column"}
    row["low"], row["high"] = (
        float(v) for v in t_fisher_interval(value, jackknife_se(x, y, one_hot), len(x) - 1, level)
    )
    members = [np.flatnonzero(one_hot[:, s]) for s in range(one_hot.shape[1])]
    arrangements, exact = stratified_arrangements(sizes, permutations, rng)
    order = np.empty((len(arrangements[0]), len(x)), dtype=int)
    for group, arranged in zip(members, arrangements):
        order[:, group] = group[arranged]
    null = within_statistic(x[order], np.broadcast_to(y, (len(order), *y.shape)), one_hot)
    return row | {"p": permutation_p(value, null, exact), "reason": ""}


def across_correlation(
    x, y, permutations: int, rng: np.random.Generator, level: float = 0.95, unit: str = "languages"
) -> dict:
    """Spearman's ρ across units that are their own points (a language's mean over runs). Interval: Fisher's z
    with Bonett & Wright's (2000) variance (1 + ρ²/2)/(n - 3) and normal quantiles. p-value: x permuted among
    the units (exact where there are at most ``permutations`` arrangements)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    value = float(spearman(x, y)) if len(x) >= 2 else math.nan
    row = {"units": len(x), "points": len(x), "value": value} | NO_INTERVAL
    reason = permutation_reach([len(x)], 1 - level, unit) or too_few(len(x), "across languages", unit)
    if reason or math.isnan(value):
        return row | {"reason": reason or f"ρ is undefined: every {unit[:-1]} has the same value"}
    se = math.sqrt((1 + value**2 / 2) / (len(x) - 3))
    row["low"], row["high"] = (float(v) for v in t_fisher_interval(value, se, None, level))
    (arranged,), exact = stratified_arrangements([len(x)], permutations, rng)
    return row | {"p": permutation_p(value, spearman(x[arranged], y), exact), "reason": ""}


# The instance level


def adjusted_mean(values: np.ndarray, weight: float) -> tuple[np.ndarray, np.ndarray]:
    """A group's mean item score and the variance of that mean after adding one right (1) and one wrong (0)
    pseudo-answer of weight ``weight`` each (Agresti & Caffo 2000; ``weight`` = 1/seeds where an item's score is
    its mean over seeds): never 0, even for a group that is all right or all wrong. Over the last axis."""
    n = values.shape[-1] + 2 * weight
    mean = (values.sum(axis=-1) + weight) / n
    squares = ((values - mean[..., None]) ** 2).sum(axis=-1) + weight * (mean**2 + (1 - mean) ** 2)
    return mean, squares / (n - 1) / n


def group_difference(values, in_group, seeds: int = 1, level: float = 0.95) -> dict:
    """The mean item score (0-1) in a group minus the mean of the others, with Agresti & Caffo's adjusted Wald
    interval (``adjusted_mean``) and the z-test of the same adjusted difference (the interval excludes 0
    exactly when p < 1 - level); no interval where the smaller group has fewer than ``MIN_UNITS["instance"]``
    items."""
    values = np.asarray(values, dtype=np.float64)
    in_group = np.asarray(in_group, dtype=bool)
    inside, outside = values[in_group], values[~in_group]
    row = {"items": len(values), "in_group": len(inside), "difference": math.nan} | NO_INTERVAL
    if not len(inside) or not len(outside):
        return row
    row["difference"] = float(inside.mean() - outside.mean())
    if min(len(inside), len(outside)) < MIN_UNITS["instance"]:
        return row
    (mean_in, var_in), (mean_out, var_out) = adjusted_mean(inside, 1 / seeds), adjusted_mean(outside, 1 / seeds)
    centre, se = mean_in - mean_out, math.sqrt(var_in + var_out)
    quantile = sps.norm.ppf(0.5 + level / 2)
    p = float(2 * sps.norm.sf(abs(centre) / se))
    return row | {"low": float(centre - quantile * se), "high": float(centre + quantile * se), "p": p}


# Between encoders


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


# The verdicts of docs/design.md §7, for a statistic's interval; ``tested`` is False where the scope has too
# few units (no interval).


def verdict_positive(low: float, high: float, tested: bool = True) -> str:
    """'Alignment improves X': supported when the interval of the mean Δ lies above 0, contradicted when it
    lies below 0, inconclusive when it contains 0 (an interval of [0, 0] included)."""
    if not tested or math.isnan(low) or math.isnan(high):
        return TOO_FEW
    return SUPPORTED if low > 0 else CONTRADICTED if high < 0 else INCONCLUSIVE


def verdict_predicts(low: float, high: float, p: float, threshold: float = 0.5, alpha: float = 0.05) -> str:
    """'Alignment predicts transfer', by the strength of ρ: supported when its interval lies above
    ``threshold``; inconclusive when it contains the threshold; weak when it lies between 0 and the threshold
    and the permutation p is below alpha too (alignment predicts transfer a little: 'not a reliable
    predictor' holds); contradicted when it lies below the threshold and ρ is not shown to be above 0."""
    if math.isnan(low) or math.isnan(high):
        return TOO_FEW
    if low > threshold:
        return SUPPORTED
    if high >= threshold:
        return INCONCLUSIVE
    return WEAK if low > 0 and p < alpha else CONTRADICTED


def verdict_orthogonal(low: float, high: float, baseline_low: float, baseline_high: float, band: float = 0.1) -> str:
    """'Alignment and task gradients are close to orthogonal': supported when the interval of the mean
    task-vs-alignment cosine lies within (-band, band) and the task-vs-task baseline's interval lies
    entirely above ``band`` (the task direction is stable, and alignment is orthogonal to it);
    contradicted when the interval lies outside (-band, band); inconclusive otherwise, a baseline that
    reaches into the band (task gradients as noisy as the comparison) among it."""
    if math.isnan(low) or math.isnan(high):
        return TOO_FEW
    if high <= -band or low >= band:
        return CONTRADICTED
    stable = not math.isnan(baseline_low) and baseline_low > band
    return SUPPORTED if -band < low and high < band and stable else INCONCLUSIVE


def verdict_differs(p: float, alpha: float = 0.05) -> str:
    """'The encoders differ': supported when the permutation p-value is below alpha, else inconclusive
    (a p-value cannot show that they are the same)."""
    return INCONCLUSIVE if math.isnan(p) or p >= alpha else SUPPORTED
