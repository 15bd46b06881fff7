"""The metrics registry: span F1's entities and counts by hand and against seqeval, and a task scored by F1
through Table 1, its significance, the join and the claims, as an accuracy task goes."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from align_transfer.claims import claims
from align_transfer.core.metrics import METRICS, entity_spans, span_counts
from align_transfer.core.tasks import TASKS

TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


def test_entities_are_iob2_chunks_as_seqeval_reads_them():
    assert entity_spans(["B-PER", "I-PER", "O", "B-LOC"]) == {("PER", 0, 1), ("LOC", 3, 3)}
    assert entity_spans(["I-ORG", "I-ORG", "B-ORG", "I-LOC"]) == {("ORG", 0, 1), ("ORG", 2, 2), ("LOC", 3, 3)}
    assert entity_spans(["O", "O"]) == set()
    # R.H. Saunders ( St. Lawrence River ) ( 968 MW ): WikiANN's own first example
    tags = ["B-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG"]
    assert entity_spans(tags) == {("ORG", 0, 10)}
    assert span_counts(["B-PER", "I-PER", "O", "B-LOC"], ["B-PER", "O", "O", "B-LOC"]) == {
        "true_positives": 1,  # LOC; PER's ends differ
        "predicted": 2,
        "gold": 2,
    }


def test_span_f1_is_seqeval_s_micro_f1_on_random_sequences():
    seqeval = pytest.importorskip("seqeval.metrics")
    rng = np.random.default_rng(0)
    for _ in range(200):
        lengths = rng.integers(1, 12, size=rng.integers(1, 6))
        gold = [[TAGS[i] for i in rng.integers(0, len(TAGS), n)] for n in lengths]
        predicted = [[TAGS[i] for i in rng.integers(0, len(TAGS), n)] for n in lengths]
        counts = pd.DataFrame([span_counts(p, g) for p, g in zip(predicted, gold)])
        expected = seqeval.f1_score(gold, predicted, zero_division=0)
        score = METRICS["f1"].score(counts)
        assert (score if score == score else 0.0) == pytest.approx(expected, abs=1e-12)


@pytest.fixture
def ner(monkeypatch):
    """A token task scored by span F1, registered for the test."""
    monkeypatch.setitem(TASKS, "ner", replace(TASKS["ner"], name="ner", title="NER", label_set="test_metrics:TAGS"))
    return "ner"


def items(rng, models, seeds, languages=("de", "ja"), count=6):
    rows = []
    for model in models:
        for seed in seeds:
            for language in languages:
                for item in range(count):
                    gold = int(rng.integers(1, 4))
                    predicted = int(rng.integers(0, 4))
                    hits = int(rng.integers(0, min(gold, predicted) + 1))
                    rows.append(
                        {
                            "encoder": "E",
                            "task": "ner",
                            "mode": "full",
                            "model": model,
                            "seed": seed,
                            "language": language,
                            "item": item,
                            "true_positives": hits,
                            "predicted": predicted,
                            "gold": gold,
                        }
                    )
    return pd.DataFrame(rows)


def test_an_f1_task_s_item_contributions_average_to_its_delta_by_hand(ner):
    """Span F1's denominators differ from unit to unit: each unit's own divides, and a model's contributions still
    average to its Δ F1 (mean over seeds of the mean over languages, minus the base encoder's)."""
    rng = np.random.default_rng(1)
    models, seeds = ["base", "de-en_S1W0M0_40", "de-en_S0W1M0_40"], [1, 2]
    frame = items(rng, models, seeds)
    units = [(m, s) for m in models for s in seeds]
    per_language = claims._per_language(frame, units, "ner")
    contributions, _ = claims.item_contributions(per_language, len(models), len(seeds), paired=False)

    def f1(model, seed, language):
        rows = frame[(frame["model"] == model) & (frame["seed"] == seed) & (frame["language"] == language)]
        return 2 * rows["true_positives"].sum() / (rows["predicted"].sum() + rows["gold"].sum())

    def score(model):
        return np.mean([np.mean([f1(model, s, lang) for lang in ("de", "ja")]) for s in seeds])

    for index, model in enumerate(models[1:]):
        assert contributions[index].mean() == pytest.approx(score(model) - score("base"), rel=1e-12)


def test_table1_and_its_significance_score_an_f1_task_by_f1(ner):
    from align_transfer.tables.tables import table1

    rng = np.random.default_rng(2)
    models = ["base", "de-en_S1W0M0_40"]
    frame = items(rng, models, [1, 2, 3])
    significance, noise = claims.table1_significance(frame, 40, 500, 0, 0.05)
    runs = frame.groupby(["encoder", "task", "mode", "model", "seed", "language"], as_index=False)[
        ["true_positives", "predicted", "gold"]
    ].sum()
    runs["f1"] = 2 * runs["true_positives"] / (runs["predicted"] + runs["gold"])
    by_seed = runs.groupby(["model", "seed"])["f1"].mean()
    delta = by_seed["de-en_S1W0M0_40"].mean() - by_seed["base"].mean()
    row = significance.iloc[0]
    assert row["delta"] == pytest.approx(delta, rel=1e-12) and row["low"] <= row["delta"] <= row["high"]
    table = table1(runs.assign(n=1), 40).set_index(["pair", "losses"])
    assert table.loc[("de-en", "S1W0M0"), "mean"] == pytest.approx(delta, rel=1e-12)
    assert noise.iloc[0]["items"] == 12  # 6 items in each of 2 languages, each language its own stratum


def test_the_join_and_the_claims_read_each_task_s_own_metric(ner):
    from test_claims import join_of

    join = join_of({("de-en", code): (lambda step, language, seed: (0.01, 0.02)) for code in ["S1W0M0", "S0W1M0"]})
    ner_rows = join.assign(task="ner", delta_f1=join["delta_accuracy"] * 2, delta_accuracy=np.nan)
    both = pd.concat([join, ner_rows], ignore_index=True)
    table = claims.claims(both, claims.correlations(both, 100, 0), 40, 0.5, 0.1)
    transfer = table[table["claim"] == "transfer"].set_index("scope")
    assert transfer.loc["ner, full, step 40", "value"] == pytest.approx(0.02)
    assert transfer.loc["sc, full, step 40", "value"] == pytest.approx(0.01)
    assert "Δ span F1" in transfer.loc["ner, full, step 40", "statistic"]
    assert "Δ accuracy" in transfer.loc["sc, full, step 40", "statistic"]


def test_zero_shot_scores_an_f1_task_by_the_spans_of_each_item(ner):
    """A probe whose predictions are given: each item's counts are its spans', and the run's F1 is theirs."""
    import torch

    from align_transfer.finetuning.finetune import Features, zero_shot

    gold = [["B-PER", "I-PER", "O"], ["B-LOC", "O"], ["O"]]
    guessed = [["B-PER", "I-PER", "O"], ["B-ORG", "O"], ["B-LOC"]]
    flat = [TAGS.index(tag) for sentence in gold for tag in sentence]
    offsets = np.cumsum([0, *(len(sentence) for sentence in gold)]).tolist()
    logits = torch.nn.functional.one_hot(torch.tensor([TAGS.index(t) for s in guessed for t in s]), len(TAGS))

    class Given(torch.nn.Module):  # returns the given logits of the rows it is asked for, in order
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(1))

        def forward(self, states):
            return logits[states.long().flatten()].float()

    features = Features(torch.arange(len(flat)).float()[:, None], torch.tensor(flat), offsets)
    rows, per_item = zero_shot(Given(), {"de": features}, "ner")
    assert [{k: r[k] for k in ("true_positives", "predicted", "gold")} for r in per_item] == [
        {"true_positives": 1, "predicted": 1, "gold": 1},
        {"true_positives": 0, "predicted": 1, "gold": 1},
        {"true_positives": 0, "predicted": 1, "gold": 0},
    ]
    assert rows == [{"language": "de", "n": 6, "f1": pytest.approx(2 * 1 / (3 + 2))}]
