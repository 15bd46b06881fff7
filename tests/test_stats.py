"""The claims layer's statistics against hand computations, and the verdict rules of docs/design.md §7 at each
boundary. Their coverage is tests/test_calibration.py's."""

import math
from itertools import permutations

import numpy as np
import pytest
from scipy import stats as sps

from align_transfer.claims import stats
from align_transfer.claims.stats import CONTRADICTED, INCONCLUSIVE, SUPPORTED, TOO_FEW, WEAK


def test_pearson_and_spearman_match_the_formula_and_scipy():
    # x = 1, 2, 3: dx = -1, 0, 1; y = 2, 4, 7: dy = -7/3, -1/3, 8/3; r = 5 / sqrt(2 * 114/9)
    assert stats.pearson([1, 2, 3], [2, 4, 7]) == pytest.approx(5 / math.sqrt(2 * 114 / 9))
    # ranks 1, 2.5, 2.5, 4 and 1, 3, 2, 4: r = 4.5 / sqrt(4.5 * 5)
    assert stats.spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(4.5 / math.sqrt(4.5 * 5))
    assert stats.spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(
        sps.spearmanr([1, 2, 2, 3], [1, 3, 2, 4]).statistic
    )
    assert math.isnan(stats.pearson([1, 1, 1], [1, 2, 3]))
    assert stats.average_ranks([10.0, 20, 20, 5]).tolist() == [2, 3.5, 3.5, 1]  # ties share their mean rank
    assert stats.average_ranks([[3.0, 1, 2]]).tolist() == [[3, 1, 2]]


def test_the_mean_has_student_s_t_interval_and_test():
    values = [0.1, 0.2, 0.3, 0.4]
    row = stats.mean_interval(values)
    # by hand: mean 0.25, sd sqrt(0.05/3), se sd/2, t(3) = 3.182446
    se = math.sqrt(0.05 / 3) / 2
    assert row["units"] == 4 and row["value"] == pytest.approx(0.25)
    assert (row["low"], row["high"]) == pytest.approx((0.25 - 3.182446 * se, 0.25 + 3.182446 * se), rel=1e-6)
    assert row["p"] == pytest.approx(2 * sps.t.sf(0.25 / se, 3))
    for values in ([0.032], [0.01, 0.03]):  # one unit, two units: no interval
        row = stats.mean_interval(values)
        assert row["units"] == len(values) and math.isnan(row["low"]) and math.isnan(row["p"])
    assert math.isnan(stats.mean_interval([0.1, math.nan, 0.3])["low"])


def test_three_units_all_below_zero_are_not_enough_to_contradict():
    """Every bootstrap resample of three negative units has a negative mean, so a percentile interval says
    'contradicted' (p ~ 0.001); with three units the t-interval is wide, and includes 0."""
    values = [-0.05, -0.04, -0.001]
    row = stats.mean_interval(values)
    assert row["low"] < 0 < row["high"] and row["p"] > 0.05
    assert stats.verdict_positive(row["low"], row["high"]) == INCONCLUSIVE


def test_units_that_agree_exactly_give_a_point_interval_and_a_verdict():
    row = stats.mean_interval([0.02, 0.02, 0.02])
    assert (row["low"], row["high"], row["p"]) == (0.02, 0.02, 0.0)
    assert stats.verdict_positive(row["low"], row["high"]) == SUPPORTED
    zero = stats.mean_interval([0.0, 0.0, 0.0])
    assert (zero["low"], zero["high"], zero["p"]) == (0.0, 0.0, 1.0)
    assert stats.verdict_positive(zero["low"], zero["high"]) == INCONCLUSIVE


def test_the_bootstrap_interval_is_the_inversion_of_its_p_value():
    # 19 resamples at alpha 0.1: m = ceil((0.1 * 20 - 1) / 2) = 1, so the interval is [min, max]; p counts the
    # smaller tail: 2 resamples at or below 0 give (2 * 2 + 1) / 20
    samples = np.array([-0.2, -0.1] + [0.1 * k for k in range(1, 18)])
    low, high, p = stats.bootstrap_interval(samples, 0.9)
    assert (low, high) == (samples.min(), samples.max()) and p == pytest.approx(5 / 20)
    rng = np.random.default_rng(0)
    for _ in range(300):  # any distribution: 0 lies outside exactly when p < alpha
        samples = rng.normal(rng.normal(0, 1), 0.5, size=rng.integers(20, 400))
        for level in (0.9, 0.95):
            low, high, p = stats.bootstrap_interval(samples, level)
            assert (low > 0 or high < 0) == (p < 1 - level)
    assert stats.bootstrap_interval(np.full(50, 0.032)) == (0.032, 0.032, pytest.approx(1 / 51))


def column_spearman_by_hand(x, y):
    """The within-languages statistic of untied data by hand: each column's Spearman ρ over the runs, averaged."""
    return np.mean([sps.spearmanr(x[:, c], y[:, c]).statistic for c in range(x.shape[1])])


def test_within_languages_is_the_mean_of_the_columns_rho():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    assert stats.within_statistic(x, y, np.ones((6, 1))) == pytest.approx(column_spearman_by_hand(x, y))
    # a language shifting every run's values changes nothing
    shifted = x + np.array([0.0, 10.0, -5.0, 100.0])
    assert stats.within_statistic(shifted, y, np.ones((6, 1))) == pytest.approx(column_spearman_by_hand(x, y))


def test_within_loss_codes_centres_each_code_before_ranking():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    codes = np.array(["a", "a", "a", "b", "b", "b"])
    by_hand_x, by_hand_y = x.copy(), y.copy()
    for code in ("a", "b"):  # each code's mean removed, column by column
        by_hand_x[codes == code] -= x[codes == code].mean(axis=0)
        by_hand_y[codes == code] -= y[codes == code].mean(axis=0)
    one_hot = stats.strata_matrix(codes, 6)
    assert stats.within_statistic(x, y, one_hot) == pytest.approx(column_spearman_by_hand(by_hand_x, by_hand_y))
    # a code shifting its runs' values changes nothing
    moved = x + 50.0 * (codes == "b")[:, None]
    assert stats.within_statistic(moved, y, one_hot) == pytest.approx(stats.within_statistic(x, y, one_hot))


def test_the_jackknife_deletes_one_run_at_a_time():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    z = [np.arctanh(column_spearman_by_hand(np.delete(x, i, 0), np.delete(y, i, 0))) for i in range(5)]
    by_hand = math.sqrt(4 / 5 * sum((v - np.mean(z)) ** 2 for v in z))
    assert stats.jackknife_se(x, y, np.ones((5, 1))) == pytest.approx(by_hand)
    # two codes: each deletion re-centres its code; the sum of squares is scaled by (n - s)/n = 3/5
    codes = np.array(["a", "a", "b", "b", "b"])
    z = []
    for i in range(5):
        keep = np.arange(5) != i
        xs, ys, kept = x[keep].copy(), y[keep].copy(), codes[keep]
        for code in ("a", "b"):
            xs[kept == code] -= xs[kept == code].mean(axis=0)
            ys[kept == code] -= ys[kept == code].mean(axis=0)
        z.append(np.arctanh(column_spearman_by_hand(xs, ys)))
    by_hand = math.sqrt(3 / 5 * sum((v - np.mean(z)) ** 2 for v in z))
    assert stats.jackknife_se(x, y, stats.strata_matrix(codes, 5)) == pytest.approx(by_hand)


def test_within_correlation_interval_and_exact_permutation_p():
    x = np.array([[1.0, 1.5], [2.0, 2.5], [3.0, 3.5], [4.0, 4.5], [5.0, 6.0]])
    y = np.array([[2.0, 1.0], [1.0, 2.0], [4.0, 3.0], [3.0, 5.0], [5.0, 4.0]])
    result = stats.within_correlation(x, y, None, 10_000, np.random.default_rng(0))
    assert result["value"] == pytest.approx(column_spearman_by_hand(x, y)) and result["units"] == 5
    se = stats.jackknife_se(x, y, np.ones((5, 1)))
    quantile = sps.t.ppf(0.975, 4)
    assert result["low"] == pytest.approx(math.tanh(math.atanh(result["value"]) - quantile * se))
    assert result["high"] == pytest.approx(math.tanh(math.atanh(result["value"]) + quantile * se))
    # by hand: every one of the 5! ways to give the runs' x rows to other runs
    by_hand = [column_spearman_by_hand(x[list(order)], y) for order in permutations(range(5))]
    assert result["p"] == pytest.approx(np.mean(np.abs(by_hand) >= abs(result["value"]) - 1e-12))


def test_a_perfect_rho_with_enough_runs_is_a_point_interval_and_supported():
    x = np.arange(12.0).reshape(6, 2)
    result = stats.within_correlation(x, x * 3 + 1, None, 10_000, np.random.default_rng(0))
    assert (result["value"], result["low"], result["high"]) == (1.0, 1.0, 1.0)
    assert result["p"] == pytest.approx(
        2 / math.factorial(6)
    )  # the identity and nothing else reaches |ρ| = 1 ... twice
    assert stats.verdict_predicts(result["low"], result["high"], result["p"]) == SUPPORTED


def test_too_few_units_say_how_many_and_how_many_are_needed():
    x = np.random.default_rng(0).normal(size=(6, 2))
    two_per_code = stats.within_correlation(x, x, ["a", "a", "b", "b", "c", "c"], 100, np.random.default_rng(0))
    assert two_per_code["reason"] == "2 runs per loss code; 3 needed" and math.isnan(two_per_code["low"])
    assert math.isnan(two_per_code["p"])  # with 2 runs a code, p could not go below 0.125: no p either
    three = stats.within_correlation(x[:3], x[:3], None, 100, np.random.default_rng(0))
    assert three["reason"] == "3 runs allow 6 arrangements; a permutation p below 0.05 needs 20"
    languages = stats.across_correlation(np.arange(6.0), np.arange(6.0), 100, np.random.default_rng(0))
    assert languages["reason"] == "6 languages; 9 needed"
    assert stats.permutation_reach([3, 3], 0.05, "runs", "loss code") == ""  # 3! x 3! = 36 arrangements


def test_across_languages_has_bonett_and_wright_s_interval():
    x = np.array([0.1, 0.4, 0.2, 0.5, 0.3, 0.9, 0.6, 0.8, 0.7])
    y = np.array([0.2, 0.3, 0.1, 0.6, 0.5, 0.7, 0.4, 0.9, 0.8])
    result = stats.across_correlation(x, y, 10_000, np.random.default_rng(0))
    rho = sps.spearmanr(x, y).statistic
    se = math.sqrt((1 + rho**2 / 2) / 6)
    assert result["value"] == pytest.approx(rho) and result["units"] == 9
    assert (result["low"], result["high"]) == pytest.approx(
        (math.tanh(math.atanh(rho) - 1.959964 * se), math.tanh(math.atanh(rho) + 1.959964 * se)), rel=1e-6
    )
    assert 0 < result["p"] < 0.05


def test_the_instance_level_difference_by_agresti_and_caffo():
    inside = np.array([1.0, 1.0, 0.0])
    mean, variance = stats.adjusted_mean(inside, 1.0)
    # one right and one wrong answer added: (2 + 1)/(3 + 2); squares around 0.6: 2 x 0.16 + 0.36 + 0.36 + 0.16
    assert mean == pytest.approx(0.6) and variance == pytest.approx((2 * 0.16 + 0.36 + 0.36 + 0.16) / 4 / 5)
    mean, variance = stats.adjusted_mean(np.array([0.5, 1.0]), 0.5)  # 2 seeds: each pseudo-answer weighs 1/2
    assert mean == pytest.approx(2.0 / 3) and variance == pytest.approx(
        ((0.5 - 2 / 3) ** 2 + (1 / 3) ** 2 + 0.5 * (2 / 3) ** 2 + 0.5 * (1 / 3) ** 2) / 2 / 3
    )
    values = np.concatenate([np.ones(12) * 0.8, np.zeros(3), np.ones(10) * 0.2, np.zeros(5)])
    group = np.arange(30) < 15
    row = stats.group_difference(values, group, seeds=5)
    assert row["difference"] == pytest.approx(0.64 - 0.1333333, rel=1e-5) and row["in_group"] == 15
    assert row["low"] < row["difference"] < row["high"]
    (m1, v1), (m2, v2) = stats.adjusted_mean(values[group], 0.2), stats.adjusted_mean(values[~group], 0.2)
    assert row["p"] == pytest.approx(2 * sps.norm.sf(abs(m1 - m2) / math.sqrt(v1 + v2)))
    assert (row["low"] > 0) == (row["p"] < 0.05)


def test_a_group_that_is_all_wrong_still_has_a_spread():
    """Under no difference (both groups right 5% of the time), a small group is often all wrong; its interval is
    never a point, and it holds the truth (0) about 95% of the time or more."""
    rng = np.random.default_rng(5)
    covered, degenerate = 0, 0
    for _ in range(400):
        values = (rng.random(200) < 0.05).astype(float)
        group = np.arange(200) < 12
        row = stats.group_difference(values, group)
        covered += row["low"] <= 0 <= row["high"]
        degenerate += row["low"] == row["high"]
    assert degenerate == 0 and covered / 400 >= 0.93


def test_the_instance_level_on_a_group_of_one_and_of_none():
    values = np.random.default_rng(0).integers(0, 2, 204).astype(float)
    one = np.zeros(204, dtype=bool)
    one[7] = True
    row = stats.group_difference(values, one)
    assert row["in_group"] == 1 and not math.isnan(row["difference"])
    assert math.isnan(row["low"]) and math.isnan(row["high"]) and math.isnan(row["p"])  # never +0.43 [0.36, 0.50]
    row = stats.group_difference(values, np.zeros(204, dtype=bool))
    assert row["in_group"] == 0 and math.isnan(row["difference"]) and math.isnan(row["low"])


def test_benjamini_hochberg_by_hand():
    # sorted 0.01, 0.03, 0.04 of 3: 0.01 x 3/1 = 0.03; 0.03 x 3/2 = 0.045; 0.04 x 3/3 = 0.04, and the step-up
    # minimum from the top makes the second 0.04
    adjusted = stats.benjamini_hochberg([0.04, 0.01, 0.03, math.nan])
    assert adjusted[:3].tolist() == pytest.approx([0.04, 0.03, 0.04]) and math.isnan(adjusted[3])


def test_improves_at_each_boundary():
    assert stats.verdict_positive(0.01, 0.02) == SUPPORTED
    assert stats.verdict_positive(-0.3, -0.1) == CONTRADICTED
    assert stats.verdict_positive(0.0, 0.2) == INCONCLUSIVE  # touching 0
    assert stats.verdict_positive(-0.2, 0.0) == INCONCLUSIVE
    assert stats.verdict_positive(0.01, 0.02, tested=False) == TOO_FEW
    assert stats.verdict_positive(math.nan, math.nan) == TOO_FEW


def test_predicts_has_a_strength():
    assert stats.verdict_predicts(0.6, 0.9, 0.001) == SUPPORTED
    assert stats.verdict_predicts(0.1, 0.7, 0.01) == INCONCLUSIVE  # contains +0.5
    assert (
        stats.verdict_predicts(0.5, 0.8, 0.01) == INCONCLUSIVE
        and stats.verdict_predicts(0.2, 0.5, 0.01) == INCONCLUSIVE
    )
    assert stats.verdict_predicts(0.2, 0.45, 0.001) == WEAK  # reliably above 0, reliably below the threshold
    assert stats.verdict_predicts(0.2, 0.45, 0.2) == CONTRADICTED  # the permutation p does not agree it is above 0
    assert stats.verdict_predicts(-0.2, 0.3, 0.4) == CONTRADICTED  # contains 0, lies below +0.5
    assert stats.verdict_predicts(-0.567, -0.251, 0.001) == CONTRADICTED  # a clearly negative ρ
    assert stats.verdict_predicts(math.nan, math.nan, math.nan) == TOO_FEW
    assert stats.verdict_predicts(0.35, 0.45, 0.001, threshold=0.3) == SUPPORTED


def test_orthogonal_against_a_stable_and_a_noisy_baseline():
    stable, noisy = (0.848, 0.866), (0.01, 0.213)
    assert stats.verdict_orthogonal(-0.042, 0.038, *stable) == SUPPORTED  # the clearest case
    assert stats.verdict_orthogonal(-0.042, 0.038, *noisy) == INCONCLUSIVE  # the task direction is no steadier
    assert stats.verdict_orthogonal(-0.042, 0.038, 0.1, 0.3) == INCONCLUSIVE  # the baseline touches the band
    assert stats.verdict_orthogonal(-0.042, 0.038, math.nan, math.nan) == INCONCLUSIVE  # no baseline
    assert stats.verdict_orthogonal(0.15, 0.3, *stable) == CONTRADICTED
    assert stats.verdict_orthogonal(-0.3, -0.1, *stable) == CONTRADICTED  # touching the band from outside
    assert stats.verdict_orthogonal(0.05, 0.3, *stable) == INCONCLUSIVE  # reaches out of the band
    assert stats.verdict_orthogonal(math.nan, math.nan, *stable) == TOO_FEW
    assert stats.verdict_orthogonal(-0.05, 0.05, *stable, band=0.05) == INCONCLUSIVE


def test_holm_adjusts_in_step_down_order():
    # sorted 0.01, 0.03, 0.04: 3 x 0.01 = 0.03; 2 x 0.03 = 0.06; 1 x 0.04 = 0.04, raised to 0.06
    adjusted = stats.holm([0.01, 0.04, 0.03, math.nan])
    assert adjusted[:3].tolist() == pytest.approx([0.03, 0.06, 0.06]) and math.isnan(adjusted[3])


def seed_scores(correct, total, item_weights):
    """Each resample's score of each seed, as claims.table1_significance composes it: the mean over languages
    of accuracy on the resampled items."""
    return np.mean([stats.resampled_ratio(c, t, w) for c, t, w in zip(correct, total, item_weights)], axis=0)


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


def test_items_terms_of_a_mean_over_tasks_pool_each_task_s_with_weight_one_over_tasks_squared():
    """By hand: a unit's value is its mean over 2 tasks with items of their own; the variance the items add to
    it is (var of task 1's item means / I1 + task 2's / I2) / 2², and the degrees of freedom add."""
    rng = np.random.default_rng(0)
    first, second = rng.normal(size=(4, 5)), rng.normal(size=(4, 7))  # 4 units x 5 and 7 items
    terms = [stats.item_components(block, None) for block in (first, second)]
    b, c, df = stats.pooled_item_terms(*zip(*terms))
    by_hand = (first.mean(axis=0).var(ddof=1) / 5 + second.mean(axis=0).var(ddof=1) / 7) / 4
    assert b == pytest.approx(by_hand) and c == pytest.approx((terms[0][1] + terms[1][1]) / 4) and df == 4 + 6
