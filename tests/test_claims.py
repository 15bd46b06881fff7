"""The claims layer on hand-made results: the join, Table 1's intervals, the instance level, and each verdict
of docs/design.md §7 on inputs whose verdict is known by construction."""

import math

import numpy as np
import pandas as pd
import pytest

from align_transfer.claims import claims
from align_transfer.claims.stats import CONTRADICTED, INCONCLUSIVE, SUPPORTED, TOO_FEW
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
    """Per-item scores of base and one aligned encoder: 2 seeds, 2 languages of 6 and 4 items."""
    rows = []
    for model, p in (("base", 0.5), (ALIGNED, 0.7)):
        for seed in (1, 2):
            for language, n in (("de", 6), ("ja", 4)):
                for item in range(n):
                    rows.append(
                        {
                            "task": "sc",
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
    table = claims.table1_significance(items, 40, 2000, 0, 0.05)
    # Table 1 from the same runs' accuracies: the same Δ
    accuracy = items.groupby(["task", "mode", "model", "seed", "language"], as_index=False)["correct"].mean()
    expected = table1(accuracy.rename(columns={"correct": "accuracy"}), 40)
    row = table.iloc[0]
    assert row["delta"] == pytest.approx(expected[expected["pair"] == "de-en"]["mean"].iloc[0])
    assert row["low"] <= row["delta"] <= row["high"] and 0 < row["p"] <= 1
    assert row["p_holm"] == pytest.approx(row["p"])  # one cell: Holm leaves it alone
    assert (row["seeds"], row["items"]) == (2, 10)


def test_the_instance_level_compares_retrieved_items_with_the_rest():
    right = set(range(9)) | {12, 13, 14}  # 9 of the 12 retrieved items, 3 of the 12 others
    items = pd.DataFrame(
        [
            {
                "task": "sc",
                "mode": "full",
                "model": "base",
                "seed": s,
                "language": "de",
                "item": i,
                "correct": int(i in right),
                "total": 1,
            }
            for s in (1, 2)
            for i in range(24)
        ]
    )
    retrieved = pd.DataFrame(
        [
            {"model": "base", "language": "de", "item": i, "index_id": str(i), "retrieved": int(i < 12)}
            for i in range(24)
        ]
    )
    row = claims.instance_level(items, retrieved, 500, 500, 0).iloc[0]
    assert row["difference"] == pytest.approx(0.5) and (row["items"], row["in_group"]) == (24, 12)
    assert row["low"] < 0.5 < row["high"] and row["p"] < 0.05
    small = claims.instance_level(items, retrieved.assign(retrieved=lambda f: (f["item"] < 3).astype(int)), 500, 500, 0)
    assert small.iloc[0]["in_group"] == 3 and math.isnan(small.iloc[0]["low"])  # 3 items < min_group 10: no interval
    assert "(3 in a group)" in markdown(claims.instance_level_layout(small))


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
    correlation = claims.correlations(join, 500, 500, 0)
    return claims.claims(join, correlation, 40, 500, 0, options.get("threshold", 0.5), 0.1)


def test_alignment_that_predicts_transfer_is_supported_across_runs():
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
    across = table.loc[("predicts", "sc, full, every step, across runs")]
    assert across["value"] > 0.8 and across["low"] > 0.5 and across["verdict"] == SUPPORTED and across["units"] == 7
    assert across["agrees"] == "no"  # the paper finds alignment a poor predictor
    within = table.loc[("predicts", "sc, full, every step, within loss codes")]  # one run per code: nothing to rank
    assert within["verdict"] == TOO_FEW and within["units"] == 0 and within["agrees"] == "inconclusive"
    assert "nothing to rank within a code" in within["note"]
    assert table.loc[("similarity", "aligned models at step 40"), "verdict"] == SUPPORTED  # Δ R@1 is 1 on average
    assert table.loc[("similarity", "aligned models at step 40"), "agrees"] == "yes"


def test_codes_that_hurt_both_make_a_pooled_rho_that_is_not_there_within_codes():
    """Two loss codes, four pairs each: the word-only code loses retrieval and transfer, the other gains both,
    but inside each code alignment and transfer run opposite ways."""
    runs, wobble = {}, {"de": 0.02, "ja": -0.01, "ko": 0.0}
    for code, shift in (("S0W1M0", -1.0), ("S1W0M0", 1.0)):
        for rank, pair in enumerate(["de-en", "en-kk", "ja-kk", "kk-ko"]):
            runs[(pair, code)] = lambda step, language, seed, s=shift, r=rank: (
                s - 0.1 * r + wobble[language],
                s + 0.1 * r,
            )
    table = verdicts(join_of(runs)).set_index("scope")
    assert table.loc["sc, full, every step, across runs", "value"] > 0.5
    within = table.loc["sc, full, every step, within loss codes"]
    assert within["value"] < -0.8 and within["verdict"] == CONTRADICTED and within["units"] == 8
    assert within["agrees"] == "yes"


def test_one_and_two_aligned_models_are_too_few_units():
    for count in (1, 2):
        runs = {("de-en", code): (lambda step, language, seed: (0.032, 0.05)) for code in CODES[:count]}
        table = verdicts(join_of(runs, gradient={("de-en", code): (0.0, 0.9) for code in CODES[:count]}))
        assert set(table["verdict"]) == {TOO_FEW}, table[["claim", "verdict"]]
        assert table["low"].isna().all() and table["p"].isna().all()  # never [0.032, 0.032], p = 0.001
        assert set(table["agrees"]) == {"inconclusive"}


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
    row = verdicts(join_of(runs)).set_index("scope").loc["sc, full, every step, across runs"]
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
    pooled = claims.pooled_claims(join, 40, 500, 500, 0, 0.5, 0.1).set_index("claim")
    assert pooled.loc["transfer", "units"] == 8 and pooled.loc["transfer", "value"] == pytest.approx(
        0.015
    )  # (0.1 - 0.1) / 2 + 0.015
    assert pooled.loc["transfer", "scope"].startswith("every encoder: ")
    within = pooled[pooled["scope"].str.endswith("within loss codes")].iloc[0]
    assert within["units"] == 8  # each code has a run of each encoder: something to rank within codes
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
