"""Aligned checkpoints as Hub repositories: the model card's fields and numbers, and the folder as it loads."""

import os

import pandas as pd
import pytest
import yaml

from align_transfer.core import layout
from align_transfer.report.hub import TABLE2_PAIRS, model_card, publish_checkpoint, retrieval_summary

ENCODER = {
    "name": "XLM-R",
    "source": "hub",
    "hub_id": "FacebookAI/xlm-roberta-base",
    "revision": "e736",
    "mlm_head": True,
}
CORPUS = {"pair": "de-en", "corpus": "Europarl", "version": "v8", "cap": 100000}


def retrieval_rows(model, recalls):
    """Rows of an embedding job's retrieval CSV: ``recalls`` maps (group, pair, direction, k) to a recall."""
    return pd.DataFrame(
        [
            {"model": model, "group": g, "pair": p, "direction": d, "k": k, "layer": 8, "recall": r}
            for (g, p, d, k), r in recalls.items()
        ]
        + [{"model": model, "group": "A", "pair": "deu-eng", "direction": "x", "k": 1, "layer": 4, "recall": 9.0}]
    )


def test_retrieval_summary_averages_directions_then_pairs_per_group_against_base():
    model = {
        ("A", "deu-eng", "deu->eng", 1): 0.5,
        ("A", "deu-eng", "eng->deu", 1): 0.7,  # pair: 0.6
        ("A", "kaz-eng", "kaz->eng", 1): 0.2,
        ("A", "kaz-eng", "eng->kaz", 1): 0.4,  # pair: 0.3; group A: 0.45
        ("B", "spa-fra", "spa->fra", 1): 0.9,
        ("B", "spa-fra", "fra->spa", 1): 0.9,  # group B: 0.9
        (layout.JOIN_GROUP, "deu-eng", "deu->eng", 1): 0.1,
        (layout.JOIN_GROUP, "deu-eng", "eng->deu", 1): 0.1,
    }
    base = {key: 0.1 for key in model}
    summary = retrieval_summary(retrieval_rows("de-en_S1W1M1_6000", model), retrieval_rows("base", base), layer=8)
    assert summary.loc["A", "R@1"] == pytest.approx(0.45) and summary.loc["B", "R@1"] == pytest.approx(0.9)
    assert summary.loc["A", "Δ R@1"] == pytest.approx(0.35)
    assert summary.loc[TABLE2_PAIRS, "R@1"] == pytest.approx((0.6 + 0.3 + 0.9) / 3)  # not the join group's pair
    assert summary.loc[layout.JOIN_GROUP, "R@1"] == pytest.approx(0.1)


def test_a_published_checkpoint_carries_its_card_and_log_and_loads_as_it_is(tiny, tmp_path):
    import shutil

    from transformers import AutoModelForMaskedLM, AutoTokenizer

    checkpoint = tmp_path / "step3000"
    shutil.copytree(tiny / "encoder", checkpoint)
    (checkpoint / ".snakemake_timestamp").touch()  # snakemake marks a folder output so
    log = pd.DataFrame(
        {"step": [str(s) for s in range(50, 6001, 50)], "loss_total": [f"{s / 1e4:.4f}" for s in range(120)]}
    )
    scores = retrieval_summary(
        retrieval_rows("de-en_S1W0M1_3000", {("A", "deu-eng", "d", 1): 0.5}),
        retrieval_rows("base", {("A", "deu-eng", "d", 1): 0.25}),
        layer=8,
    )
    settings = {"learning_rate": 1e-5, "batch_size": 16, "temperature": 0.1}
    card = model_card("de-en_S1W0M1_3000", ENCODER, CORPUS, settings, log, scores, "abc123")
    publish_checkpoint(checkpoint, tmp_path / "hub", card, log, step=3000)

    text = (tmp_path / "hub/README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---")[1])
    assert front["base_model"] == "FacebookAI/xlm-roberta-base" and front["language"] == ["de", "en"]
    assert front["library_name"] == "transformers" and "loss-S1W0M1" in front["tags"]
    assert "# XLM-R aligned on de-en with S1W0M1, 3,000 steps" in text
    assert "Europarl v8" in text and "at most 100,000 sentence pairs" in text and "revision `e736`" in text
    assert "L_S, the sentence-level" in text and "L_M, masked" in text and "L_W" not in text.split("##")[0]
    assert "| learning_rate | 1e-05 |" in text and "| temperature | 0.1 |" in text
    assert "| 3000 | 0.0059 |" in text and "| 3050 |" not in text  # the log ends at the checkpoint's step
    assert "| A | 0.5000 | 0.2500 |" in text

    logged = pd.read_csv(tmp_path / "hub/train_log.csv")
    assert logged["step"].max() == 3000 and len(logged) == 60
    assert not (tmp_path / "hub/.snakemake_timestamp").exists()
    assert os.stat(tmp_path / "hub/model.safetensors").st_ino == os.stat(checkpoint / "model.safetensors").st_ino
    AutoModelForMaskedLM.from_pretrained(tmp_path / "hub")
    AutoTokenizer.from_pretrained(tmp_path / "hub")


def test_a_mini_world_card_says_its_languages_are_synthetic():
    log = pd.DataFrame({"step": ["20", "40"], "loss_total": ["1.0", "0.9"]})
    scores = retrieval_summary(
        retrieval_rows("de-en_S1W0M1_40", {("A", "deu-eng", "d", 1): 0.5}),
        retrieval_rows("base", {("A", "deu-eng", "d", 1): 0.25}),
        layer=2,
    )
    mini = {"name": "MiniXLM-R", "source": "mini", "mlm_head": True}
    text = model_card("de-en_S1W0M1_40", mini, CORPUS, {}, log, scores)
    front = yaml.safe_load(text.split("---")[1])
    assert "language" not in front and "synthetic-languages" in front["tags"]
    assert "only borrow the codes de and en (they are generated, not those languages)" in text
