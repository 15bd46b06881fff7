"""The data layer end to end on the mini world, and bad input through the real rules."""

import contextlib
import csv
import json

import pytest
import torch
import yaml

from conftest import REPO, snakemake

MINI = REPO / "config/mini.yaml"
EPOCHS = {task: yaml.safe_load(MINI.read_text())["finetune"][task]["epochs"] for task in ("pos", "sc")}
CODES = ["S0W0M1", "S0W1M0", "S0W1M1", "S1W0M0", "S1W0M1", "S1W1M0", "S1W1M1"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mini_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("mini")
    snakemake(workdir, "--cores", "2", overlays=[MINI])
    return workdir


def lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def test_every_prepared_input_exists_with_the_configured_sizes(mini_run):
    data = mini_run / "results/data"
    assert len(lines(data / "parallel/de-en.tsv")) == 1 + 1500  # header + cap
    assert len(lines(data / "parallel/ja-kk.tsv")) == 1 + 1200
    assert len(lines(data / "ud/en/train.jsonl")) == 500
    assert len(lines(data / "ud/kk/test.jsonl")) == 100
    assert len(lines(data / "sib200/en/train.tsv")) == 1 + 350
    assert {len(lines(p)) for p in (data / "flores/devtest").glob("*.txt")} == {150}
    assert len(list((data / "flores/devtest").glob("*.txt"))) == 10
    assert len(list((data / "lexicon").glob("*.tsv"))) == 9
    sentence = json.loads(lines(data / "ud/fr/test.jsonl")[0])
    assert len(sentence["words"]) == len(sentence["upos"]) > 2


def test_a_second_run_has_nothing_to_do(mini_run):
    result = snakemake(mini_run, "--cores", "2", "-n", overlays=[MINI])
    assert "Nothing to be done" in result.stdout + result.stderr


def fails_cleanly(workdir, target, *expected, overlays=(MINI,)):
    result = snakemake(workdir, "--cores", "1", target, "--force", overlays=overlays, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for text in expected:
        assert text in output, output[-3000:]
    assert not (workdir / target).exists()


@contextlib.contextmanager
def line_replaced(path, index, edit):
    """``path`` with line ``index`` (0-based) passed through ``edit``, restored afterwards."""
    good = path.read_text()
    lines = good.splitlines()
    lines[index] = edit(lines[index])
    path.write_text("\n".join(lines) + "\n")
    try:
        yield
    finally:
        path.write_text(good)


def test_malformed_conllu_fails_with_file_and_line(mini_run):
    raw = mini_run / "resources/ud/UD_German-Mini/de_mini-ud-test.conllu"
    with line_replaced(raw, 3, lambda line: line.rsplit("\t", 1)[0]):  # drop the MISC column
        fails_cleanly(mini_run, "results/data/ud/de/test.jsonl", "de_mini-ud-test.conllu:4: expected 10 tab-separated columns")


def test_a_label_outside_the_set_fails_with_file_and_line(mini_run):
    raw = mini_run / "resources/sib200/data/annotated/kaz_Cyrl/test.tsv"
    with line_replaced(raw, 2, lambda row: "\t".join([row.split("\t")[0], "weather", row.split("\t")[2]])):
        fails_cleanly(mini_run, "results/data/sib200/kk/test.tsv", "kaz_Cyrl/test.tsv:3: label 'weather'")


def test_a_wrong_checksum_fails_and_keeps_nothing(mini_run):
    overlay = {"sources": {"muse": {"sha256": {"dictionaries/en-de.txt": "ab" * 32}}}}
    fails_cleanly(
        mini_run,
        "resources/muse/dictionaries/en-de.txt",
        "checksum mismatch for muse file",
        "expected sha256 " + "ab" * 32,
        overlays=(MINI, overlay),
    )


def test_the_mini_encoder_learned_its_world(mini_run):
    report = json.loads((mini_run / "results/models/base/pretraining.json").read_text())
    assert report["mlm_accuracy"] > 2 * report["most_frequent_token_accuracy"]


def test_every_pair_and_loss_code_has_both_checkpoints_and_a_log(mini_run):
    from safetensors.torch import load_file
    from transformers import AutoModelForMaskedLM

    base = load_file(mini_run / "results/models/base/model.safetensors")
    for pair in ("de-en", "ja-kk"):
        for code in CODES:
            run = mini_run / f"results/align/{pair}/{code}"
            assert sorted(p.name for p in run.iterdir()) == ["step20", "step40", "train_log.csv"], run
            rows = list(csv.DictReader((run / "train_log.csv").open()))
            assert [int(r["step"]) for r in rows] == [10, 20, 30, 40]
            for term, flag in zip(("sentence", "word", "mlm"), code[1::2]):
                assert all(bool(r[f"loss_{term}"]) == (flag == "1") for r in rows), (run, term)
            if code[3] == "1":  # the word loss falls quickly, even at lr 1e-5
                assert float(rows[-1]["loss_word"]) < float(rows[0]["loss_word"])
            weights = load_file(run / "step40/model.safetensors")
            assert not torch.equal(weights["roberta.encoder.layer.0.attention.self.query.weight"], base["roberta.encoder.layer.0.attention.self.query.weight"])
    model = AutoModelForMaskedLM.from_pretrained(mini_run / "results/align/ja-kk/S1W0M1/step20")
    assert model.config.num_hidden_layers == 4


def test_every_fine_tuning_run_is_evaluated_on_every_language(mini_run):
    models = ["base"] + [f"{pair}_{code}_40" for pair in ("de-en", "ja-kk") for code in CODES]
    for task in ("pos", "sc"):
        for mode in ("full", "linear"):
            for model in models:
                for seed in (15, 42):
                    rows = list(csv.DictReader((mini_run / f"results/eval/zeroshot/{task}/{mode}/{model}/seed{seed}.csv").open()))
                    assert [r["language"] for r in rows] == ["de", "es", "fa", "fr", "hi", "ja", "kk", "ko", "ru"]
                    assert all(int(r["n"]) > 0 and 0 <= float(r["accuracy"]) <= 1 for r in rows)
                    run = mini_run / f"results/finetune/{task}/{mode}/{model}/seed{seed}"
                    assert (run / "head.safetensors").exists()
                    dev_log = list(csv.DictReader((run / "dev_log.csv").open()))
                    assert [int(r["epoch"]) for r in dev_log] == list(range(1, EPOCHS[task] + 1))
                    # only the aligned encoders' full runs keep their weights (Table 3, Figure 1)
                    assert (run / "model").exists() == (mode == "full" and model != "base")


def test_the_mini_encoder_transfers_pos_tags_above_chance(mini_run):
    rows = list(csv.DictReader((mini_run / "results/eval/zeroshot/pos/full/base/seed15.csv").open()))
    scores = {r["language"]: float(r["accuracy"]) for r in rows}
    assert scores["de"] > 0.3 and scores["es"] > 0.3  # 17 tags: chance is far lower


def test_table1_has_every_pair_loss_code_task_and_mode(mini_run):
    table = list(csv.DictReader((mini_run / "results/tables/table1.csv").open()))
    assert len(table) == 2 * 2 + 2 * 7 * 2 * 2  # base rows per task and mode, then pair x code x task x mode
    aligned = [r for r in table if r["pair"] != "base"]
    assert all(int(r["n"]) == 2 and r["colour"] in ("red", "green", "black") for r in aligned)
    markdown = (mini_run / "results/tables/table1.md").read_text()
    assert "### POS Tagging" in markdown and "### Sentence Classification" in markdown
    for n in (4, 5, 6):
        assert (mini_run / f"results/tables/table{n}.md").read_text().startswith("| Parameter | Value |")


def test_the_linear_probe_benchmark_prints_its_ratio(mini_run):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(REPO / "scripts/benchmark_linear_probe.py"), "--epochs", "3", "--seeds", "15",
         "--config", str(REPO / "config/config.yaml")],
        cwd=mini_run, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert float(result.stdout.split("ratio (uncached / cached):")[1].split("x")[0]) > 1
