"""The claims layer's statistics against hand computations on fixed numbers."""

import math

import numpy as np
import pytest

from align_transfer import stats


def test_ties_share_the_mean_of_their_positions():
    assert stats.average_ranks([10, 20, 20, 5]).tolist() == [2, 3.5, 3.5, 1]
    assert stats.average_ranks([[3, 3, 3], [1, 2, 0]]).tolist() == [[2, 2, 2], [2, 3, 1]]


def test_pearson_and_spearman_match_the_formula():
    # x = 1, 2, 3: dx = -1, 0, 1; y = 2, 4, 7: dy = -7/3, -1/3, 8/3; r = 5 / sqrt(2 * 114/9)
    assert stats.pearson([1, 2, 3], [2, 4, 7]) == pytest.approx(5 / math.sqrt(2 * 114 / 9))
    # ranks 1, 2.5, 2.5, 4 and 1, 3, 2, 4: r = 4.5 / sqrt(4.5 * 5)
    assert stats.spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(4.5 / math.sqrt(4.5 * 5))
    assert math.isnan(stats.pearson([1, 1, 1], [1, 2, 3]))


def test_the_permutation_p_value_is_exact_for_few_points():
    rng = np.random.default_rng(0)
    # of the 120 orderings of five points, two reach |rho| = 1 (the identity and its reverse)
    result = stats.correlation([1, 2, 3, 4, 5], [2, 4, 6, 8, 10], "spearman", 200, 1000, rng)
    assert result["value"] == 1 and result["p"] == pytest.approx(2 / 120)
    assert (result["low"], result["high"]) == (1, 1)  # every resample with two distinct points is monotone


def test_the_monte_carlo_permutation_p_value_counts_the_observed_ordering():
    rng = np.random.default_rng(0)
    x = np.arange(12.0)
    result = stats.correlation(x, x, "pearson", 100, 999, rng)
    assert result["p"] == pytest.approx(1 / 1000)  # no random ordering of 12 points reaches r = 1


def test_holm_adjusts_in_step_down_order():
    # sorted 0.01, 0.03, 0.04: 3 x 0.01 = 0.03; 2 x 0.03 = 0.06; 1 x 0.04 = 0.04, raised to 0.06
    adjusted = stats.holm([0.01, 0.04, 0.03, math.nan])
    assert adjusted[:3].tolist() == pytest.approx([0.03, 0.06, 0.06]) and math.isnan(adjusted[3])


def test_bootstrap_p_and_percentile_interval():
    assert stats.bootstrap_p([1, 2, 3, -1]) == pytest.approx(2 * 2 / 5)  # one sample at or below 0, +1
    assert stats.percentile_interval(np.arange(101), 0.9) == pytest.approx((5, 95))


def test_the_paired_two_level_bootstrap_matches_a_plain_loop():
    rng = np.random.default_rng(3)
    shapes = [3, 2]  # items of two languages
    aligned = ([rng.integers(0, 2, (2, n)).astype(float) for n in shapes], [np.ones((2, n)) for n in shapes])
    base = ([rng.integers(0, 2, (2, n)).astype(float) for n in shapes], [np.ones((2, n)) for n in shapes])
    items = [stats.resample_weights(n, 4, rng) for n in shapes]
    seeds = stats.resample_weights(2, 4, rng)
    fast = stats.paired_delta(stats.seed_scores(*aligned, items), stats.seed_scores(*base, items), seeds)
    for b in range(4):
        drawn_seeds = [s for s in range(2) for _ in range(int(seeds[b, s]))]

        def score(model, seed):
            correct, total = model
            return np.mean([sum(items[l][b, i] * correct[l][seed, i] for i in range(n)) /
                            sum(items[l][b, i] * total[l][seed, i] for i in range(n)) for l, n in enumerate(shapes)])  # fmt: skip

        expected = np.mean([score(aligned, s) for s in drawn_seeds]) - np.mean([score(base, s) for s in drawn_seeds])
        assert fast[b] == pytest.approx(expected)
    # no resampling (every weight 1): Table 1's Δ itself
    ones = [np.ones((1, n)) for n in shapes]
    whole = stats.paired_delta(stats.seed_scores(*aligned, ones), stats.seed_scores(*base, ones), np.ones((1, 2)))
    by_hand = np.mean([[c[s].mean() for c in aligned[0]] for s in range(2)]) - np.mean([[c[s].mean() for c in base[0]] for s in range(2)])
    assert whole[0] == pytest.approx(by_hand)


def test_the_group_difference_is_the_accuracy_gap():
    rng = np.random.default_rng(0)
    correct = np.array([[1, 1], [1, 0], [0, 0], [0, 1]])  # items x seeds
    row = stats.group_difference(correct, [True, True, False, False], 500, rng)
    assert row["difference"] == pytest.approx(0.75 - 0.25) and row["in_group"] == 2
    assert row["low"] <= row["difference"] <= row["high"]
    assert math.isnan(stats.group_difference(correct, [True] * 4, 10, rng)["difference"])


def test_verdicts_follow_the_design_rules():
    assert stats.verdict_predicts(0.6, 0.9) == "supported"
    assert stats.verdict_predicts(-0.2, 0.7) == "contradicted"
    assert stats.verdict_predicts(0.1, 0.7) == "inconclusive"
    assert stats.verdict_orthogonal(-0.02, 0.03, -0.01, 0.05) == "supported"
    assert stats.verdict_orthogonal(-0.02, 0.03, 0.2, 0.4) == "inconclusive"  # baseline elsewhere
    assert stats.verdict_orthogonal(0.15, 0.3, 0.2, 0.4) == "contradicted"
    assert stats.verdict_orthogonal(0.05, 0.3, 0.0, 0.1) == "inconclusive"
    assert stats.verdict_positive(0.01, 0.02) == "supported" and stats.verdict_positive(-0.3, -0.1) == "contradicted"


def test_the_between_group_sum_of_squares_and_its_exact_permutation_p_value():
    values, groups = [1.0, 2.0, 3.0, 10.0, 11.0, 12.0], [0, 0, 0, 1, 1, 1]
    # group means 2 and 11 around 6.5: 3 x 4.5^2 + 3 x 4.5^2
    assert stats.between_groups(np.array(values), np.array(groups)) == pytest.approx(121.5)
    # of the C(6, 3) = 20 ways to split the six values into groups of 3, only this split and its mirror reach 121.5
    assert stats.group_permutation_p(values, ["a", "a", "a", "b", "b", "b"], 10_000, np.random.default_rng(0)) == pytest.approx(2 / 20)
    by_hand = [sorted(row) for row in stats.labellings([2, 1]).tolist()]
    assert len(by_hand) == 3 and by_hand == [[0, 0, 1]] * 3  # each unit once in the group of one
    assert math.isnan(stats.group_permutation_p([1.0, 2.0], [0, 0], 100, np.random.default_rng(0)))  # one group


def test_the_monte_carlo_group_p_value_counts_the_observed_labelling():
    values, groups = np.arange(40.0), np.repeat([0, 1], 20)  # C(40, 20) labellings: far too many to enumerate
    p = stats.group_permutation_p(values, groups, 999, np.random.default_rng(0))
    assert p == pytest.approx(1 / 1000)  # no random labelling separates them as well: only the observed one counts
    assert stats.verdict_differs(p) == "supported" and stats.verdict_differs(0.2) == "inconclusive"
