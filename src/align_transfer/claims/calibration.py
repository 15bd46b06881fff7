"""How often each interval of the claims layer covers the truth, by simulation at the unit counts grids have.

``coverage_table`` draws many data sets whose true value is known, computes each statistic's interval with
the claims layer's own functions (``claims/stats.py``), vectorised over the data sets, and counts how often
it holds the truth. ``stats.MIN_UNITS`` is the fewest units at which every case covers 93-97% for a nominal
95%; tests/test_calibration.py checks that, and that docs/science.md's "Coverage" table is this table.

The data sets (each a stated model, not tuned to any run):
- mean: units drawn from a normal distribution (the t-interval's model) and from a skewed one (a gamma with
  shape 4, whose skewness 1 is more than the aligned models' Δs show); and the transfer claim's models, all
  scored on the same 60 test items: a model's Δ on an item is its own effect, the item's and noise of the two
  together, with the items' effect, the noise or the models' effects the larger part of the mean's variance;
  and the joint claim across tasks, a unit's mean over 3 tasks each scored on 60 items of its own;
- within languages: each run draws a pair (a, b) with correlation r; each of 9 languages at 2 steps adds its
  own shift to every run's alignment and transfer (a language effect far larger than the runs' spread) and
  noise; the truth is the population Spearman ρ of alignment and transfer within a language,
  (6/π) asin(r'/2) with r' = r/(1 + noise²). With loss codes, each code shifts its runs' values too;
- across languages: languages draw (a, b) with correlation r, the truth (6/π) asin(r/2);
- instance level: the smaller group's n items and 150 others, each item's chance of being right drawn
  from a beta distribution around its group's accuracy, scored over 3 seeds; the truth is the difference of
  the groups' accuracies.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from align_transfer.claims import stats

UNITS = (3, 4, 6, 9, 12, 28)  # the 3, 4, 6, 12, 28 and the paper's 9 evaluation languages
LEVEL = 0.95
BAND = (0.93, 0.97)
#: Loss codes x runs per code of the stratified case, for each unit count (28: the paper's 7 codes x 4 pairs).
CODE_LAYOUTS = {3: (1, 3), 4: (1, 4), 6: (2, 3), 9: (3, 3), 12: (3, 4), 28: (7, 4)}
COLUMNS = 18  # 9 evaluation languages x 2 checkpoints, as in the paper
#: The transfer claim's crossed design, 60 items (the mini world's SIB-200 test): the sd of a model's effect, an
#: item's, and a model's on an item
CROSSED = {
    "shared items, the items' noise larger": (0.005, 0.1, 0.1),
    "shared items, the models' own noise larger": (0.005, 0.02, 0.3),
    "shared items, the models' effects larger": (0.03, 0.02, 0.1),
}


def spearman_truth(r: float) -> float:
    """Spearman's ρ of a bivariate normal with Pearson correlation r."""
    return 6 / math.pi * math.asin(r / 2)


def mean_cases(rng, n: int, sets: int):
    normal = rng.normal(0.01, 0.02, size=(sets, n))
    skewed = rng.gamma(4.0, 0.01, size=(sets, n))
    yield "normal", 0.01, normal
    yield "skewed (gamma, shape 4)", 0.04, skewed


def covered_crossed(rng, n: int, sets: int, items: int, models_sd: float, items_sd: float, both_sd: float) -> float:
    """The transfer claim's mean over models scored on the same items: Δ of model m on item i is
    0.01 + a_m + u_i + e_mi, the truth 0.01 (over the population of models and of items)."""
    values = (
        0.01
        + rng.normal(0, models_sd, (sets, n, 1))
        + rng.normal(0, items_sd, (sets, 1, items))
        + rng.normal(0, both_sd, (sets, n, items))
    )
    means = values.mean(axis=-1)
    b, c, df = stats.item_components(values, None)
    low, high, _ = stats.crossed_interval(means.mean(axis=1), means.var(axis=1, ddof=1) / n, b, c, n, df, LEVEL)
    return float(np.mean((low <= 0.01) & (0.01 <= high)))


def covered_across_tasks(
    rng, n: int, sets: int, tasks: int, items: int, models_sd: float, items_sd: float, both_sd: float
) -> float:
    """The joint transfer claim across tasks: a unit's value is its mean over ``tasks`` tasks, each scored on
    ``items`` items of its own; its Δ on item i of task t is 0.01 + a_m + a_mt + u_ti + e_mti (a unit's effect
    shared by the tasks and its own in each, as large), the truth 0.01. Each task's items' terms come from
    ``item_components`` and are pooled by ``stats.pooled_item_terms``, as ``claims.joint`` pools them."""
    values = (
        0.01
        + rng.normal(0, models_sd, (sets, n, 1, 1))
        + rng.normal(0, models_sd, (sets, n, tasks, 1))
        + rng.normal(0, items_sd, (sets, 1, tasks, items))
        + rng.normal(0, both_sd, (sets, n, tasks, items))
    )
    means = values.mean(axis=(-2, -1))
    terms = [stats.item_components(values[:, :, task, :], None) for task in range(tasks)]
    b, c, df = stats.pooled_item_terms(*zip(*terms))
    low, high, _ = stats.crossed_interval(means.mean(axis=1), means.var(axis=1, ddof=1) / n, b, c, n, df, LEVEL)
    return float(np.mean((low <= 0.01) & (0.01 <= high)))


def covered_mean(values: np.ndarray, truth: float) -> float:
    n = values.shape[1]
    mean, se = values.mean(axis=1), values.std(axis=1, ddof=1) / math.sqrt(n)
    quantile = stats.sps.t.ppf(0.5 + LEVEL / 2, n - 1)
    return float(np.mean((mean - quantile * se <= truth) & (truth <= mean + quantile * se)))


def clustered(rng, codes: int, per_code: int, sets: int, r: float, noise: float = 0.5):
    """Runs' alignment and transfer at each column (a language at a step): run, language and loss-code effects."""
    n = codes * per_code
    ab = rng.multivariate_normal([0, 0], [[1, r], [r, 1]], size=(sets, n))
    code_shift = np.repeat(rng.normal(0, 2, size=(sets, codes, 2)), per_code, axis=1)
    language_shift = rng.normal(0, 2, size=(sets, 2, COLUMNS))
    x = ab[..., [0]] + code_shift[..., [0]] + language_shift[:, [0]] + noise * rng.normal(size=(sets, n, COLUMNS))
    y = ab[..., [1]] + code_shift[..., [1]] + language_shift[:, [1]] + noise * rng.normal(size=(sets, n, COLUMNS))
    return x, y, spearman_truth(r / (1 + noise**2))


def covered_within(x: np.ndarray, y: np.ndarray, truth: float, codes: int) -> float:
    n = x.shape[1]
    labels = None if codes == 1 else np.repeat(np.arange(codes), n // codes)
    one_hot = stats.strata_matrix(labels, n)
    rho = stats.within_statistic(x, y, one_hot)
    low, high = stats.t_fisher_interval(rho, stats.jackknife_se(x, y, one_hot), n - 1, LEVEL)
    return float(np.mean((low <= truth) & (truth <= high)))


def covered_across(rng, n: int, sets: int, r: float) -> float:
    ab = rng.multivariate_normal([0, 0], [[1, r], [r, 1]], size=(sets, n))
    rho = stats.spearman(ab[..., 0], ab[..., 1])
    se = np.sqrt((1 + rho**2 / 2) / max(n - 3, 1))
    low, high = stats.t_fisher_interval(rho, se, None, LEVEL)
    truth = spearman_truth(r)
    return float(np.mean((low <= truth) & (truth <= high)))


def item_scores(rng, accuracy: float, shape, seeds: int = 3) -> np.ndarray:
    chance = rng.beta(4 * accuracy, 4 * (1 - accuracy), size=shape)
    return rng.binomial(seeds, chance) / seeds


def covered_instance(rng, n: int, sets: int, inside: float, outside: float, seeds: int = 3) -> float:
    a, b = item_scores(rng, inside, (sets, n), seeds), item_scores(rng, outside, (sets, 150), seeds)
    (mean_a, var_a), (mean_b, var_b) = stats.adjusted_mean(a, 1 / seeds), stats.adjusted_mean(b, 1 / seeds)
    centre, se = mean_a - mean_b, np.sqrt(var_a + var_b)
    quantile = stats.sps.norm.ppf(0.5 + LEVEL / 2)
    truth = inside - outside
    return float(np.mean((centre - quantile * se <= truth) & (truth <= centre + quantile * se)))


def coverage_table(seed: int = 2026, sets: int = 2000) -> pd.DataFrame:
    """A row per statistic, case and unit count: the share of ``sets`` simulated data sets whose 95% interval
    holds the truth, and whether the claims layer gives an interval at that count (``stats.MIN_UNITS``)."""
    rng = np.random.default_rng(seed)
    rows = []

    def add(statistic: str, case: str, n: int, coverage: float) -> None:
        rows.append(
            {
                "statistic": statistic,
                "case": case,
                "units": n,
                "coverage": coverage,
                "tested": n >= stats.MIN_UNITS[statistic],
            }
        )

    for n in UNITS:
        for case, truth, values in mean_cases(rng, n, 10 * sets):
            add("mean", case, n, covered_mean(values, truth))
    for case, sds in CROSSED.items():
        for n in UNITS:
            add("mean", case, n, covered_crossed(rng, n, sets, 60, *sds))
    # a generator of its own, so that adding this case moved no other row of the table
    tasks_rng = np.random.default_rng([seed, 1])
    for case, sds in CROSSED.items():
        for n in UNITS:
            add("mean", f"{case}, mean over 3 tasks", n, covered_across_tasks(tasks_rng, n, sets, 3, 60, *sds))
    for statistic in ("within languages", "within languages and loss codes"):
        for r in (0.0, 0.6):
            for n in UNITS:
                codes, per_code = CODE_LAYOUTS[n] if statistic != "within languages" else (1, n)
                x, y, truth = clustered(rng, codes, per_code, sets, r)
                add(statistic, f"ρ = {truth:.2f}", n, covered_within(x, y, truth, codes))
    for r in (0.0, 0.6, 0.85):
        for n in UNITS:
            add("across languages", f"ρ = {spearman_truth(r):.2f}", n, covered_across(rng, n, 5 * sets, r))
    for inside, outside in ((0.5, 0.5), (0.7, 0.4), (0.8, 0.6)):
        for n in UNITS:
            add(
                "instance",
                f"accuracy {inside:g} vs {outside:g}",
                n,
                covered_instance(rng, n, 2 * sets, inside, outside),
            )
    return pd.DataFrame(rows)


def coverage_layout(table: pd.DataFrame) -> list:
    """The table of docs/science.md, "Coverage": a row per statistic and case, a column per unit count; a
    count the claims layer does not test (too few units) in brackets."""
    from align_transfer.tables.document import Table

    counts = sorted(set(table["units"]))
    grid = Table(["Statistic (units)", "Case", *(f"n = {n}" for n in counts)])
    for (statistic, case), block in table.groupby(["statistic", "case"], sort=False):
        cells = {
            row.units: f"{100 * row.coverage:.1f}%" if row.tested else f"({100 * row.coverage:.1f}%)"
            for row in block.itertuples()
        }
        grid.rows.append([statistic, case, *(cells[n] for n in counts)])
    return [grid]
