"""The claims layer's statistics against hand computations, and the verdict rules of docs/design.md §7 at each boundary."""

import math
from itertools import permutations

import numpy as np
import pytest
from scipy import stats as sps

from align_transfer.claims import stats
from align_transfer.claims.stats import CONTRADICTED, INCONCLUSIVE, SUPPORTED, TOO_FEW


def test_pearson_and_spearman_match_the_formula_and_scipy():
    # x = 1, 2, 3: dx = -1, 0, 1; y = 2, 4, 7: dy = -7/3, -1/3, 8/3; r = 5 / sqrt(2 * 114/9)
    assert stats.pearson([1, 2, 3], [2, 4, 7]) == pytest.approx(5 / math.sqrt(2 * 114 / 9))
    # ranks 1, 2.5, 2.5, 4 and 1, 3, 2, 4: r = 4.5 / sqrt(4.5 * 5)
    assert stats.spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(4.5 / math.sqrt(4.5 * 5))
    assert stats.spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(
        sps.spearmanr([1, 2, 2, 3], [1, 3, 2, 4]).statistic
    )
    assert math.isnan(stats.pearson([1, 1, 1], [1, 2, 3]))


def test_ranks_centred_within_a_stratum():
    assert stats.centred(np.array([10.0, 20, 20, 5]), "spearman").tolist() == [-0.5, 1, 1, -1.5]  # ranks 2, 3.5, 3.5, 1
    assert stats.centred(np.array([1.0, 2, 6]), "pearson").tolist() == [-2, -1, 3]


def test_no_interval_from_a_degenerate_bootstrap():
    assert stats.percentile_interval(np.arange(101), 0.9) == pytest.approx((5, 95))
    assert all(math.isnan(v) for v in stats.percentile_interval(np.full(50, 0.032)))  # never [0.032, 0.032]
    assert stats.bootstrap_p([1, 2, 3, -1]) == pytest.approx(2 * 2 / 5)  # one sample at or below 0, +1
    assert math.isnan(stats.bootstrap_p([0.5, 0.5, 0.5]))


def test_a_mean_over_units_and_its_interval():
    row = stats.mean_interval([0.1, 0.2, 0.3, 0.4], 2000, np.random.default_rng(0))
    assert row["units"] == 4 and row["value"] == pytest.approx(0.25)
    assert 0.1 <= row["low"] < 0.25 < row["high"] <= 0.4 and row["p"] < 0.01
    for values in ([0.032], [0.01, 0.03]):  # one unit, two units: no interval, whatever the resamples say
        row = stats.mean_interval(values, 2000, np.random.default_rng(0))
        assert row["units"] == len(values) and math.isnan(row["low"]) and math.isnan(row["p"])
        assert stats.verdict_positive(row["low"], row["high"], row["units"]) == TOO_FEW
    assert math.isnan(stats.mean_interval([0.1, math.nan, 0.3], 100, np.random.default_rng(0))["low"])


def loop_cluster_spearman(x, y, rows):
    """The statistic on a resample of clusters, by hand: the drawn clusters' points, ranked, correlated."""
    xs = [value for row in rows for value in x[row]]
    ys = [value for row in rows for value in y[row]]
    return sps.spearmanr(xs, ys).statistic


def test_the_cluster_bootstrap_resamples_whole_clusters():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    result = stats.cluster_correlation(x, y, "spearman", 500, 100, np.random.default_rng(0))
    assert result["value"] == pytest.approx(sps.spearmanr(x.ravel(), y.ravel()).statistic)
    assert (result["units"], result["points"]) == (5, 15)
    # the statistic scipy's bootstrap sees for a resample of cluster indices is the loop's
    drawn = np.array([[0, 0, 3, 4, 4], [1, 2, 2, 2, 0]])
    vectorised = stats.pooled_statistic([x[drawn]], [y[drawn]], "spearman")
    assert vectorised == pytest.approx([loop_cluster_spearman(x, y, rows) for rows in drawn])
    assert result["low"] < result["value"] < result["high"]


def test_the_cluster_permutation_p_value_is_exact_for_few_clusters():
    x = np.array([[1.0, 1.5], [2.0, 2.5], [3.0, 3.5], [4.0, 4.5]])
    y = x * 10
    result = stats.cluster_correlation(x, y, "spearman", 200, 10_000, np.random.default_rng(0))
    # of the 4! = 24 ways to give the runs' x rows to other runs, only the identity reaches |ρ| = 1 (a run's own
    # two points keep their order); by hand, every arrangement's ρ of the pooled points:
    by_hand = [sps.spearmanr(x[list(order)].ravel(), y.ravel()).statistic for order in permutations(range(4))]
    assert result["p"] == pytest.approx(np.mean(np.abs(by_hand) >= 1 - 1e-12)) == pytest.approx(1 / 24)
    # the same as scipy's permutation test of |ρ| over one sample of cluster indices, every pairing
    scipy_p = sps.permutation_test(
        (np.arange(4),),
        lambda i, axis=-1: np.abs(stats.pooled_statistic([x[i]], [y], "spearman")),
        permutation_type="pairings",
        vectorized=True,
        n_resamples=10_000,
        alternative="greater",
    ).pvalue
    assert result["p"] == pytest.approx(scipy_p) and result["value"] == pytest.approx(1)


def test_the_monte_carlo_permutation_p_value_counts_the_observed_arrangement():
    x = np.arange(24.0).reshape(12, 2)
    result = stats.cluster_correlation(x, x, "pearson", 100, 999, np.random.default_rng(0))
    assert result["p"] == pytest.approx(1 / 1000)  # no random arrangement of 12 runs reaches r = 1


def test_within_strata_only_differences_inside_a_stratum_count():
    # two loss codes: code a's runs score high on both measures, code b's low; inside each code the
    # measures run opposite ways. Pooled, ρ looks positive; within codes it is -1.
    x = np.array([[10.0], [11.0], [12.0], [0.0], [1.0], [2.0]])
    y = np.array([[12.0], [11.0], [10.0], [2.0], [1.0], [0.0]])
    codes = ["a", "a", "a", "b", "b", "b"]
    pooled = stats.cluster_correlation(x, y, "spearman", 200, 100, np.random.default_rng(0))
    within = stats.cluster_correlation(x, y, "spearman", 200, 10_000, np.random.default_rng(0), strata=codes)
    assert pooled["value"] > 0.4 and within["value"] == pytest.approx(-1)
    # by hand: ranks within each code (1, 2, 3 and 3, 2, 1), centred, correlated: -1; 3! x 3! arrangements
    assert within["units"] == 6 and within["p"] == pytest.approx(2 / 36)
    # a code of one run has no difference inside it: it is left out of the units
    lone = stats.cluster_correlation(x[:4], y[:4], "spearman", 200, 100, np.random.default_rng(0), strata=codes[:4])
    assert lone["units"] == 3 and lone["points"] == 3
    two = stats.cluster_correlation(x[:2], y[:2], "spearman", 200, 100, np.random.default_rng(0), strata=codes[:2])
    assert two["units"] == 2 and math.isnan(two["low"]) and math.isnan(two["p"])


def test_a_cluster_without_a_point_is_refused():
    x = np.ones((3, 2))
    x[1, 1] = math.nan
    with pytest.raises(ValueError, match="every cluster must have every point"):
        stats.cluster_correlation(x, np.ones((3, 2)), "spearman", 100, 100, np.random.default_rng(0))


def simulated_sets(rng, sets, clusters, points, correlation, noise):
    """Clustered points: each cluster (a run) draws (a, b) with correlation ``correlation``; each point adds
    independent noise. Spearman's population ρ of the pooled points (bivariate normal): 6/π asin(r/2)."""
    r = correlation / (1 + noise**2)
    truth = 6 / math.pi * math.asin(r / 2)
    for _ in range(sets):
        ab = rng.multivariate_normal([0, 0], [[1, correlation], [correlation, 1]], size=clusters)
        yield (
            truth,
            ab[:, [0]] + noise * rng.normal(size=(clusters, points)),
            ab[:, [1]] + noise * rng.normal(size=(clusters, points)),
        )


def test_the_cluster_bootstrap_covers_where_the_naive_one_does_not():
    """500 simulated sets of 30 runs x 4 points: the 95% interval that resamples runs covers the true ρ in
    92-98% of them (94.2% when written); the one that resamples points as if independent in 82%."""
    rng = np.random.default_rng(2026)
    cluster = naive = 0
    for truth, x, y in simulated_sets(rng, 500, 30, 4, 0.6, 0.7):
        by_run = stats.cluster_correlation(x, y, "spearman", 299, 1, rng)
        by_point = stats.cluster_correlation(x.reshape(-1, 1), y.reshape(-1, 1), "spearman", 299, 1, rng)
        cluster += by_run["low"] <= truth <= by_run["high"]
        naive += by_point["low"] <= truth <= by_point["high"]
    assert 0.92 <= cluster / 500 <= 0.98, cluster / 500
    assert naive / 500 < 0.88, naive / 500


def test_holm_adjusts_in_step_down_order():
    # sorted 0.01, 0.03, 0.04: 3 x 0.01 = 0.03; 2 x 0.03 = 0.06; 1 x 0.04 = 0.04, raised to 0.06
    adjusted = stats.holm([0.01, 0.04, 0.03, math.nan])
    assert adjusted[:3].tolist() == pytest.approx([0.03, 0.06, 0.06]) and math.isnan(adjusted[3])


def seed_scores(correct, total, item_weights):
    """Each resample's score of each seed, as claims.table1_significance composes it: the mean over languages
    of accuracy on the resampled items."""
    return np.mean([stats.resampled_accuracy(c, t, w) for c, t, w in zip(correct, total, item_weights)], axis=0)


def test_the_paired_two_level_bootstrap_matches_a_plain_loop():
    rng = np.random.default_rng(3)
    shapes = [3, 2]  # items of two languages
    aligned = ([rng.integers(0, 2, (2, n)).astype(float) for n in shapes], [np.ones((2, n)) for n in shapes])
    base = ([rng.integers(0, 2, (2, n)).astype(float) for n in shapes], [np.ones((2, n)) for n in shapes])
    items = [stats.resample_weights(n, 4, rng) for n in shapes]
    seeds = stats.resample_weights(2, 4, rng)
    fast = stats.paired_delta(seed_scores(*aligned, items), seed_scores(*base, items), seeds)
    for b in range(4):
        drawn_seeds = [s for s in range(2) for _ in range(int(seeds[b, s]))]

        def score(model, seed):
            correct, total = model
            return np.mean(
                [
                    sum(items[lang][b, i] * correct[lang][seed, i] for i in range(n))
                    / sum(items[lang][b, i] * total[lang][seed, i] for i in range(n))
                    for lang, n in enumerate(shapes)
                ]
            )

        expected = np.mean([score(aligned, s) for s in drawn_seeds]) - np.mean([score(base, s) for s in drawn_seeds])
        assert fast[b] == pytest.approx(expected)
    # no resampling (every weight 1): Table 1's Δ itself
    ones = [np.ones((1, n)) for n in shapes]
    whole = stats.paired_delta(seed_scores(*aligned, ones), seed_scores(*base, ones), np.ones((1, 2)))
    by_hand = np.mean([[c[s].mean() for c in aligned[0]] for s in range(2)]) - np.mean(
        [[c[s].mean() for c in base[0]] for s in range(2)]
    )
    assert whole[0] == pytest.approx(by_hand)


def test_the_group_difference_resamples_within_each_group():
    rng = np.random.default_rng(0)
    values = np.array([1.0] * 8 + [0.0] * 4 + [1.0] * 3 + [0.0] * 9)  # group: 8 of 12 right; others: 3 of 12
    in_group = np.arange(24) < 12
    row = stats.group_difference(values, in_group, 2000, 2000, rng, min_group=10)
    assert row["difference"] == pytest.approx(8 / 12 - 3 / 12) and (row["items"], row["in_group"]) == (24, 12)
    assert row["low"] <= row["difference"] <= row["high"] and row["p"] < 0.1
    # every resample keeps both groups: its difference is one group's resampled mean minus the other's
    boot = sps.bootstrap(
        (values[in_group], values[~in_group]),
        stats.difference_of_means,
        n_resamples=2000,
        method="percentile",
        vectorized=True,
        rng=np.random.default_rng(1),
    ).bootstrap_distribution
    assert not np.isnan(boot).any() and boot.min() > -1


def test_the_instance_level_on_a_group_of_one_and_of_none():
    rng = np.random.default_rng(0)
    values = rng.integers(0, 2, 204).astype(float)
    one = np.zeros(204, dtype=bool)
    one[7] = True
    row = stats.group_difference(values, one, 1000, 1000, rng)
    assert row["in_group"] == 1 and not math.isnan(row["difference"])
    assert math.isnan(row["low"]) and math.isnan(row["high"]) and math.isnan(row["p"])  # never +0.43 [0.36, 0.50]
    row = stats.group_difference(values, np.zeros(204, dtype=bool), 1000, 1000, rng)
    assert row["in_group"] == 0 and math.isnan(row["difference"]) and math.isnan(row["low"])


def test_improves_at_each_boundary():
    assert stats.verdict_positive(0.01, 0.02, 3) == SUPPORTED
    assert stats.verdict_positive(-0.3, -0.1, 3) == CONTRADICTED
    assert stats.verdict_positive(0.0, 0.2, 3) == INCONCLUSIVE  # touching 0
    assert stats.verdict_positive(-0.2, 0.0, 3) == INCONCLUSIVE
    assert stats.verdict_positive(0.01, 0.02, 2) == TOO_FEW  # two units
    assert stats.verdict_positive(math.nan, math.nan, 5) == INCONCLUSIVE


def test_predicts_at_each_boundary():
    assert stats.verdict_predicts(0.6, 0.9, 10) == SUPPORTED
    assert stats.verdict_predicts(-0.567, -0.251, 10) == CONTRADICTED  # a clearly negative ρ
    assert stats.verdict_predicts(-0.2, 0.3, 10) == CONTRADICTED  # contains 0, but lies below +0.5
    assert stats.verdict_predicts(0.1, 0.7, 10) == INCONCLUSIVE  # contains +0.5
    assert stats.verdict_predicts(0.5, 0.8, 10) == INCONCLUSIVE and stats.verdict_predicts(0.2, 0.5, 10) == INCONCLUSIVE
    assert (
        stats.verdict_predicts(0.6, 0.9, 2) == TOO_FEW and stats.verdict_predicts(math.nan, math.nan, 5) == INCONCLUSIVE
    )
    assert stats.verdict_predicts(0.35, 0.45, 10, threshold=0.3) == SUPPORTED


def test_orthogonal_against_a_stable_and_a_noisy_baseline():
    stable, noisy = (0.848, 0.866), (0.01, 0.213)
    assert stats.verdict_orthogonal(-0.042, 0.038, 7, *stable) == SUPPORTED  # the clearest case
    assert stats.verdict_orthogonal(-0.042, 0.038, 7, *noisy) == INCONCLUSIVE  # the task direction is no steadier
    assert stats.verdict_orthogonal(-0.042, 0.038, 7, 0.1, 0.3) == INCONCLUSIVE  # the baseline touches the band
    assert stats.verdict_orthogonal(-0.042, 0.038, 7, math.nan, math.nan) == INCONCLUSIVE  # no baseline
    assert stats.verdict_orthogonal(0.15, 0.3, 7, *stable) == CONTRADICTED
    assert stats.verdict_orthogonal(-0.3, -0.1, 7, *stable) == CONTRADICTED  # touching the band from outside
    assert stats.verdict_orthogonal(0.05, 0.3, 7, *stable) == INCONCLUSIVE  # reaches out of the band
    assert stats.verdict_orthogonal(-0.042, 0.038, 2, *stable) == TOO_FEW
    assert stats.verdict_orthogonal(-0.05, 0.05, 7, *stable, band=0.05) == INCONCLUSIVE


def test_the_between_group_sum_of_squares_and_its_exact_permutation_p_value():
    values, groups = [1.0, 2.0, 3.0, 10.0, 11.0, 12.0], ["a", "a", "a", "b", "b", "b"]
    # group means 2 and 11 around 6.5: 3 x 4.5^2 + 3 x 4.5^2
    assert stats.between_groups(np.array(values[:3]), np.array(values[3:])) == pytest.approx(121.5)
    # of the C(6, 3) = 20 ways to split the six values into groups of 3, only this split and its mirror reach 121.5
    assert stats.group_permutation_p(values, groups, 10_000, np.random.default_rng(0)) == pytest.approx(2 / 20)
    assert math.isnan(stats.group_permutation_p([1.0, 2.0], [0, 0], 100, np.random.default_rng(0)))  # one group


def test_the_monte_carlo_group_p_value_counts_the_observed_labelling():
    values, groups = np.arange(40.0), np.repeat([0, 1], 20)  # C(40, 20) labellings: far too many to enumerate
    p = stats.group_permutation_p(values, groups, 999, np.random.default_rng(0))
    assert p == pytest.approx(1 / 1000)  # no random labelling separates them as well: only the observed one counts
    assert stats.verdict_differs(p) == SUPPORTED and stats.verdict_differs(0.2) == INCONCLUSIVE
