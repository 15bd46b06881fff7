"""The whole workflow end to end on the mini world (the session's mini run): two encoders of different
architectures, each through the whole study, and the layer that compares them."""

import csv
import json

import pytest
import torch
from conftest import MINI, REPO, demo_command, snakemake

from align_transfer.core.config import load_config
from align_transfer.core.metrics import METRICS
from align_transfer.core.objectives import named_terms, parse_loss_code
from align_transfer.core.tasks import TASKS

# The sizes every check expects, read from config/mini.yaml (over config/config.yaml)
CONFIG = load_config([REPO / "config/config.yaml", MINI], REPO / "workflow/schemas/config.schema.yaml")
SIZES, ALIGNMENT, FINETUNE, ANALYSIS = (
    CONFIG["mini_world"]["sizes"],
    CONFIG["alignment"],
    CONFIG["finetune"],
    CONFIG["analysis"],
)
EPOCHS = {task: FINETUNE[task]["epochs"] for task in FINETUNE["tasks"]}
CODES = ALIGNMENT["losses"]
PAPER_CODES = [code for code in CODES if "T" not in code]  # the 7 codes of §4.2; the mini world adds S0W0M0T1
STEPS = ALIGNMENT["checkpoint_steps"]
LANGUAGES = CONFIG["evaluation"]["languages"]
PAIR = ALIGNMENT["pairs"][0]
KEPT_SEED = ANALYSIS["finetuned_seeds"][0]
RETRIEVAL_PAIRS = sum(len(group["pairs"]) for group in ANALYSIS["retrieval_groups"])
# each mini encoder: its architecture's name in its weights, its depth and its analysed layers
ENCODERS = {
    entry["name"]: (
        {"xlm-roberta": "roberta"}.get(entry["mini"]["architecture"], entry["mini"]["architecture"]),
        entry["mini"]["layers"],
        entry["layers"],
    )
    for entry in CONFIG["encoders"]
}
PRETRAINING_STEPS = {entry["name"]: entry["mini"]["steps"] for entry in CONFIG["encoders"]}
pytestmark = pytest.mark.e2e
each_encoder = pytest.mark.parametrize("encoder", list(ENCODERS))


def lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def test_every_prepared_input_exists_with_the_configured_sizes(mini_run):
    data = mini_run / "results/data"
    assert len(lines(data / f"parallel/{PAIR['pair']}.tsv")) == 1 + PAIR["cap"]  # header + cap
    assert len(lines(data / "ud/en/train.jsonl")) == SIZES["ud_train"]
    assert len(lines(data / "ud/kk/test.jsonl")) == SIZES["ud_test"]
    assert len(lines(data / "sib200/en/train.tsv")) == 1 + SIZES["sib_train"]
    assert {len(lines(p)) for p in (data / "flores/devtest").glob("*.txt")} == {SIZES["flores"]}
    assert len(list((data / "flores/devtest").glob("*.txt"))) == 10
    assert len(list((data / "lexicon").glob("*.tsv"))) == 9
    sentence = json.loads(lines(data / "ud/fr/test.jsonl")[0])
    assert len(sentence["words"]) == len(sentence["upos"]) > 2


def test_a_second_run_has_nothing_to_do(mini_run):
    result = snakemake(mini_run, "--cores", "2", "-n", overlays=[MINI])
    assert "Nothing to be done" in result.stdout + result.stderr


def test_the_console_off_a_terminal_has_a_line_per_finished_job_and_ends_with_what_to_open(mini_run):
    console = lines(mini_run / "console.log")
    ends = [line for line in console if line.startswith("  done ")]
    jobs = next(int(line.split()[0]) for line in console if line.endswith(" jobs to run"))
    assert len(ends) == jobs - 1  # every job but `all`, one line each
    assert f"[{jobs - 1}/{jobs - 1}, " in ends[-1]
    assert len(console) <= jobs + 8  # and little else
    text = "\n".join(console)
    for noise in ("LOAD REPORT", "Loading weights", "UNEXPECTED", "\x1b[", "INFO"):
        assert noise not in text, noise
    assert console[-4].startswith(f"Open the report: {mini_run / 'results/report.html'}")  # the study's: two encoders
    assert console[-3].startswith("Tables (CSV and Markdown):") and console[-2].startswith("demo: ")
    assert all(f"{mini_run / 'results' / name / 'tables'}/" in console[-3] for name in [*ENCODERS, ""])
    assert "% of the wall time); the largest, " in console[-2] and "GB of memory" in console[-2]
    assert (
        console[-1]
        == f"Snakemake's own report (runtimes and software versions too): `make report` writes {mini_run / 'report.zip'}"
    )


def test_long_jobs_log_their_rate_and_the_time_left(mini_run):
    logs = mini_run / "logs"
    xlmr, bert, steps, train = (
        PRETRAINING_STEPS["MiniXLM-R"],
        PRETRAINING_STEPS["MiniBERT"],
        ALIGNMENT["steps"],
        SIZES["ud_train"],
    )
    languages = len(LANGUAGES) + 1  # and the source
    for log, what in [
        ("MiniXLM-R/models/pretrain_mini_encoder.log", f"pretraining (xlm-roberta type): {xlmr}/{xlmr} steps (100%)"),
        ("MiniBERT/models/pretrain_mini_encoder.log", f"pretraining (bert type): {bert}/{bert} steps (100%)"),
        ("MiniXLM-R/align/de-en/S1W1M1.log", f"alignment S1W1M1: {steps}/{steps} steps (100%)"),
        ("MiniBERT/finetune/pos/linear/base.log", f"features of train: {train}/{train} examples (100%)"),
        ("MiniXLM-R/evaluate/embed/base.log", "texts (100%)"),
        (
            f"MiniBERT/evaluate/gradients/de-en_S1W1M1_{steps}.log",
            f"MLM gradients per language: {languages}/{languages} languages",
        ),
    ]:
        text = (logs / log).read_text()
        assert what in text and "/s, " in text, log
    assert " left" in (logs / "MiniXLM-R/align/de-en/S1W1M1.log").read_text()


@each_encoder
def test_each_mini_encoder_learned_its_world(mini_run, encoder):
    report = json.loads((mini_run / f"results/{encoder}/models/base/pretraining.json").read_text())
    assert report["mlm_accuracy"] > 2 * report["most_frequent_token_accuracy"]


def test_the_two_encoders_tokenize_the_same_text_their_own_ways(mini_run):
    from datasets import load_from_disk
    from transformers import AutoTokenizer

    tokenizers = {name: AutoTokenizer.from_pretrained(mini_run / f"results/{name}/models/base") for name in ENCODERS}
    assert {name: type(t).__name__ for name, t in tokenizers.items()} == {
        "MiniXLM-R": "XLMRobertaTokenizer",
        "MiniBERT": "BertTokenizer",
    }
    tokens = {name: load_from_disk(str(mini_run / f"results/{name}/data/tokens/de-en"))["src"][0] for name in ENCODERS}
    assert tokens["MiniXLM-R"] != tokens["MiniBERT"]
    assert all(
        tokenizers[name].decode(ids).replace(" ", "")
        == tokenizers["MiniXLM-R"].decode(tokens["MiniXLM-R"]).replace(" ", "")
        for name, ids in tokens.items()
    )


@each_encoder
def test_every_pair_and_loss_code_has_both_checkpoints_and_a_log(mini_run, encoder):
    from safetensors.torch import load_file
    from transformers import AutoModelForMaskedLM

    prefix, depth, _ = ENCODERS[encoder]
    query = f"{prefix}.encoder.layer.0.attention.self.query.weight"
    base = load_file(mini_run / f"results/{encoder}/models/base/model.safetensors")
    for pair in ("de-en",):
        for code in CODES:
            run = mini_run / f"results/{encoder}/align/{pair}/{code}"
            assert sorted(p.name for p in run.iterdir()) == [
                *(f"step{step}" for step in STEPS),
                "train_log.csv",
                "work",
                "work.lock",  # the lock of the job that trained it: released, and left for the next job
            ], run
            assert (run / "work/finished.json").exists() and not (run / "work/state").exists()  # kept for a retry
            rows = list(csv.DictReader((run / "train_log.csv").open()))
            assert [int(r["step"]) for r in rows] == list(
                range(ALIGNMENT["log_every"], ALIGNMENT["steps"] + 1, ALIGNMENT["log_every"])
            )
            weights = parse_loss_code(code)  # each paper term's column, and L_T's where it is on
            assert [c for c in rows[0] if c.startswith("loss_")] == [f"loss_{t.name}" for t in named_terms(code)] + [
                "loss_total"
            ]
            for term in named_terms(code):
                assert all(bool(r[f"loss_{term.name}"]) == bool(weights[term.name]) for r in rows), (run, term)
            if weights["word"]:  # the word loss falls quickly, even at lr 1e-5
                assert float(rows[-1]["loss_word"]) < float(rows[0]["loss_word"])
            assert not torch.equal(load_file(run / f"step{STEPS[-1]}/model.safetensors")[query], base[query])
    model = AutoModelForMaskedLM.from_pretrained(mini_run / f"results/{encoder}/align/de-en/S1W0M1/step{STEPS[0]}")
    assert model.config.num_hidden_layers == depth


@each_encoder
def test_every_fine_tuned_aligned_checkpoint_is_published_with_its_card_and_kept_models_load_as_their_task(
    mini_run, encoder
):
    import yaml
    from transformers import AutoModel, AutoModelForTokenClassification

    hub = mini_run / f"results/{encoder}/hub"
    published = sorted(p.name for p in hub.iterdir() if not p.name.startswith("."))  # not snakemake's timestamp
    assert published == sorted(f"de-en_{code}_{step}" for code in CODES for step in STEPS)
    card = (hub / f"de-en_S1W0M1_{STEPS[-1]}/README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(card.split("---")[1])  # the mini world's languages are generated: no Hub language
    assert "language" not in front and "synthetic-languages" in front["tags"]
    for part in ("with S1W0M1", "## Alignment settings", "## Alignment log", "## Retrieval", "all of Table 2's pairs"):
        assert part in card, part
    log = list(csv.DictReader((hub / f"de-en_S1W0M1_{STEPS[0]}/train_log.csv").open()))
    assert int(log[-1]["step"]) == STEPS[0]
    kept = mini_run / f"results/{encoder}/finetune/{{task}}/full/de-en_S1W0M1_{STEPS[-1]}/seed{KEPT_SEED}/model"
    pos = AutoModelForTokenClassification.from_pretrained(str(kept).format(task="pos"))
    assert pos.config.num_labels == 17 and pos.config.id2label[0] == "ADJ"
    # the mini world's SC pools the mean of the tokens, which no Auto class does: it keeps the backbone
    assert CONFIG["finetune"]["sc"]["pooling"] == "mean"
    sc = AutoModel.from_pretrained(str(kept).format(task="sc"))
    assert sc.config.architectures[0].endswith("Model")


@each_encoder
def test_every_fine_tuning_run_is_evaluated_on_every_language(mini_run, encoder):
    models = ["base"] + [f"{pair}_{code}_{step}" for pair in ("de-en",) for code in CODES for step in STEPS]
    for task in FINETUNE["tasks"]:
        for mode in FINETUNE["modes"]:
            for model in models:
                for seed in FINETUNE["seeds"]:
                    rows = list(
                        csv.DictReader(
                            (mini_run / f"results/{encoder}/eval/zeroshot/{task}/{mode}/{model}/seed{seed}.csv").open()
                        )
                    )
                    assert [r["language"] for r in rows] == LANGUAGES
                    keys = {(r["encoder"], r["task"], r["mode"], r["model"], int(r["seed"])) for r in rows}
                    assert keys == {(encoder, task, mode, model, seed)}  # the run's keys are columns of its file
                    score = METRICS[TASKS[task].metric].name  # accuracy; span F1 for named entities
                    assert all(int(r["n"]) > 0 and 0 <= float(r[score]) <= 1 for r in rows)
                    run = mini_run / f"results/{encoder}/finetune/{task}/{mode}/{model}/seed{seed}"
                    assert (run / "head.safetensors").exists()
                    dev_log = list(csv.DictReader((run / "dev_log.csv").open()))
                    assert [int(r["epoch"]) for r in dev_log] == list(range(1, EPOCHS[task] + 1))
                    # only the aligned encoders' full runs keep their weights (Table 3, Figure 1), for analysis.finetuned_seeds
                    keeps = mode == "full" and model != "base" and model.endswith(f"_{STEPS[-1]}") and seed == KEPT_SEED
                    assert (run / "model").exists() == keeps


@each_encoder
def test_each_mini_encoder_transfers_pos_tags_above_chance(mini_run, encoder):
    rows = list(csv.DictReader((mini_run / f"results/{encoder}/eval/zeroshot/pos/full/base/seed15.csv").open()))
    scores = {r["language"]: float(r["accuracy"]) for r in rows}
    assert scores["de"] > 0.3 and scores["es"] > 0.3  # 17 tags: chance is far lower


@pytest.mark.parametrize("task", ["pos", "sc"])
def test_length_grouped_batches_pad_less_and_transfer_as_well_as_random_ones(mini_run, task):
    """Full fine-tuning of the mini base encoder with 3 seeds each way (tools/benchmark_finetune.py):
    fewer padded tokens, and a mean zero-shot accuracy within the spread over seeds of random batches."""
    import statistics

    from datasets import load_from_disk

    from align_transfer.core.config import load_config
    from align_transfer.core.settings import FinetuneSettings
    from align_transfer.ops.benchmark import run_finetune_benchmark

    config = load_config([REPO / "config/config.yaml", MINI])
    settings = FinetuneSettings.from_config(config["finetune"], task)
    data = load_from_disk(str(mini_run / f"results/MiniXLM-R/data/tasks/{task}"))
    runs = run_finetune_benchmark(
        mini_run / "results/MiniXLM-R/models/base", data, settings, [15, 33, 42], ["de", "es", "ru"]
    )
    assert all(g["padded_tokens"] < 0.8 * r["padded_tokens"] for g, r in zip(runs["grouped"], runs["random"]))
    accuracy = {name: [run["zero_shot"] for run in seeds] for name, seeds in runs.items()}
    spread = max(statistics.stdev(accuracy["random"]), statistics.stdev(accuracy["grouped"]))
    assert abs(statistics.mean(accuracy["grouped"]) - statistics.mean(accuracy["random"])) <= 2 * spread, accuracy


@each_encoder
def test_table1_has_every_pair_loss_code_task_and_mode(mini_run, encoder):
    tables = mini_run / f"results/{encoder}/tables"
    table = list(csv.DictReader((tables / "table1.csv").open()))
    tasks, modes = len(FINETUNE["tasks"]), len(FINETUNE["modes"])
    # base rows per task and mode, then (one pair) x code x task x mode
    assert len(table) == tasks * modes + len(CODES) * tasks * modes
    aligned = [r for r in table if r["pair"] != "base"]
    assert all(int(r["n"]) == 2 and r["colour"] in ("red", "green", "black") for r in aligned)
    markdown = (tables / "table1.md").read_text()
    assert (
        "### POS Tagging" in markdown
        and "### Sentence Classification" in markdown
        and f"| {encoder}_de-en |" in markdown
    )
    for n in (4, 5, 6):
        assert (tables / f"table{n}.md").read_text().startswith("| Parameter | Value |")


@each_encoder
def test_each_checkpoint_is_embedded_once_per_language_and_layer(mini_run, encoder):
    from safetensors.numpy import load_file

    layers = ENCODERS[encoder][2]
    embeddings = load_file(mini_run / f"results/{encoder}/embeddings/base/encoder.safetensors")
    flores = sorted(k for k in embeddings if k.startswith("flores/"))
    codes = {
        "deu_Latn",
        "eng_Latn",
        "fra_Latn",
        "hin_Deva",
        "jpn_Jpan",
        "kaz_Cyrl",
        "kor_Hang",
        "pes_Arab",
        "rus_Cyrl",
        "spa_Latn",
    }
    assert flores == sorted(f"flores/{c}/layer{k}" for c in codes for k in layers)
    width = next(entry["mini"]["hidden_size"] for entry in CONFIG["encoders"] if entry["name"] == encoder)
    assert all(embeddings[k].shape == (SIZES["flores"], width) for k in flores)
    english = {
        line.split("\t")[0]
        for path in (mini_run / "results/data/lexicon").glob("en-*.tsv")
        for line in path.read_text(encoding="utf-8").splitlines()[1 : 1 + ANALYSIS["lexicon_size"]]
    }
    assert embeddings[f"words/en/layer{layers[1]}"].shape[0] == len(
        english
    )  # 9 lexicons' English words, each encoded once
    finetuned = sorted(p.name for p in (mini_run / f"results/{encoder}/embeddings/de-en_S1W0M1_40").iterdir())
    assert finetuned == ["encoder.safetensors", *sorted(f"{task}_seed15.safetensors" for task in FINETUNE["tasks"])]


@each_encoder
def test_retrieval_and_similarity_tables_cover_every_pair_and_loss_code(mini_run, encoder):
    import pandas as pd

    pairs = RETRIEVAL_PAIRS
    for name in ("table2", "table7", "table8", "recall_at_1"):
        table = pd.read_csv(mini_run / f"results/{encoder}/tables/{name}.csv")
        assert len(table) == pairs * len(CODES) and set(table["losses"]) == set(CODES), name
        assert (table["n"] == 1).all() and (
            table["colour"] == "black"
        ).all()  # one aligned model a cell: no std, no colour
        markdown = (mini_run / f"results/{encoder}/tables/{name}.md").read_text()
        assert (
            markdown.startswith("| Lang Pair | S0W0M1 |")
            and "| **Group 7: Languages of Different Scripts, Aligned** |" in markdown
        )
    recall = pd.read_csv(mini_run / f"results/{encoder}/eval/retrieval/base/encoder.csv")
    assert set(recall["direction"]) >= {"deu->eng", "eng->deu"} and set(recall["k"]) == {1, 5, 10}
    assert recall["recall"].between(0, 1).all()


@each_encoder
def test_table3_and_the_per_language_gradients(mini_run, encoder):
    import pandas as pd

    table = pd.read_csv(mini_run / f"results/{encoder}/tables/table3.csv")
    assert len(table) == len(FINETUNE["tasks"]) * len(CODES)  # tasks x (one pair) x loss codes
    assert (table["seeds"] == 1).all() and (table["batches"] == 2).all() and table["mean"].between(-1, 1).all()
    assert "| **Sentence Classification** |" in (mini_run / f"results/{encoder}/tables/table3.md").read_text()
    languages = pd.read_csv(mini_run / f"results/{encoder}/tables/gradient_languages.csv")
    assert set(languages["kind"]) == {"task", "mlm"} and len(languages) == len(FINETUNE["tasks"]) * 2 * 10 * 10
    diagonal = languages[languages["lang_a"] == languages["lang_b"]]
    assert diagonal["mean"].round(4).eq(1.0).all()


@each_encoder
def test_the_joint_runs_are_compared_with_their_sequential_runs_and_the_report_shows_both_claims(mini_run, encoder):
    """Beyond the paper (finetune.joint): each joint code, task and seed fine-tuned with its alignment loss,
    logged and evaluated as the full runs are; the cells beside Tables 1 and 3, and both claims with intervals."""
    import pandas as pd

    joint, results = FINETUNE["joint"]["losses"], mini_run / f"results/{encoder}"
    for task in FINETUNE["tasks"]:
        for code in joint:
            for seed in FINETUNE["seeds"]:
                run = results / f"finetune/{task}/joint/de-en_{code}_{STEPS[-1]}/seed{seed}"
                log = pd.read_csv(run / "train_log.csv")
                terms = [f"loss_{name}" for name in ("sentence", "word", "mlm") if f"{name[0].upper()}1" in code]
                assert list(log.columns) == ["step", "loss_task", *terms, "loss_alignment"] and log.notna().all(
                    axis=None
                )
                assert (run / "model").exists() == (seed == KEPT_SEED)
                assert (run / "alignment_head.safetensors").exists() == (seed == KEPT_SEED and "M1" in code)
                scores = pd.read_csv(results / f"eval/zeroshot/{task}/joint/de-en_{code}_{STEPS[-1]}/seed{seed}.csv")
                assert scores["language"].tolist() == LANGUAGES
    transfer = pd.read_csv(results / "tables/joint_transfer.csv")
    assert len(transfer) == len(FINETUNE["tasks"]) * len(joint) and transfer[["low", "high"]].notna().all(axis=None)
    gradients = pd.read_csv(results / "tables/joint_gradients.csv")
    assert len(gradients) == len(transfer) and gradients["joint"].between(-1, 1).all()
    claims = pd.read_csv(results / "claims/joint.csv")
    assert claims[["claim", "scope"]].values.tolist() == [
        [claim, scope]
        for claim in ("joint_transfer", "joint_gradients")
        for scope in (*FINETUNE["tasks"], "every task")
    ]
    assert (claims["units"] == len(joint)).all() and claims[["low", "high", "p"]].notna().all(axis=None)
    report = (results / "report.html").read_text(encoding="utf-8")
    headings = [  # the sections, in order
        "<h2>Claims beyond the paper",
        "<h2>Table 1: Δ zero-shot accuracy",
        "<h2>Beyond the paper: joint training&#x27;s Δ zero-shot score",  # beside Table 1
        "<h2>Table 2:",
        "<h2>Table 3: task vs alignment gradient cosine",
        "<h2>Beyond the paper: joint training&#x27;s task vs alignment gradient cosine",  # beside Table 3
        "<h2>Table 7:",
    ]
    assert sorted(headings, key=report.find) == headings and report.find(headings[0]) > 0


@each_encoder
def test_figure1_has_a_panel_per_level_and_layer_and_the_report_shows_everything(mini_run, encoder):
    from PIL import Image

    layers = ENCODERS[encoder][2]
    figures = mini_run / f"results/{encoder}/figures"
    with Image.open(figures / "figure1.png") as image:
        assert image.size == (600 * len(layers), 975)  # 4 x 6.5 inches a column at 150 dpi
        panels = image.text["Description"].split("; ")
    assert panels == [f"{level} level, layer {k}" for level in ("Token", "Sentence") for k in layers]
    assert (figures / "figure1.pdf").read_bytes().startswith(b"%PDF") and (figures / "gradient_languages.png").exists()
    points = list(csv.DictReader((figures / "figure1.csv").open()))
    assert {r["condition"] for r in points} == {"aligned", "fine-tuned"} and {r["level"] for r in points} == {
        "token",
        "sentence",
    }
    report = (mini_run / f"results/{encoder}/report.html").read_text(encoding="utf-8")
    for heading in ("Table 1", "Table 2", "Table 3", "Table 7", "Table 8", "Figure 1", "Provenance and configuration"):
        assert heading in report
    assert (
        report.count("data:image/png;base64,") == 3
        and "retrieval_groups:" in report
        and 'href="../report.html"' in report
    )


def test_the_reports_say_what_they_are_made_of(mini_run):
    from align_transfer.core.config import digest, load_yaml, merged, validate

    config = validate(
        merged(load_yaml(REPO / "config/config.yaml"), load_yaml(MINI)),
        REPO / "workflow/schemas/config.schema.yaml",
        [],
    )
    assert f"<b>config digest</b>: {digest(config)}" in (mini_run / "results/report.html").read_text(encoding="utf-8")
    labels = {
        "MiniXLM-R": "MiniXLM-R (the mini world&#x27;s own, xlm-roberta type: 3 layers of width 64)",
        "MiniBERT": "MiniBERT (the mini world&#x27;s own, bert type: 2 layers of width 64)",
    }
    study = (mini_run / "results/report.html").read_text(encoding="utf-8")
    for name, label in labels.items():
        report = (mini_run / f"results/{name}/report.html").read_text(encoding="utf-8")
        assert '<p class="banner">These results come from the synthetic mini world' in report
        assert f"<b>encoder</b>: {label}" in report and label in study and f'href="{name}/report.html"' in study
        # an encoder's report: the config as its study sees it, its own entry of `encoders`
        own = config | {"encoders": [entry for entry in config["encoders"] if entry["name"] == name]}
        others = [other for other in ENCODERS if other != name]
        assert (
            f"<b>config digest</b>: {digest(own)}" in report
            and f"name: {name}" in report
            and f"name: {others[0]}" not in report
        )
        assert "<b>code version</b>: " in report and "<b>code version</b>: unknown" not in report
        assert f"| {name}_base |" in (mini_run / f"results/{name}/tables/table1.md").read_text()
        assert "XLM-R_base" not in report.replace("MiniXLM-R_base", "")
    assert '<p class="banner">' in study


@each_encoder
def test_the_claims_layer_tests_every_claim_from_the_results(mini_run, encoder):
    import pandas as pd

    results = mini_run / f"results/{encoder}"
    join = pd.read_csv(results / "claims/join.csv")
    # 16 aligned encoders (8 codes x 2 steps) x 3 tasks x 2 modes x 2 seeds x 9 languages
    runs, tasks, modes, seeds = len(CODES), len(FINETUNE["tasks"]), len(FINETUNE["modes"]), len(FINETUNE["seeds"])
    assert len(join) == runs * len(STEPS) * tasks * modes * seeds * len(LANGUAGES) and set(join["step"]) == set(STEPS)
    assert join.dropna(subset=["delta_r1"])["language"].nunique() == len(LANGUAGES)  # with the source, English
    assert join["gradient_cosine"].notna().sum() == runs * tasks * len(
        LANGUAGES
    )  # full runs kept at the last step, one seed
    assert join["run"].nunique() == runs and set(join["encoder"]) == {encoder}
    claims = pd.read_csv(results / "claims/claims.csv")
    assert set(claims["claim"]) == {"similarity", "transfer", "predicts", "orthogonal"}
    assert claims["verdict"].isin(["supported", "weak", "contradicted", "inconclusive", "too few units"]).all()
    assert claims["agrees"].isin(["yes", "no", "inconclusive"]).all() and claims["paper"].str.contains("§").all()
    with_interval = claims.dropna(subset=["low"])
    assert ((with_interval["low"] <= with_interval["value"]) & (with_interval["value"] <= with_interval["high"])).all()
    assert (claims.dropna(subset=["low"])["units"] >= 3).all() and (
        claims[claims["units"] < 3]["verdict"] == "too few units"
    ).all()
    # every interval that excludes 0 comes with p < α and the reverse, but where a correlation's jackknife and
    # permutation disagree (a note says so)
    alpha = CONFIG["claims"]["alpha"]
    agree = ((with_interval["low"] > 0) | (with_interval["high"] < 0)) == (with_interval["p"] < alpha)
    assert (agree | with_interval["note"].fillna("").str.contains("disagree at the boundary")).all()
    # one pair: one run per loss code, so nothing to rank within codes; seven runs within languages, 9 languages
    predicts = claims[claims["claim"] == "predicts"].set_index("scope")
    codes = predicts[predicts.index.str.endswith("within languages and loss codes")]
    assert (codes["verdict"] == "too few units").all() and codes["note"].str.contains("1 run per loss code").all()
    assert (predicts[predicts.index.str.endswith(", within languages")]["units"] == runs).all()
    assert (predicts[predicts.index.str.endswith("across languages")]["units"] == len(LANGUAGES)).all()
    correlations = pd.read_csv(results / "claims/correlations.csv").dropna(subset=["p"])
    assert correlations["value"].between(-1, 1).all() and correlations["p"].between(0, 1).all()
    noise = pd.read_csv(results / "claims/item_noise.csv")
    assert len(noise) == tasks * modes and (noise[["items_variance", "interaction"]] >= 0).all().all()
    assert (
        "with the noise of the test items they share" in claims.set_index("claim").loc["transfer", "statistic"].iloc[0]
    )
    significance = pd.read_csv(results / "tables/table1_significance.csv")
    assert len(significance) == runs * tasks * modes and (significance["p_holm"] >= significance["p"]).all()
    assert ((significance["low"] <= significance["delta"]) & (significance["delta"] <= significance["high"])).all()
    instances = pd.read_csv(results / "claims/instances.csv")
    assert (
        len(instances) == (1 + runs * len(STEPS)) * modes * len(LANGUAGES)
        and instances["items"].eq(SIZES["sib_test"]).all()
    )
    min_group = CONFIG["claims"]["min_group"]
    small = (instances["in_group"] < min_group) | (instances["items"] - instances["in_group"] < min_group)
    assert (
        instances[small | instances["degenerate"]]["low"].isna().all()
    )  # no interval: a small group, a one-class probe
    tested = instances.dropna(subset=["low"])
    assert (tested["low"] < tested["high"]).all() and (tested["q"] >= tested["p"]).all()  # never a point interval
    for table in ("table1", "table2", "table7", "table8"):  # dose-response: the earlier checkpoints
        assert (results / f"tables/step{STEPS[0]}/{table}.csv").exists()
    gap = pd.read_csv(results / "tables/table2_gap.csv")
    assert set(gap["layer"]) == set(ENCODERS[encoder][2]) and gap["delta_gap"].notna().all()
    report = (results / "report.html").read_text(encoding="utf-8")
    assert report.index("<h2>Claims: the paper") < report.index("<h2>Table 1: Δ zero-shot accuracy")
    assert "at alignment step 20" in report


def test_the_claims_are_tested_across_the_two_encoders_and_the_encoders_compared(mini_run):
    import pandas as pd

    results = mini_run / "results/claims"
    join = pd.read_csv(results / "join.csv")
    aligned = len(CODES) * len(STEPS)
    rows = aligned * len(FINETUNE["tasks"]) * len(FINETUNE["modes"]) * len(FINETUNE["seeds"]) * len(LANGUAGES)
    assert join.groupby("encoder").size().to_dict() == {name: rows for name in ENCODERS}
    assert join[join["encoder"] == "MiniBERT"]["delta_cosine_l3"].isna().all()  # a layer it does not have
    pooled = pd.read_csv(results / "claims.csv")
    assert set(pooled["claim"]) == {"similarity", "transfer", "predicts", "orthogonal"}
    assert pooled["scope"].str.startswith("every encoder: ").all()
    # both encoders' aligned models at step 40
    assert pooled.set_index("claim").loc["similarity", "units"] == 2 * len(CODES)
    within = pooled[pooled["scope"].str.endswith("within languages and loss codes")]
    # each encoder's runs, 2 a code (both encoders' one pair): too few within a code
    assert (within["units"] == 2 * len(CODES)).all() and (within["verdict"] == "too few units").all()
    each = pd.read_csv(results / "encoders.csv")
    assert set(each["encoder"]) == set(ENCODERS) and len(each) == 2 * len(
        pd.read_csv(mini_run / "results/MiniBERT/claims/claims.csv")
    )
    differences = pd.read_csv(results / "differences.csv")
    assert (
        set(differences["claim"]) == {"similarity", "transfer", "orthogonal"} and (differences["encoders"] == 2).all()
    )
    assert differences["p"].between(0, 1).all() and differences["verdict"].isin(["supported", "inconclusive"]).all()
    study = (mini_run / "results/report.html").read_text(encoding="utf-8")
    assert "Claims across the encoders" in study and "Do the encoders differ?" in study
    assert study.index("<h2>In short</h2>") < study.index("Claims across the encoders")  # the headline first
    assert "Retrieval gains: MiniXLM-R " in study and "Against the paper&#x27;s own findings" in study
    assert "<th>MiniXLM-R</th><th>MiniBERT</th>" in study  # each encoder's verdicts side by side


def test_the_docs_say_what_the_mini_run_found(mini_run):
    """docs/science.md's paragraph on the mini world's verdicts is the run's own summary (python -m
    align_transfer.report.docs)."""
    from align_transfer.report.docs import VERDICTS_DOC, section

    summary = (mini_run / "results/claims/summary.md").read_text(encoding="utf-8").strip()
    assert summary.startswith("Retrieval gains: MiniXLM-R") and "Against the paper's own findings" in summary
    assert section(VERDICTS_DOC.read_text(encoding="utf-8")) == summary, "run `python -m align_transfer.report.docs`"


def test_a_zero_shot_file_cut_to_one_language_stops_the_tables_naming_it(mini_run):
    """A damaged run result is an error naming the file, never a table that averages one language instead of 9."""
    import os
    import shutil

    damaged = mini_run / "results/MiniBERT/eval/zeroshot/pos/linear/de-en_S1W0M1_20/seed15.csv"
    backup = mini_run / "seed15.csv.bak"
    shutil.copy2(damaged, backup)
    target = "results/MiniBERT/tables/step20/table1.csv"  # Table 1 at step 20 reads it
    try:
        damaged.write_text("\n".join(damaged.read_text().splitlines()[:2]) + "\n")  # the header and German only
        result = snakemake(mini_run, "--cores", "1", "--force", target, overlays=[MINI], check=False)
        assert result.returncode != 0
        assert f"{damaged.relative_to(mini_run)}: has no rows for es, fa, fr, hi, ja, kk, ko, ru" in result.stderr
    finally:
        shutil.copy2(backup, damaged)
        os.utime(damaged, (backup.stat().st_atime, backup.stat().st_mtime))
        backup.unlink()
        snakemake(mini_run, "--cores", "1", target, overlays=[MINI])  # the run is whole again


@each_encoder
def test_the_report_renders_every_table_from_its_csv_as_its_markdown_file_shows_it(mini_run, encoder):
    from align_transfer.report.report import table_layout
    from align_transfer.tables.document import markdown

    entry = next(e for e in CONFIG["encoders"] if e["name"] == encoder)
    results = mini_run / f"results/{encoder}"
    claims = results / "claims"
    tables = [
        *results.glob("tables/**/*.md"),
        *(claims / f"{name}.md" for name in ("claims", "instances", "scorecard")),
    ]
    assert len(tables) >= 19
    for md in tables:
        assert markdown(table_layout(md.with_suffix(".csv"))) == md.read_text(encoding="utf-8"), md
    # the context beside each table says what its layout shows: the encoder's codes in their order, its layer
    table2 = json.loads((results / "tables/table2.context.json").read_text())
    assert table2 == {
        "kind": "table2",
        "losses": entry.get("losses") or CONFIG["alignment"]["losses"],
        "layer": entry["retrieval_layer"],
    }
    study = mini_run / "results/claims"
    for md in (study / "claims.md", study / "encoders.md"):
        assert markdown(table_layout(md.with_suffix(".csv"))) == md.read_text(encoding="utf-8"), md


@each_encoder
def test_the_scorecard_sets_the_run_beside_the_paper_and_says_it_cannot_match(mini_run, encoder):
    import pandas as pd

    claims = mini_run / f"results/{encoder}/claims"
    card = pd.read_csv(claims / "scorecard.csv").set_index("table")
    paper = pd.read_csv(REPO / "workflow/data/paper_numbers.csv")
    assert card["paper_cells"].sum() == len(paper) and card.loc["table1_base", "paper_cells"] == 4
    # Table 1: the de-en encoders' 7 codes x 2 tasks x 2 modes (the TLM code is not the paper's); its 4 base scores apart
    assert card.loc["table1", "matched"] == len(PAPER_CODES) * 2 * 2 and card.loc["table1_base", "matched"] == 4
    assert (
        card.loc["table1", "interval"] == "95% bootstrap"
        and card.loc["table1_base", "interval"] == "± 1 std over seeds"
    )
    mini_pairs = {pair for group in ANALYSIS["retrieval_groups"] for pair in group["pairs"]}
    assert card.loc["table2", "matched"] == len(mini_pairs & set(paper["pair"])) * len(PAPER_CODES)
    assert card["sign_agreement"].dropna().between(0, 1).all() and card["spearman"].dropna().between(-1, 1).all()
    cells = pd.read_csv(claims / "scorecard_cells.csv")
    assert len(cells) == len(paper) and cells["line"].between(1, 600).all()
    departures = pd.read_csv(claims / "scorecard_departures.csv").set_index("parameter")
    assert not departures.loc["Number of steps", "same"] and departures.loc["Temperature", "same"]  # 40; τ = 0.1
    assert not departures.loc["encoder", "same"] and not departures.loc["pairs", "same"]  # a mini encoder, de-en only
    assert departures.loc["evaluation languages", "same"]  # the paper's nine, generated
    assert "Where this run departs from the paper" in (claims / "scorecard.md").read_text(encoding="utf-8")
    assert "cannot match the paper's" in (claims / "scorecard.md").read_text(encoding="utf-8")
    report = (mini_run / f"results/{encoder}/report.html").read_text(encoding="utf-8")
    lead = [
        report.index(f"<h2>{title}") for title in ("In short", "Against the paper", "Claims", "Figure 1", "Table 1")
    ]
    assert lead == sorted(lead) and report.index("<summary>Provenance and configuration") > lead[-1]


@each_encoder
def test_every_figure_names_its_encoder_and_the_mini_world(mini_run, encoder):
    from PIL import Image

    for name in ("figure1", "alignment_vs_transfer", "gradient_languages"):
        with Image.open(mini_run / f"results/{encoder}/figures/{name}.png") as image:
            assert f"({encoder}, synthetic mini world)" in image.text["Title"], name


def test_snakemakes_own_report_shows_every_table_and_figure_with_its_caption(mini_run, tmp_path):
    import subprocess
    import zipfile
    from pathlib import Path

    # as the docs say to make it (`make report`): one line names it, the rest goes to a log
    command = demo_command(mini_run)
    result = subprocess.run([*command, "--report"], capture_output=True, text=True, timeout=600)
    out = mini_run / "report.zip"
    assert result.returncode == 0 and result.stdout.strip().splitlines() == [
        f"Snakemake's report (every table and figure with its caption, runtimes, versions): {out}"
    ], result.stdout[-2000:] + result.stderr[-2000:]
    assert (mini_run / "logs/report.log").exists()
    with zipfile.ZipFile(out) as archive:
        files = [Path(name).name for name in archive.namelist() if "/data/raw/" in name]
        page = archive.read(next(name for name in archive.namelist() if name.endswith("report.html"))).decode()
    tables = [
        "table1",
        "table1_significance",
        "table2",
        "table2_gap",
        "table3",
        "table3_baseline",
        "table7",
        "table8",
        "recall_at_1",
        "gradient_languages",
        "table4",
        "table5",
        "table6",
        "scorecard",
        "claims",
        "instances",
        "joint_transfer",  # beyond the paper: joint training
        "joint_gradients",
        "joint",
    ]
    figures = ["figure1", "alignment_vs_transfer", "gradient_languages"]
    each = [f"{name}.csv" for name in tables] + [f"{name}.png" for name in figures]
    assert sorted(files) == sorted(each * len(ENCODERS) + ["claims.csv", "encoders.csv"])
    assert all(f"results/{encoder}/tables/table1.csv" in page for encoder in ENCODERS)
    assert "Across the encoders" in page and "Against the paper" in page
    assert "Synthetic mini world" in page  # the report says what its results are
    assert "\\u0394 cosine distance from the base encoder by loss code" in page  # Figure 1's caption, as JSON has it


def test_each_job_s_own_measurement_is_of_the_process_that_ran_it(mini_run):
    """Under the warm worker, snakemake's benchmark of a job (benchmarks/X.tsv) is of the process that hands
    the job over; the job's own (benchmarks/X.job.tsv) is of the worker's child that trained."""
    import pandas as pd

    run = mini_run / "benchmarks/MiniXLM-R/align/de-en/S1W1M1"
    shim, job = (pd.read_csv(f"{run}{suffix}", sep="\t").iloc[0] for suffix in (".tsv", ".job.tsv"))
    assert job["cpu_time"] > 2 * shim["cpu_time"] and job["max_rss"] > 4 * shim["max_rss"], (shim, job)
    assert job["s"] <= shim["s"] + 1  # the job ran inside the hand-over's time
    jobs = list((mini_run / "benchmarks").rglob("*.job.tsv"))
    assert len(jobs) > 200  # every job that ran a script


def test_a_run_leaves_no_empty_folder_under_results(mini_run):
    empty = [path for path in (mini_run / "results").rglob("*") if path.is_dir() and not any(path.iterdir())]
    assert not empty, empty


def test_the_numbers_the_docs_quote_from_a_mini_run_are_this_run_s(mini_run):
    """docs/science.md's pretraining accuracies and docs/design.md's ratio of the shared items' noise to the
    models' are what a mini run gives (the mini world is seeded: every run gives the same)."""
    import json

    import pandas as pd

    science = " ".join((REPO / "docs/science.md").read_text(encoding="utf-8").split())
    for encoder in ENCODERS:
        report = json.loads((mini_run / f"results/{encoder}/models/base/pretraining.json").read_text())
        mlm, frequent = report["mlm_accuracy"], report["most_frequent_token_accuracy"]
        assert f"{mlm:.3f} against {frequent:.3f} for {encoder} ({mlm / frequent:.1f}x" in science
    ratios = {"pos": [], "sc": []}
    for encoder in ENCODERS:
        join = pd.read_csv(mini_run / f"results/{encoder}/claims/join.csv")
        join = join[join["step"] == STEPS[-1]]
        for row in pd.read_csv(mini_run / f"results/{encoder}/claims/item_noise.csv").itertuples():
            if row.task not in ratios:  # the docs quote the paper's two tasks
                continue
            means = join[(join["task"] == row.task) & (join["mode"] == row.mode)].groupby("model")["delta_accuracy"]
            models = means.mean().std() / len(means.mean()) ** 0.5
            ratios[row.task].append(max(row.items_variance - row.interaction, 0) ** 0.5 / models)
    joint = {e: pd.read_csv(mini_run / f"results/{e}/claims/joint.csv").set_index(["claim", "scope"]) for e in ENCODERS}
    for claim in ("joint_transfer", "joint_gradients"):
        for encoder in ENCODERS:
            row = joint[encoder].loc[(claim, "every task")]
            assert f"{row['value']:.3f} [{row['low']:.3f}, {row['high']:.3f}]" in science, (claim, encoder)
    design = " ".join((REPO / "docs/design.md").read_text(encoding="utf-8").split())
    stated = (
        f"the items' is {min(ratios['sc']):.1f} to {max(ratios['sc']):.1f} times the models' for SC (60 items "
        f"shared by 9 languages) and {min(ratios['pos']):.1f} to {max(ratios['pos']):.1f} times for POS"
    )
    assert stated in design, stated
