"""The smoke test on real data: a narrowed DAG on ../shared/data (config/mirror-example.yaml) with the
real stand-in encoder (multilingual E5-small: BERT type, XLM-R's vocabulary, no MLM head), through every
rule to the report, and the numbers in ranges a working pipeline gives."""

import csv
import subprocess

import pandas as pd
import pytest
import torch
import yaml
from conftest import REPO, SHARED_DATA, demo_command, needs_shared

from align_transfer.data.lock import read_lock

pytestmark = [needs_shared, pytest.mark.realdata]

NARROW = {
    "alignment": {
        "pairs": [{"pair": "en-kk", "corpus": "DebianLibreOffice", "version": "v7.4.7", "cap": 400}],
        "steps": 2,
        "checkpoint_steps": [1, 2],
        "batch_size": 8,
        "max_length": 64,
        "word_negatives": 64,
        "log_every": 1,
        "state_every": 1,
    },
    "finetune": {
        "seeds": [15],
        "checkpoint_steps": [2],
        "train_examples": 48,
        "pos": {"epochs": 2},
        "sc": {"epochs": 1},
        "joint": {"losses": ["S1W1M0"], "log_every": 1},  # beyond the paper: the code also trained jointly
    },
    "evaluation": {"languages": ["de"], "table_step": 2, "test_examples": 32},
    "data": {"lexicons": [{"pair": "en-de"}, {"pair": "en-kk"}]},
    "analysis": {
        "finetuned_seeds": [15],
        "gradient_batches": 2,
        "lexicon_size": 30,
        "flores_examples": 40,
        "retrieval_groups": [{"group": "Aligned Languages With English", "pairs": ["deu-eng", "kaz-eng"]}],
    },
}


@pytest.fixture(scope="module")
def real_run(stand_in, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("real")
    mirror = yaml.safe_load(
        (REPO / "config/mirror-example.yaml").read_text().replace("../shared/data", str(SHARED_DATA))
    )
    mirror["encoders"][0] |= {"mirror": str(stand_in.parent / "raw"), "losses": ["S1W1M0"]}  # no MLM head: no M loss
    overlays = []
    for name, overlay in (("mirror", mirror), ("narrow", NARROW)):
        overlays.append(workdir / f"{name}.yaml")
        overlays[-1].write_text(yaml.safe_dump(overlay))
    result = subprocess.run(
        demo_command(workdir, *overlays),
        capture_output=True,
        text=True,
        timeout=2400,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return workdir / "results"


@pytest.fixture(scope="module")
def study(real_run):
    return real_run / "StandIn"


def rows(path):
    return list(csv.DictReader(open(path)))


def test_every_fetched_file_is_locked(real_run):
    locked = read_lock(real_run.parent / "config/mirror-example.lock")
    assert "ud/UD_Hindi-PUD/hi_pud-ud-test.conllu" not in locked  # Hindi is not evaluated here
    assert {
        "ud/UD_English-EWT/en_ewt-ud-dev.conllu",
        "sib200/data/annotated/deu_Latn/test.tsv",
        "opus/OPUS-DebianLibreOffice/v7.4.7/moses/en-kk.txt.zip",
        "encoders/StandIn/config.json",
    } <= set(locked)


def test_alignment_losses_are_finite_and_the_word_loss_is_in_its_range(study):
    log = rows(study / "align/en-kk/S1W1M0/train_log.csv")
    assert [int(r["step"]) for r in log] == [1, 2]
    assert all(0 < float(r["loss_total"]) < 50 and r["loss_mlm"] == "" for r in log)  # no MLM head: no L_M
    assert all(0 < float(r["loss_word"]) < 10 and 0 < float(r["loss_sentence"]) < 10 for r in log)


def test_the_aligned_checkpoints_load_back_as_the_base_encoder_with_new_weights(study):
    from transformers import AutoModel

    base = AutoModel.from_pretrained(study / "models/base")
    assert type(base).__name__ == "BertModel"  # the backbone: it has no MLM head to keep
    for step in (1, 2):
        aligned = AutoModel.from_pretrained(study / f"align/en-kk/S1W1M0/step{step}")
        assert type(aligned) is type(base)
        changed = [
            n for (n, a), (_, b) in zip(base.named_parameters(), aligned.named_parameters()) if not torch.equal(a, b)
        ]
        assert "embeddings.word_embeddings.weight" in "".join(changed) and len(changed) > 100


def test_a_real_multilingual_encoder_retrieves_german_translations(study):
    recall = pd.read_csv(study / "eval/retrieval/base/encoder.csv")
    at1 = recall[recall["k"] == 1].set_index("direction")["recall"]
    assert at1["deu->eng"] > 0.8 and at1["eng->deu"] > 0.8  # multilingual E5 on FLORES
    assert 0.05 < at1["kaz->eng"] <= at1["deu->eng"]
    similarity = pd.read_csv(study / "eval/similarity/base/encoder.csv")
    assert similarity["cosine"].between(0.2, 1.0).all()


def test_zero_shot_accuracies_beat_chance_on_german(study):
    pos = {r["language"]: float(r["accuracy"]) for r in rows(study / "eval/zeroshot/pos/full/base/seed15.csv")}
    assert pos["de"] > 0.2  # 17 tags; the most frequent, NOUN, is about 0.18 of German words
    for mode in ("full", "linear"):
        for model in ("base", "en-kk_S1W1M0_2"):
            for task in ("pos", "sc"):
                scores = rows(study / f"eval/zeroshot/{task}/{mode}/{model}/seed15.csv")
                assert [r["language"] for r in scores] == ["de"] and all(int(r["n"]) > 0 for r in scores)


def test_the_tables_gradients_and_report_exist_with_sane_values(study):
    table3 = pd.read_csv(study / "tables/table3.csv")
    assert len(table3) == 2 and table3["mean"].between(-1, 1).all()
    table1 = pd.read_csv(study / "tables/table1.csv")
    assert set(table1["losses"].dropna()) == {"S1W1M0"}
    assert set(pd.read_csv(study / "tables/gradient_languages.csv")["kind"]) == {
        "task"
    }  # no MLM head: no MLM gradients
    report = (study / "report.html").read_text(encoding="utf-8")
    assert "StandIn" in report and "XLM-R_base" not in report and "synthetic mini world" not in report
    assert not (study.parent / "report.html").exists()  # one encoder: no study across encoders


def test_the_claims_layer_runs_on_real_data(study):
    join = pd.read_csv(study / "claims/join.csv")
    assert len(join) == 2 * 2  # en-kk S1W1M0 at step 2: tasks x modes, on German
    assert join["delta_r1"].notna().all() and join["delta_gap_l8"].notna().all()
    claims = pd.read_csv(study / "claims/claims.csv")
    # one aligned model: no interval and no verdict, never a zero-width "supported"
    assert (claims["verdict"] == "too few units").all() and claims["low"].isna().all() and (claims["units"] <= 1).all()
    instances = pd.read_csv(study / "claims/instances.csv")
    assert set(instances["language"]) == {"de"} and instances["items"].eq(32).all()
    # SIB-200's test items come sorted by topic: the 32 a smoke run keeps are a sample of every topic
    from align_transfer.core.modeling import load_tokens

    assert len(set(load_tokens(study / "data/tasks/sc")["test_de"]["labels"])) == 7
    baseline = pd.read_csv(study / "tables/table3_baseline.csv")
    assert (baseline["task_norm"] > 0).all() and baseline["baseline_cosine"].between(-1, 1).all()
    assert (study / "tables/table1_significance.md").exists()


def test_joint_training_runs_on_real_data_with_both_losses_falling_and_its_claims_rows(study):
    """Joint fine-tuning of en-kk S1W1M0 (the stand-in has no MLM head) on POS and SC, one seed: finite
    numbers, a train log in which the task loss and each alignment term fall, and both claims' rows."""
    for task in ("pos", "sc"):
        scores = rows(study / f"eval/zeroshot/{task}/joint/en-kk_S1W1M0_2/seed15.csv")
        assert [r["language"] for r in scores] == ["de"] and 0 <= float(scores[0]["accuracy"]) <= 1
    log = pd.read_csv(study / "finetune/pos/joint/en-kk_S1W1M0_2/seed15/train_log.csv")
    assert list(log.columns) == ["step", "loss_task", "loss_sentence", "loss_word", "loss_alignment"]
    assert log.notna().all(axis=None) and len(log) == 6  # 48 sentences in batches of 16, two epochs
    for column in ("loss_task", "loss_sentence", "loss_word"):
        first, last = log[column].iloc[:3].mean(), log[column].iloc[3:].mean()
        assert last < first, (column, log[column].tolist())
    cosines = pd.read_csv(study / "eval/gradients/en-kk_S1W1M0_2/joint_alignment.csv")
    assert len(cosines) == 2 * 2 and cosines["cosine"].between(-1, 1).all()  # 2 tasks x 2 batches, seed 15
    joint = pd.read_csv(study / "claims/joint.csv")
    assert joint[["claim", "scope"]].values.tolist() == [
        ["joint_transfer", "pos"],
        ["joint_transfer", "sc"],
        ["joint_transfer", "every task"],
        ["joint_gradients", "pos"],
        ["joint_gradients", "sc"],
        ["joint_gradients", "every task"],
    ]
    assert (joint["verdict"] == "too few units").all() and joint["value"].notna().all()  # one cell, its Δ
    transfer = pd.read_csv(study / "tables/joint_transfer.csv")
    assert len(transfer) == 2 and transfer[["delta", "low", "high"]].notna().all(axis=None)
