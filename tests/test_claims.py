"""The claims layer on tiny hand-made results: the join, Table 1's intervals, the instance level, the verdicts."""

import math

import numpy as np
import pandas as pd
import pytest

from align_transfer import claims
from align_transfer.tables import JOIN_GROUP, table1

ALIGNED = "de-en_S1W0M0_40"


def zeroshot_rows():
    accuracy = {("base", 1, "de"): 0.50, ("base", 2, "de"): 0.60, ("base", 1, "en"): 0.90, ("base", 2, "en"): 0.80,
                (ALIGNED, 1, "de"): 0.58, (ALIGNED, 2, "de"): 0.62, (ALIGNED, 1, "en"): 0.85, (ALIGNED, 2, "en"): 0.85}  # fmt: skip
    return pd.DataFrame([{"task": "sc", "mode": "full", "model": m, "seed": s, "language": lang, "n": 10, "accuracy": a}
                         for (m, s, lang), a in accuracy.items()])  # fmt: skip


def test_the_join_sets_each_language_s_transfer_beside_its_alignment_with_the_source():
    similarity = pd.DataFrame([
        {"model": "base", "level": "sentence", "group": JOIN_GROUP, "pair": "de-en", "layer": 2, "cosine": 0.30, "gap": 0.10},
        {"model": ALIGNED, "level": "sentence", "group": JOIN_GROUP, "pair": "de-en", "layer": 2, "cosine": 0.45, "gap": 0.12},
        {"model": ALIGNED, "level": "sentence", "group": "Table 2", "pair": "deu-eng", "layer": 2, "cosine": 0.99, "gap": 0.9},
    ])  # fmt: skip
    retrieval = pd.DataFrame([{"model": m, "group": JOIN_GROUP, "pair": "de-en", "direction": d, "k": 1, "recall": r}
                              for m, d, r in [("base", "de->en", 0.2), ("base", "en->de", 0.4),
                                              (ALIGNED, "de->en", 0.5), (ALIGNED, "en->de", 0.7)]])  # fmt: skip
    gradients = pd.DataFrame([{"model": ALIGNED, "task": "sc", "seed": 1, "batch": b, "cosine": c, "baseline_cosine": bc,
                               "task_norm": 2.0, "alignment_norm": 4.0} for b, c, bc in [(0, 0.1, math.nan), (1, 0.3, 0.5)]])  # fmt: skip
    join = claims.transfer_join(zeroshot_rows(), similarity, retrieval, gradients, [2])
    assert len(join) == 4 and set(join["model"]) == {ALIGNED} and join["step"].tolist() == [40] * 4
    de = join[(join["language"] == "de") & (join["seed"] == 1)].iloc[0]
    assert de["delta_accuracy"] == pytest.approx(0.58 - 0.55)  # against the base's mean over seeds
    assert de["delta_cosine_l2"] == pytest.approx(0.15) and de["delta_gap_l2"] == pytest.approx(0.02)
    assert de["delta_r1"] == pytest.approx(0.6 - 0.3)  # both directions averaged, then Δ
    assert de["gradient_cosine"] == pytest.approx(0.2) and de["gradient_baseline_cosine"] == pytest.approx(0.5)
    assert math.isnan(join[(join["language"] == "de") & (join["seed"] == 2)].iloc[0]["gradient_cosine"])  # not kept
    assert math.isnan(join[join["language"] == "en"].iloc[0]["delta_r1"])  # the source with itself


def items_frame(rng):
    """Per-item scores of base and one aligned encoder: 2 seeds, 2 languages of 6 and 4 items."""
    rows = []
    for model, p in (("base", 0.5), (ALIGNED, 0.7)):
        for seed in (1, 2):
            for language, n in (("de", 6), ("ja", 4)):
                for item in range(n):
                    rows.append({"task": "sc", "mode": "full", "model": model, "seed": seed, "language": language,
                                 "item": item, "correct": int(rng.random() < p), "total": 1})  # fmt: skip
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
    items = pd.DataFrame([{"task": "sc", "mode": "full", "model": "base", "seed": s, "language": "de", "item": i,
                           "correct": int(i < 3), "total": 1} for s in (1, 2) for i in range(6)])  # fmt: skip
    retrieved = pd.DataFrame([{"model": "base", "language": "de", "item": i, "index_id": str(i), "retrieved": int(i < 3)}
                              for i in range(6)])  # fmt: skip
    row = claims.instance_level(items, retrieved, 500, 0).iloc[0]
    assert row["difference"] == 1.0 and (row["items"], row["in_group"]) == (6, 3)
    assert "base" in claims.instance_level_markdown(claims.instance_level(items, retrieved, 500, 0))


def test_verdicts_come_from_the_results():
    rng = np.random.default_rng(1)
    rows = []
    codes = ["S0W0M1", "S0W1M0", "S0W1M1", "S1W0M0", "S1W0M1", "S1W1M0"]
    for number in range(12):
        model = f"de-en_{codes[number % 6]}_{40 if number < 6 else 20}"
        for language in ("de", "ja", "ko"):
            gain = rng.normal()
            rows.append({"aligned_pair": "de-en", "losses": model.split("_")[1], "step": int(model.split("_")[2]),
                         "task": "sc", "mode": "full", "seed": 1, "language": language, "model": model,
                         "delta_accuracy": gain, "delta_r1": 0.1 * gain + 1,  # transfer follows alignment exactly
                         "gradient_cosine": rng.normal(0, 0.01), "gradient_baseline_cosine": rng.normal(0, 0.01)})  # fmt: skip
    join = pd.DataFrame(rows)
    correlation = claims.correlations(join, 500, 500, 0)
    verdicts = claims.claims(join, correlation, 40, 500, 0, 0.5, 0.1).set_index("claim")
    assert verdicts.loc["predicts", "value"] == pytest.approx(1.0) and verdicts.loc["predicts", "verdict"] == "supported"
    assert verdicts.loc["similarity", "verdict"] == "supported"  # Δ R@1 is 1 on average
    assert verdicts.loc["orthogonal", "verdict"] == "supported"
    assert "supported" in claims.claims_markdown(verdicts.reset_index())
    assert set(correlation["level"]) == {"language", "model"} and set(correlation["method"]) == {"spearman", "pearson"}
    # one gradient batch a run: no baseline, so "orthogonal" cannot be supported
    verdicts = claims.claims(join.assign(gradient_baseline_cosine=math.nan), correlation, 40, 500, 0, 0.5, 0.1)
    assert verdicts.set_index("claim").loc["orthogonal", "verdict"] == "inconclusive"


def encoders_join():
    """Two encoders' joins by hand: A's aligned models gain 0.1 in accuracy, B's lose 0.1."""
    rows = []
    for encoder, gain in (("A", 0.1), ("B", -0.1)):
        for number, code in enumerate(["S0W0M1", "S0W1M0", "S1W0M0", "S1W1M1"]):
            for language in ("de", "ja"):
                rows.append({"encoder": encoder, "aligned_pair": "de-en", "losses": code, "step": 40, "task": "sc",
                             "mode": "full", "seed": 1, "language": language, "model": f"de-en_{code}_40",
                             "delta_accuracy": gain + 0.01 * number, "delta_r1": 0.2 + 0.01 * number})  # fmt: skip
    return pd.DataFrame(rows)


def test_across_encoders_the_models_of_every_encoder_are_pooled_and_the_encoders_compared():
    join = encoders_join()
    joined = claims.join_encoders({name: block.drop(columns="encoder") for name, block in join.groupby("encoder")})
    assert list(joined.columns)[0] == "encoder" and len(joined) == len(join)
    assert claims.pooled(join)["model"].nunique() == 8  # the same model name of two encoders: two units
    pooled = claims.pooled_claims(join, 40, 500, 500, 0, 0.5, 0.1).set_index("claim")
    assert pooled.loc["transfer", "n"] == 8 and pooled.loc["transfer", "value"] == pytest.approx(0.015)  # (0.1 - 0.1) / 2 + 0.015
    assert pooled.loc["transfer", "scope"].startswith("every encoder: ")
    differences = claims.encoder_differences(join, 40, 10_000, 0).set_index("claim")
    # transfer: 4 models each, means 0.115 and -0.085; exact over the C(8, 4) = 70 labellings, 2 of them as far apart
    assert differences.loc["transfer", "means"] == "A 0.1150; B -0.0850" and differences.loc["transfer", "units"] == 8
    assert differences.loc["transfer", "p"] == pytest.approx(2 / 70) and differences.loc["transfer", "verdict"] == "supported"
    assert differences.loc["similarity", "p"] == pytest.approx(1.0)  # the same Δ R@1 on both encoders
    each = claims.join_encoders({"A": pooled.reset_index(), "B": pooled.reset_index()})
    markdown = claims.encoders_markdown(each, differences.reset_index())
    assert "| Claim | Scope | A | B |" in markdown and "| transfer | sc, full, step 40 | A 0.1150; B -0.0850 (n=8) | 0.0286 | **supported** |" in markdown
    assert "nothing to compare" in claims.encoders_markdown(each, differences.reset_index().assign(encoders=1))
