"""The claims layer on hand-made results: the join, Table 1's intervals, the instance level, and each verdict
of docs/design.md §7 on inputs whose verdict is known by construction."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from align_transfer.claims import claims, stats
from align_transfer.claims.stats import CONTRADICTED, INCONCLUSIVE, SUPPORTED, TOO_FEW, WEAK
from align_transfer.core.layout import JOIN_GROUP
from align_transfer.tables.document import markdown
from align_transfer.tables.tables import table1

ALIGNED = "de-en_S1W0M0_40"
CODES = ["S0W0M1", "S0W1M0", "S0W1M1", "S1W0M0", "S1W0M1", "S1W1M0", "S1W1M1"]


def zeroshot_rows():
    accuracy = {
        ("base", 1, "de"): 0.50,
        ("base", 2, "de"): 0.60,
        ("base", 1, "en"): 0.90,
        ("base", 2, "en"): 0.80,
        (ALIGNED, 1, "de"): 0.58,
        (ALIGNED, 2, "de"): 0.62,
        (ALIGNED, 1, "en"): 0.85,
        (ALIGNED, 2, "en"): 0.85,
    }
    return pd.DataFrame(
        [
            {
                "encoder": "E",
                "task": "sc",
                "mode": "full",
                "model": m,
                "seed": s,
                "language": lang,
                "n": 10,
                "accuracy": a,
            }
            for (m, s, lang), a in accuracy.items()
        ]
    )


def test_the_join_sets_each_language_s_transfer_beside_its_alignment_with_the_source():
    similarity = pd.DataFrame(
        [
            {
                "model": "base",
                "level": "sentence",
                "group": JOIN_GROUP,
                "pair": "de-en",
                "layer": 2,
                "cosine": 0.30,
                "gap": 0.10,
            },
            {
                "model": ALIGNED,
                "level": "sentence",
                "group": JOIN_GROUP,
                "pair": "de-en",
                "layer": 2,
                "cosine": 0.45,
                "gap": 0.12,
            },
            {
                "model": ALIGNED,
                "level": "sentence",
                "group": "Table 2",
                "pair": "deu-eng",
                "layer": 2,
                "cosine": 0.99,
                "gap": 0.9,
            },
        ]
    )
    retrieval = pd.DataFrame(
        [
            {"model": m, "group": JOIN_GROUP, "pair": "de-en", "direction": d, "k": 1, "recall": r}
            for m, d, r in [
                ("base", "de->en", 0.2),
                ("base", "en->de", 0.4),
                (ALIGNED, "de->en", 0.5),
                (ALIGNED, "en->de", 0.7),
            ]
        ]
    )
    gradients = pd.DataFrame(
        [
            {
                "model": ALIGNED,
                "task": "sc",
                "seed": 1,
                "batch": b,
                "cosine": c,
                "baseline_cosine": bc,
                "task_norm": 2.0,
                "alignment_norm": 4.0,
            }
            for b, c, bc in [(0, 0.1, math.nan), (1, 0.3, 0.5)]
        ]
    )
    join = claims.transfer_join(zeroshot_rows(), similarity, retrieval, gradients, [2])
    assert len(join) == 4 and set(join["model"]) == {ALIGNED} and join["step"].tolist() == [40] * 4
    assert (
        list(join.columns[:2]) == ["encoder", "run"]
        and set(join["run"]) == {"de-en_S1W0M0"}
        and set(join["encoder"]) == {"E"}
    )
    de = join[(join["language"] == "de") & (join["seed"] == 1)].iloc[0]
    assert de["delta_accuracy"] == pytest.approx(0.58 - 0.55)  # against the base's mean over seeds
    assert de["delta_cosine_l2"] == pytest.approx(0.15) and de["delta_gap_l2"] == pytest.approx(0.02)
    assert de["delta_r1"] == pytest.approx(0.6 - 0.3)  # both directions averaged, then Δ
    assert de["gradient_cosine"] == pytest.approx(0.2) and de["gradient_baseline_cosine"] == pytest.approx(0.5)
    assert math.isnan(join[(join["language"] == "de") & (join["seed"] == 2)].iloc[0]["gradient_cosine"])  # not kept
    assert math.isnan(join[join["language"] == "en"].iloc[0]["delta_r1"])  # the source with itself
    without = claims.transfer_join(zeroshot_rows(), similarity, retrieval, None, [2])  # a grid without full fine-tuning
    assert "gradient_cosine" not in without and len(without) == 4


def items_frame(rng):
    """Per-item POS scores of base and one aligned encoder: 2 seeds, 2 treebanks of 6 and 4 sentences."""
    rows = []
    for model, p in (("base", 0.5), (ALIGNED, 0.7)):
        for seed in (1, 2):
            for language, n in (("de", 6), ("ja", 4)):
                for item in range(n):
                    rows.append(
                        {
                            "task": "pos",
                            "mode": "full",
                            "model": model,
                            "seed": seed,
                            "language": language,
                            "item": item,
                            "correct": int(rng.random() < p),
                            "total": 1,
                        }
                    )
    return pd.DataFrame(rows)


def test_table1_significance_has_table1_s_delta_inside_its_interval():
    items = items_frame(np.random.default_rng(0))
    table, noise = claims.table1_significance(items, 40, 2000, 0, 0.05)
    # Table 1 from the same runs' accuracies: the same Δ
    accuracy = items.groupby(["task", "mode", "model", "seed", "language"], as_index=False)["correct"].mean()
    expected = table1(accuracy.rename(columns={"correct": "accuracy"}), 40)
    row = table.iloc[0]
    assert row["delta"] == pytest.approx(expected[expected["pair"] == "de-en"]["mean"].iloc[0])
    assert row["low"] <= row["delta"] <= row["high"] and 0 < row["p"] <= 1
    assert row["p_holm"] == pytest.approx(row["p"])  # one cell: Holm leaves it alone
    assert (row["seeds"], row["items"]) == (2, 10)
    assert noise[["task", "mode", "models", "items", "item_df"]].iloc[0].tolist() == ["pos", "full", 1, 10, 8]


def test_each_model_s_delta_is_the_mean_of_its_items_contributions():
    """Rows of the contributions average to Table 1's Δ, by hand; the items' terms of one stratum by hand."""
    rng = np.random.default_rng(4)
    correct = rng.integers(0, 2, (3 * 2, 5)).astype(float)  # base and two aligned models x 2 seeds, 5 items
    total = np.ones_like(correct)
    per_language = {"de": (correct, total), "ja": (correct[::-1].copy(), total)}
    contributions, strata = claims.item_contributions(per_language, 3, 2, paired=True)
    assert strata is None and contributions.shape == (2, 5)
    for model in (1, 2):
        by_hand = np.mean(
            [
                c[2 * model : 2 * model + 2].mean(axis=0).mean() - c[:2].mean(axis=0).mean()
                for c, _ in per_language.values()
            ]
        )
        assert contributions[model - 1].mean() == pytest.approx(by_hand)
    b, c, df = stats.item_components(contributions, None)
    item_means = contributions.mean(axis=0)
    residual = contributions - item_means - contributions.mean(axis=1, keepdims=True) + contributions.mean()
    assert b == pytest.approx(item_means.var(ddof=1) / 5) and df == 4
    assert c == pytest.approx((residual**2).sum() / (1 * 4) / 2 / 5)
    apart, strata = claims.item_contributions(per_language, 3, 2, paired=False)  # each language its own items
    assert apart.shape == (2, 10) and strata == ["de"] * 5 + ["ja"] * 5
    assert apart.mean(axis=1) == pytest.approx(contributions.mean(axis=1))


def test_table1_draws_an_item_for_every_language_at_once_where_items_are_the_same_text():
    """SIB-200's item i is one text in every language. Here the aligned encoder gets right in German exactly the
    items it gets wrong in Japanese, and the base encoder the reverse, so that every item's Δ, averaged over the
    two languages, is 0: drawn together, every resample's Δ is 0; drawn apart, they spread."""
    rows = []
    for model in ("base", ALIGNED):
        for language in ("de", "ja"):
            for item in range(8):
                right = (item % 2 == 0) == (language == "de")
                right = right if model == ALIGNED else not right
                rows.append(
                    {
                        "task": "sc",
                        "mode": "full",
                        "model": model,
                        "seed": 1,
                        "language": language,
                        "item": item,
                        "correct": int(right),
                        "total": 1,
                    }
                )
    items = pd.DataFrame(rows)
    row = claims.table1_significance(items, 40, 500, 0, 0.05)[0].iloc[0]
    assert (row["delta"], row["low"], row["high"]) == (0.0, 0.0, 0.0)
    apart = claims.table1_significance(items.assign(task="pos"), 40, 500, 0, 0.05)[0].iloc[0]  # POS: treebanks differ
    assert apart["low"] < 0 < apart["high"]
    uneven = items[~((items["language"] == "ja") & (items["item"] == 7))]
    with pytest.raises(ValueError, match="the test items of ja"):
        claims.table1_significance(uneven, 40, 100, 0, 0.05)


def sib_items(right_of, models=("base",), seeds=(1, 2), items=24):
    return pd.DataFrame(
        [
            {
                "task": "sc",
                "mode": "full",
                "model": model,
                "seed": s,
                "language": "de",
                "item": i,
                "correct": int(right_of(model, s, i)),
                "total": 1,
            }
            for model in models
            for s in seeds
            for i in range(items)
        ]
    )


def test_the_instance_level_compares_retrieved_items_with_the_rest():
    right = set(range(9)) | {12, 13, 14}  # 9 of the 12 retrieved items, 3 of the 12 others
    items = sib_items(lambda model, seed, item: item in right)
    retrieved = pd.DataFrame(
        [
            {"model": "base", "language": "de", "item": i, "index_id": str(i), "retrieved": int(i < 12)}
            for i in range(24)
        ]
    )
    labels = pd.DataFrame({"language": "de", "item": range(24), "label": [i % 4 for i in range(24)]})
    row = claims.instance_level(items, retrieved, labels).iloc[0]
    assert row["difference"] == pytest.approx(0.5) and (row["items"], row["in_group"]) == (24, 12)
    assert row["low"] < 0.5 < row["high"] and row["p"] < 0.05 and not row["degenerate"]
    assert row["q"] == pytest.approx(row["p"])  # one cell: Benjamini-Hochberg leaves it alone
    small = claims.instance_level(items, retrieved.assign(retrieved=lambda f: (f["item"] < 3).astype(int)), labels)
    assert small.iloc[0]["in_group"] == 3 and math.isnan(small.iloc[0]["low"])  # 3 items < min_group: no interval
    assert "(3 in a group)" in markdown(claims.instance_level_layout(small))


def test_a_probe_that_answers_one_class_is_degenerate_not_an_effect():
    """A probe that always answers 'sports' is right exactly on the sports items; when the retrieved items are
    mostly sports, accuracy differs between the groups by topic mix alone."""
    labels = pd.DataFrame({"language": "de", "item": range(40), "label": ["sports"] * 16 + ["health"] * 24})
    items = sib_items(lambda model, seed, item: item < 16, items=40)
    retrieved = pd.DataFrame(
        [
            {"model": "base", "language": "de", "item": i, "index_id": str(i), "retrieved": int(i < 14 or 30 <= i < 36)}
            for i in range(40)
        ]
    )
    row = claims.instance_level(items, retrieved, labels).iloc[0]
    assert row["degenerate"] and math.isnan(row["low"]) and math.isnan(row["p"])
    assert row["difference"] > 0.5  # what the old rule reported as an effect
    assert claims.PROBE_DEGENERATE in markdown(claims.instance_level_layout(pd.DataFrame([row])))
    # a probe that recalls two classes is not degenerate
    two = sib_items(lambda model, seed, item: item < 16 or item % 3 == 0, items=40)
    assert not claims.instance_level(two, retrieved, labels).iloc[0]["degenerate"]


def test_the_instance_level_corrects_across_cells():
    labels = pd.DataFrame({"language": "de", "item": range(24), "label": [i % 4 for i in range(24)]})
    retrieved = pd.DataFrame(
        [
            {"model": m, "language": "de", "item": i, "index_id": str(i), "retrieved": int(i < 12)}
            for m in ("base", ALIGNED)
            for i in range(24)
        ]
    )
    items = sib_items(
        lambda model, seed, item: (item < 10) if model == "base" else (item % 2 == 0), models=("base", ALIGNED)
    )
    table = claims.instance_level(items, retrieved, labels)
    assert table["q"].tolist() == pytest.approx(list(stats.benjamini_hochberg(table["p"])))
    assert table["significant"].tolist() == (table["q"] < 0.05).tolist()


def join_of(runs, *, steps=(40,), languages=("de", "ja", "ko"), seeds=(1, 2), tasks=(("sc", "full"),), gradient=None):
    """A join by hand: ``runs`` maps a run (pair, loss code) to f(step, language, seed) -> (Δ accuracy, Δ R@1);
    ``gradient`` maps a run to (cosine, baseline cosine) of its full runs."""
    rows = []
    for (pair, code), values in runs.items():
        for step in steps:
            for task, mode in tasks:
                for seed in seeds:
                    for language in languages:
                        accuracy, recall = values(step, language, seed)
                        row = {
                            "encoder": "E",
                            "run": f"{pair}_{code}",
                            "aligned_pair": pair,
                            "losses": code,
                            "step": step,
                            "task": task,
                            "mode": mode,
                            "seed": seed,
                            "language": language,
                            "model": f"{pair}_{code}_{step}",
                            "delta_accuracy": accuracy,
                            "delta_r1": recall,
                        }
                        if gradient and mode == "full":
                            cosine, baseline = gradient[(pair, code)]
                            row |= {"gradient_cosine": cosine, "gradient_baseline_cosine": baseline}
                        rows.append(row)
    return pd.DataFrame(rows)


def verdicts(join, **options):
    correlation = claims.correlations(join, 500, 0)
    return claims.claims(join, correlation, 40, options.get("threshold", 0.5), 0.1)


PAIRS = ["de-en", "en-kk", "ja-kk", "kk-ko"]
LANGUAGES = ("de", "es", "fa", "fr", "hi", "ja", "kk", "ko", "ru")
WITHIN = "sc, full, every step, within languages"


def test_alignment_that_predicts_transfer_is_supported_within_languages():
    """A run's gain in transfer follows its gain in alignment in every language, whatever the language adds."""
    rng = np.random.default_rng(1)
    level = {code: rank for rank, code in enumerate(CODES)}
    wobble = {(step, language): rng.normal(0, 0.3) for step in (20, 40) for language in ("de", "ja", "ko")}
    runs = {
        ("de-en", code): (
            lambda step, language, seed, g=level[code]: (g + wobble[step, language] + 0.01 * seed, 0.1 * g + 1)
        )
        for code in CODES
    }
    table = verdicts(join_of(runs, steps=(20, 40))).set_index(["claim", "scope"])
    within = table.loc[("predicts", "sc, full, every step, within languages")]
    # every language ranks the runs alike: ρ = 1 exactly, and an interval of [1, 1] with its verdict
    assert (within["value"], within["low"], within["high"]) == (1.0, 1.0, 1.0) and within["units"] == 7
    assert within["verdict"] == SUPPORTED and within["agrees"] == "no"  # the paper finds alignment a poor predictor
    codes = table.loc[("predicts", "sc, full, every step, within languages and loss codes")]  # one run per code
    assert codes["verdict"] == TOO_FEW and codes["agrees"] == "inconclusive"
    assert "1 run per loss code; 3 needed" in codes["note"]
    languages = table.loc[("predicts", "sc, full, every step, across languages")]
    assert languages["verdict"] == TOO_FEW and "3 languages allow 6 arrangements" in languages["note"]
    assert table.loc[("similarity", "aligned models at step 40"), "verdict"] == SUPPORTED  # Δ R@1 is 1 on average
    assert table.loc[("similarity", "aligned models at step 40"), "agrees"] == "yes"


def test_a_language_effect_alone_does_not_make_alignment_predict_transfer():
    """Alignment and transfer differ only by language: languages that gain more alignment also gain more
    transfer, but within a language a run's alignment says nothing of its transfer. Pooled over every point,
    Spearman's ρ is near 1; the claim's within-languages ρ is near 0, and the languages' own row finds them."""
    rng = np.random.default_rng(7)
    shift = dict(zip(LANGUAGES, np.linspace(-0.2, 0.2, len(LANGUAGES))))
    noise = {
        (pair, code, lang): rng.normal(0, 0.005, 2) for pair in PAIRS[:2] for code in CODES[:4] for lang in LANGUAGES
    }
    runs = {
        (pair, code): lambda step, language, seed, key=(pair, code): (
            shift[language] + noise[(*key, language)][0],
            shift[language] + noise[(*key, language)][1],
        )
        for pair in PAIRS[:2]
        for code in CODES[:4]
    }
    join = join_of(runs, languages=LANGUAGES, seeds=(1,))
    pooled = sps.spearmanr(join["delta_r1"], join["delta_accuracy"]).statistic
    assert pooled > 0.9  # what a pooled ρ over model x language points reports
    table = verdicts(join).set_index("scope")
    within = table.loc[WITHIN]
    assert within["units"] == 8 and within["low"] < 0 < within["high"] and within["p"] > 0.05
    assert within["verdict"] == CONTRADICTED
    across = table.loc["sc, full, every step, across languages"]
    assert across["units"] == 9 and across["value"] > 0.9 and across["verdict"] == SUPPORTED


def test_two_runs_per_loss_code_are_too_few_to_test_within_codes():
    rng = np.random.default_rng(3)
    runs = {
        (pair, code): (lambda step, language, seed, v=rng.normal(size=2): (v[0], v[1]))
        for pair in PAIRS[:2]
        for code in CODES[:3]
    }
    row = verdicts(join_of(runs)).set_index("scope").loc["sc, full, every step, within languages and loss codes"]
    assert row["verdict"] == TOO_FEW and math.isnan(row["low"]) and math.isnan(row["p"])
    assert "2 runs per loss code; 3 needed" in row["note"]


def test_codes_that_hurt_both_make_a_rho_that_is_not_there_within_codes():
    """Two loss codes, four pairs each: the word-only code loses retrieval and transfer, the other gains both,
    but inside each code alignment and transfer run opposite ways."""
    runs, wobble = {}, {"de": 0.02, "ja": -0.01, "ko": 0.0}
    for code, shift in (("S0W1M0", -1.0), ("S1W0M0", 1.0)):
        for rank, pair in enumerate(PAIRS):
            runs[(pair, code)] = lambda step, language, seed, s=shift, r=rank: (
                s - 0.1 * r + wobble[language],
                s + 0.1 * r,
            )
    table = verdicts(join_of(runs)).set_index("scope")
    assert table.loc[WITHIN, "value"] > 0.3  # across every run of a language, the codes make ρ positive
    within = table.loc["sc, full, every step, within languages and loss codes"]
    assert within["value"] == pytest.approx(-1) and within["verdict"] == CONTRADICTED and within["units"] == 8
    assert within["agrees"] == "yes"


def test_a_reliable_but_weak_rho_is_weak_and_agrees_with_the_paper():
    """28 runs whose transfer follows their alignment a little: ρ about 0.27, reliably above 0 and below 0.5."""
    rng = np.random.default_rng(1)
    gain = {(pair, code): rng.normal() for pair in PAIRS for code in CODES}
    noise = {(*key, lang, s): rng.normal() for key in gain for lang in LANGUAGES for s in (1, 2)}
    wobble = {(*key, lang): rng.normal() for key in gain for lang in LANGUAGES}
    runs = {
        key: lambda step, language, seed, key=key: (
            0.15 * gain[key] + 0.6 * noise[(*key, language, seed)],
            gain[key] + 0.2 * wobble[(*key, language)],
        )
        for key in gain
    }
    row = verdicts(join_of(runs, languages=LANGUAGES)).set_index("scope").loc[WITHIN]
    assert 0 < row["low"] < row["value"] < row["high"] < 0.5 and row["p"] < 0.05 and row["units"] == 28
    assert row["verdict"] == WEAK and row["agrees"] == "yes"
    assert "predicts transfer a little" in row["note"]


def test_one_and_two_aligned_models_are_too_few_units():
    for count in (1, 2):
        runs = {("de-en", code): (lambda step, language, seed: (0.032, 0.05)) for code in CODES[:count]}
        table = verdicts(join_of(runs, gradient={("de-en", code): (0.0, 0.9) for code in CODES[:count]}))
        assert set(table["verdict"]) == {TOO_FEW}, table[["claim", "verdict"]]
        assert table["low"].isna().all() and table["p"].isna().all()  # never [0.032, 0.032], p = 0.001
        assert set(table["agrees"]) == {"inconclusive"}
        assert f"{count} aligned model" in table.set_index("claim").loc["transfer", "note"]


def test_orthogonal_needs_a_stable_task_direction():
    runs = {("de-en", code): (lambda step, language, seed: (0.0, 0.0)) for code in CODES}
    near_zero = [-0.02, 0.01, 0.0, -0.01, 0.02, 0.005, -0.005]
    stable = {("de-en", code): (cosine, 0.85 + 0.01 * i) for i, (code, cosine) in enumerate(zip(CODES, near_zero))}
    noisy = {
        ("de-en", code): (cosine, [0.0, 0.3, -0.1, 0.2, 0.1, 0.25, 0.05][i])
        for i, (code, cosine) in enumerate(zip(CODES, near_zero))
    }
    table = verdicts(join_of(runs, gradient=stable)).set_index("claim")
    assert table.loc["orthogonal", "verdict"] == SUPPORTED and table.loc["orthogonal", "agrees"] == "yes"
    assert table.loc["orthogonal", "baseline_low"] > 0.1
    table = verdicts(join_of(runs, gradient=noisy)).set_index("claim")
    assert table.loc["orthogonal", "verdict"] == INCONCLUSIVE and table.loc["orthogonal", "agrees"] == "inconclusive"
    far = {key: (0.5 + 0.01 * i, 0.9) for i, key in enumerate(stable)}
    assert verdicts(join_of(runs, gradient=far)).set_index("claim").loc["orthogonal", "verdict"] == CONTRADICTED
    one_batch = {key: (cosine, math.nan) for key, (cosine, _) in stable.items()}
    row = verdicts(join_of(runs, gradient=one_batch)).set_index("claim").loc["orthogonal"]
    assert row["verdict"] == INCONCLUSIVE and "one gradient batch" in row["note"]


def test_a_linear_only_grid_says_why_it_has_no_gradient_claim():
    runs = {("de-en", code): (lambda step, language, seed: (0.01, 0.02)) for code in CODES}
    table = verdicts(join_of(runs, tasks=(("pos", "linear"), ("sc", "linear"))))
    row = table.set_index("claim").loc["orthogonal"]
    assert row["verdict"] == "not tested" and "finetune.modes" in row["note"] and row["agrees"] == ""
    assert set(table[table["claim"] == "transfer"]["scope"]) == {"pos, linear, step 40", "sc, linear, step 40"}
    assert "not tested" in markdown(claims.claims_layout(table))


def test_a_negative_rho_is_contradicted_not_inconclusive():
    wobble = {"de": 0.03, "ja": -0.02, "ko": 0.0}
    runs = {
        ("de-en", code): (lambda step, language, seed, r=rank: (-0.1 * r + wobble[language], 0.1 * r))
        for rank, code in enumerate(CODES)
    }
    row = verdicts(join_of(runs)).set_index("scope").loc[WITHIN]
    assert row["value"] < -0.8 and row["high"] < 0 and row["verdict"] == CONTRADICTED


def test_where_table1_and_the_claim_seem_to_disagree_a_sentence_says_why():
    # every model gains a little and its two seeds agree closely: Table 1 is green, but the models differ
    # in sign from each other, so their mean's interval includes 0
    gains = [0.05, -0.04, 0.06, -0.05, 0.04, -0.06, 0.01]
    runs = {
        ("de-en", code): (lambda step, language, seed, g=g: (g + 0.001 * seed, 0.0)) for code, g in zip(CODES, gains)
    }
    row = verdicts(join_of(runs)).set_index("claim").loc["transfer"]
    assert (
        row["verdict"] == INCONCLUSIVE
        and "the models differ from each other more than each one's seeds do" in row["note"]
    )
    assert row["paper"].startswith("No reliable gain") and row["agrees"] == "yes"  # full fine-tuning: no reliable gain


def encoders_join():
    """Two encoders' joins by hand: A's aligned models gain 0.1 in accuracy, B's lose 0.1."""
    rows = []
    for encoder, gain in (("A", 0.1), ("B", -0.1)):
        for number, code in enumerate(["S0W0M1", "S0W1M0", "S1W0M0", "S1W1M1"]):
            for language in ("de", "ja"):
                rows.append(
                    {
                        "encoder": encoder,
                        "run": f"de-en_{code}",
                        "aligned_pair": "de-en",
                        "losses": code,
                        "step": 40,
                        "task": "sc",
                        "mode": "full",
                        "seed": 1,
                        "language": language,
                        "model": f"de-en_{code}_40",
                        "delta_accuracy": gain + 0.01 * number,
                        "delta_r1": 0.2 + 0.01 * number,
                    }
                )
    return pd.DataFrame(rows)


def test_across_encoders_the_models_of_every_encoder_are_pooled_and_the_encoders_compared():
    join = encoders_join()
    joined = claims.join_encoders([block for _, block in join.groupby("encoder")])
    assert list(joined.columns)[0] == "encoder" and len(joined) == len(join)
    assert claims.pooled(join)["model"].nunique() == 8 and claims.pooled(join)["run"].nunique() == 8  # two units each
    pooled = claims.pooled_claims(join, 40, 500, 0, 0.5, 0.1).set_index("claim")
    assert pooled.loc["transfer", "units"] == 8 and pooled.loc["transfer", "value"] == pytest.approx(
        0.015
    )  # (0.1 - 0.1) / 2 + 0.015
    assert pooled.loc["transfer", "scope"].startswith("every encoder: ")
    within = pooled[pooled["scope"].str.endswith("within languages and loss codes")].iloc[0]
    assert within["units"] == 8 and "2 runs per loss code; 3 needed" in within["note"]  # a run of each encoder
    differences = claims.encoder_differences(join, 40, 10_000, 0).set_index("claim")
    # transfer: 4 models each, means 0.115 and -0.085; exact over the C(8, 4) = 70 labellings, 2 of them as far apart
    assert differences.loc["transfer", "means"] == "A 0.1150; B -0.0850" and differences.loc["transfer", "units"] == 8
    assert (
        differences.loc["transfer", "p"] == pytest.approx(2 / 70)
        and differences.loc["transfer", "verdict"] == SUPPORTED
    )
    assert differences.loc["similarity", "p"] == pytest.approx(1.0)  # the same Δ R@1 on both encoders
    each = claims.join_encoders([pooled.reset_index().assign(encoder=name) for name in ("A", "B")])
    text = markdown(claims.encoders_layout(each, differences.reset_index()))
    assert (
        "| Claim | Scope | A | B |" in text
        and "| transfer | sc, full, step 40 | A 0.1150; B -0.0850 (n=8) | 0.0286 | **supported** |" in text
    )
    assert "nothing to compare" in markdown(claims.encoders_layout(each, differences.reset_index().assign(encoders=1)))


def test_the_figure_draws_what_the_claim_tests_and_prints_its_verdict():
    """Language effects alone: the figure centres each language (so its points gather around 0 in every
    language), prints the claim's ρ, interval, p and verdict in the panel, fits no line, and its title fits."""
    from align_transfer.claims.figure import alignment_vs_transfer

    shift = dict(zip(LANGUAGES, np.linspace(-0.2, 0.2, len(LANGUAGES))))
    rng = np.random.default_rng(0)
    noise = {(code, lang): rng.normal(0, 0.005, 2) for code in CODES for lang in LANGUAGES}
    runs = {
        ("de-en", code): lambda step, language, seed, code=code: (
            shift[language] + noise[(code, language)][0],
            shift[language] + noise[(code, language)][1],
        )
        for code in CODES
    }
    join = join_of(runs, languages=LANGUAGES, seeds=(1,))
    table = verdicts(join)
    figure = alignment_vs_transfer(claims.language_points(join), table, "E, synthetic mini world")
    axis = figure.axes[0]
    offsets = np.concatenate([collection.get_offsets() for collection in axis.collections])
    assert np.abs(offsets).max() < 0.02  # centred within each language: the ±0.2 language shifts are gone
    row = table.set_index("scope").loc[WITHIN]
    text = " ".join(t.get_text() for t in axis.texts)
    assert f"ρ within languages = {row['value']:.2f}" in text and row["verdict"] in text and "p = " in text
    drawn = [line for line in axis.lines if len(line.get_xdata())]  # the legend's markers hold no data
    assert len(drawn) == 2  # the two axes at 0, no fitted line
    figure.canvas.draw()
    box = figure._suptitle.get_window_extent()
    width, height = figure.canvas.get_width_height()
    assert 0 <= box.x0 and box.x1 <= width and box.y1 <= height


def test_a_point_missing_from_the_join_is_an_error_naming_its_run_language_step_and_file():
    runs = {("de-en", code): (lambda step, language, seed: (0.01, 0.02)) for code in CODES}
    join = join_of(runs, steps=(20, 40))
    gap = (join["run"] == "de-en_S0W1M0") & (join["language"] == "ja") & (join["step"] == 20)
    with pytest.raises(ValueError) as error:
        claims.correlations(
            join.assign(delta_r1=join["delta_r1"].mask(gap)), 100, 0, source="results/E/claims/join.csv"
        )
    message = str(error.value)
    assert message.startswith("results/E/claims/join.csv (sc, full): run de-en_S0W1M0 has no delta_r1")
    assert "language ja at step 20" in message
    with pytest.raises(ValueError, match="results/E/claims/join.csv: no Δ accuracy for run de-en_S0W1M0, language ja"):
        table = claims.correlations(join, 100, 0)
        claims.claims(
            join.assign(delta_accuracy=join["delta_accuracy"].mask(gap)),
            table,
            40,
            0.5,
            0.1,
            source="results/E/claims/join.csv",
        )


def test_each_claim_s_wording_appears_once_and_the_headline_has_a_line_per_claim():
    rng = np.random.default_rng(1)
    runs = {("de-en", code): (lambda step, language, seed, v=rng.normal(size=2): (v[0], v[1])) for code in CODES}
    table = verdicts(join_of(runs, tasks=(("pos", "full"), ("sc", "full"))))
    text = markdown(claims.claims_layout(table))
    for hypothesis in table["hypothesis"].unique():
        assert text.count(hypothesis) == 1
    for finding in table["paper"].unique():
        assert text.count(finding) == 1
    headline = claims.claim_sentences(table)
    assert [line.split(":")[0] for line in headline[:-1]] == [claims.CLAIM_NAMES[c] for c in table["claim"].unique()]
    assert headline[-1].startswith("Against the paper's own findings")
