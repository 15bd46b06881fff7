"""The compute plan: each rule's cost by hand on a small grid, and the plan printed for both configs."""

import subprocess
import sys

import pytest
from conftest import REPO
from test_flops import TINY

from align_transfer.core.config import merged
from align_transfer.ops.flops import job_flops
from align_transfer.ops.plan import MEASURED_CORES, MEASURED_GPU, compute_plan, job_seconds, parse_dry_run

CONFIG = {
    "alignment": {
        "steps": 100,
        "batch_size": 4,
        "checkpoint_steps": [50, 100],
        "pairs": [{"pair": "de-en", "cap": 1000}],
    },
    "finetune": {
        "tasks": ["pos", "sc"],
        "seeds": [1, 2],
        "pos": {"epochs": 3, "batch_size": 8},
        "sc": {"epochs": 2, "batch_size": 4},
    },
    "evaluation": {"languages": [{"lang": "de"}, {"lang": "fr"}], "table_step": 100},
    "analysis": {"finetuned_seeds": [1], "gradient_batches": 2},
    "encoders": [{"name": "A", "sentence_layer": 1, "layers": [4, 8], "retrieval_layer": 8, "mlm_head": True}],
    "compute": {
        "device": "test",
        "encoder": None,
        "seconds": {
            "align_step": {"sentence": 1.0, "word": 2.0, "mlm": 4.0, "optimizer": 0.5},
            "train_example": 0.5,
            "forward_example": 0.1,
            "gradient_example": 0.2,
            "tokenize_example": 0.01,
            "other_job": 3.0,
        },
        "items": {
            "pos": {"train": 10, "dev": 4, "test": 6},
            "sc": {"train": 20, "dev": 2, "test": 8},
            "flores": 5,
            "flores_languages": 3,
            "words": 7,
        },
        "tokens": {"parallel": 3, "pos": 4, "sc": 5, "flores": 6, "words": 2},
        "flops": {"utilisation": 0.5, "peak_tflops": {"V100": 100, "H100": 1000}},
    },
}


def job(rule, gpu=True, threads=1, **wildcards):
    return {
        "rule": rule,
        "wildcards": wildcards,
        "resources": {"gpu": "1" if gpu else "0", "mem_mb": "2000"},
        "threads": threads,
    }


@pytest.mark.parametrize(
    "rule, wildcards, seconds",
    [
        ("align", {"losses": "S1W0M1", "pair": "de-en"}, 100 * (1.0 + 4.0 + 0.5)),  # steps x (active terms + AdamW)
        (
            "finetune_full",
            {"task": "pos", "model": "base"},
            2 * (3 * (10 * 0.5 + 4 * 0.1) + 6 * 0.1),
        ),  # seeds x (epochs + test)
        ("linear_probe", {"task": "sc", "model": "base"}, (20 + 2 + 8) * 0.1),  # every split encoded once
        (
            "embed",
            {"model": "base"},
            (3 * 5 + 7 + 8 * (1 + 1 / 2)) * 0.1,
        ),  # and SIB-200 test: 2 languages' and English's
        ("embed_finetuned", {"model": "de-en_S1W0M1_100"}, 2 * 1 * (3 * 5 + 7) * 0.1),  # tasks x kept seeds
        (
            "gradients",
            {"model": "de-en_S1W0M1_100"},
            # per kept seed and batch: each task's gradient in English and the 2 languages (batches of 8 and 4);
            # per run (2 tasks x 1 seed) and batch: an alignment gradient (L_S, L_M: no optimizer), and the MLM
            # gradients of 3 languages on FLORES (alignment batches of 4)
            1 * 2 * 3 * (8 + 4) * 0.2 + 2 * 2 * (1.0 + 4.0) + 2 * 2 * 3 * 4 * 0.2,
        ),
        (
            "gradients",
            {"model": "de-en_S1W0M0_100", "encoder": "no head"},
            1 * 2 * 3 * (8 + 4) * 0.2 + 2 * 2 * 1.0,
        ),  # no MLM gradients
        ("tokenize_parallel", {"pair": "de-en"}, 1000 * 0.01),
        ("prepare_ud", {}, 3.0),
    ],
)
def test_job_seconds_by_hand(rule, wildcards, seconds):
    encoder = CONFIG["encoders"][0] | {"mlm_head": wildcards.get("encoder") != "no head"}
    assert job_seconds(job(rule, **wildcards), CONFIG, encoder) == pytest.approx(seconds)


def test_plan_sums_flops_gpu_and_cpu_hours_and_disk_per_rule():
    jobs = [job("align", losses="S1W1M1", pair="de-en", encoder="A")] * 2 + [
        job("prepare_ud", gpu=False, threads=2)
    ] * 3
    sizes = {"checkpoint": 1e9, "backbone": 0, "head": 0, "embeddings": 0}
    config = merged(CONFIG, {"alignment": {"word_negatives": 5, "mlm_probability": 0.5}})
    encoders = {"A": {"entry": CONFIG["encoders"][0], "shape": TINY, "sizes": sizes}}
    plan = compute_plan(jobs + [job("all", gpu=False)], config, encoders).set_index("rule")
    assert plan.loc["align", "jobs"] == 2 and plan.loc["align", MEASURED_GPU] == pytest.approx(2 * 750 / 3600)
    one_run = job_flops(job("align", losses="S1W1M1"), config, TINY, CONFIG["encoders"][0])
    assert plan.loc["align", "pflops"] == pytest.approx(2 * one_run / 1e15) and one_run > 0
    assert plan.loc["total", "V100_hours_lower_bound"] == pytest.approx(2 * one_run / (100e12 * 0.5) / 3600)
    assert plan.loc["total", "H100_hours_lower_bound"] == pytest.approx(
        plan.loc["total", "V100_hours_lower_bound"] / 10
    )
    assert plan.loc["align", "disk_gb"] == pytest.approx(2 * 2 * 1.0)  # two checkpoints per run
    assert plan.loc["prepare_ud", MEASURED_CORES] == pytest.approx(3 * 3.0 * 2 / 3600)  # core-hours
    assert plan.loc["total", "jobs"] == 5 and "all" not in plan.index


def test_another_encoders_jobs_take_the_measured_seconds_times_its_flops_over_the_reference_encoders():
    from align_transfer.ops.flops import EncoderShape

    config = merged(CONFIG, {"alignment": {"word_negatives": 5, "mlm_probability": 0.5}})
    wide = EncoderShape(layers=4, hidden=8, intermediate=16, vocab=10)
    sizes = {"checkpoint": 1e9, "backbone": 0, "head": 0, "embeddings": 0}
    encoders = {
        "A": {"entry": config["encoders"][0], "shape": TINY, "sizes": sizes},
        "B": {"entry": config["encoders"][0] | {"name": "B"}, "shape": wide, "sizes": {**sizes, "checkpoint": 3e9}},
    }
    jobs = [job("align", losses="S1W1M1", pair="de-en", encoder=name) for name in ("A", "B")]
    plan = compute_plan(jobs, config, encoders).set_index("rule")
    a, b = (job_flops(jobs[0], config, shape, config["encoders"][0]) for shape in (TINY, wide))
    measured = job_seconds(jobs[0], config) / 3600  # A's, measured
    assert b > a and plan.loc["total A", MEASURED_GPU] == pytest.approx(measured)
    assert plan.loc["total B", MEASURED_GPU] == pytest.approx(measured * b / a)
    assert plan.loc["total B", "disk_gb"] == pytest.approx(2 * 3.0) and plan.loc["total", "jobs"] == 2
    assert plan.loc["total", "pflops"] == pytest.approx((a + b) / 1e15)


def test_overlays_merge_like_snakemake():
    assert merged({"a": {"b": 1, "c": [1, 2]}, "d": 1}, {"a": {"c": [3]}}) == {"a": {"b": 1, "c": [3]}, "d": 1}


def test_dry_run_parser_reads_rules_wildcards_resources_and_threads():
    text = "rule align:\n    output: x\n    wildcards: pair=de-en, losses=S1W1M1\n    threads: 4\n    resources: tmpdir=/tmp, mem_mb=32000, gpu=1\n\nlocalrule table1:\n    output: y\n"
    first, second = parse_dry_run(text)
    assert first == {
        "rule": "align",
        "local": False,
        "wildcards": {"pair": "de-en", "losses": "S1W1M1"},
        "resources": {"tmpdir": "/tmp", "mem_mb": "32000", "gpu": "1"},
        "output": ["x"],
        "threads": 4,
    }
    assert second["rule"] == "table1" and second["local"] and second["threads"] == 1


@pytest.mark.parametrize(
    "overlay, encoders",
    [
        (None, ["XLM-R"]),
        ("config/mini.yaml", ["MiniXLM-R", "MiniBERT"]),
        ("config/three-encoders.yaml", ["XLM-R", "XLM-R-large", "mBERT"]),
    ],
)
def test_the_plan_prints_for_each_config(tmp_path, overlay, encoders):
    import pandas as pd

    command = [sys.executable, str(REPO / "tools/compute_plan.py"), "--out", str(tmp_path / "plan.tsv")]
    if overlay:
        command += ["--configfile", str(REPO / overlay)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    plan = pd.read_csv(tmp_path / "plan.tsv", sep="\t").set_index("rule")
    assert {"align", "finetune_full", "gradients", "embed", "prepare_ud", "total"} <= set(plan.index)
    # the paper's 7 codes on 4 pairs; the mini world's 7 and its TLM code on its one pair
    aligned = 7 * 4 * len(encoders) if overlay is None or len(encoders) == 3 else 8 * 2
    assert plan.loc["align", "jobs"] == aligned
    per_encoder = [name for name in plan.index if name.startswith("total ")]
    assert per_encoder == [f"total {name}" for name in encoders] if len(encoders) > 1 else not per_encoder
    if per_encoder:  # each encoder's jobs add up to the total's (the shared data jobs aside)
        assert plan.loc[per_encoder, "jobs"].sum() < plan.loc["total", "jobs"]
        assert plan.loc[per_encoder, "pflops"].sum() == pytest.approx(plan.loc["total", "pflops"], rel=1e-6)
    total = plan.loc["total"]
    assert total["pflops"] > 0 and total[MEASURED_GPU] > 0 and total["disk_gb"] > 0
    assert total["V100_hours_lower_bound"] > total["A100_hours_lower_bound"] > total["H100_hours_lower_bound"] > 0
    assert plan.loc["prepare_ud", "pflops"] == 0  # a job without an encoder performs no FLOPs counted here
    from align_transfer.core.config import load_config
    from align_transfer.ops.plan import plan_markdown
    from align_transfer.report import docs

    if overlay in docs.PLANS:  # the docs' table of this plan is this plan (python -m align_transfer.report.docs plan)
        document, markers = docs.PLANS[overlay]
        config = load_config([REPO / "config/config.yaml", *([REPO / overlay] if overlay else [])])
        table = plan_markdown(pd.read_csv(tmp_path / "plan.tsv", sep="\t"), config, by_encoder=len(encoders) > 1)
        assert docs.section(document.read_text(encoding="utf-8"), markers) == table
    if overlay is None:  # what the README says the paper's plan counts is this plan's
        readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
        stated = (
            f"The compute plan counts {total['pflops']:,.1f} PFLOPs: {total['V100_hours_lower_bound']:.1f} V100-hours"
        )
        assert stated in readme, stated
        disk = f"about {round(total['disk_gb'], -1):.0f} GB of disk for `results/`"
        assert disk in readme, disk

    printed = {line.split()[0]: line for line in result.stdout.splitlines() if line.split()}
    assert "align" in printed and "prepare_ud" not in printed and "table1" not in printed  # free rules hidden
    assert "V100 h ≥" in result.stdout and "GPU rules h†" in result.stdout and "lower bound" in result.stdout
    assert "tools/measure_costs.py --device cuda" in result.stdout
    assert f"{plan.loc['align', 'V100_hours_lower_bound']:.3g} V100-hours" in result.stdout
    assert result.stdout.strip().endswith(str(tmp_path / "plan.tsv"))


def local_encoder(folder, architectures=("BertModel",)):
    """A Hugging Face model folder as far as the plan reads it: its config.json (a small BERT)."""
    from transformers import BertConfig

    folder.mkdir(parents=True)
    config = BertConfig(
        vocab_size=1000, hidden_size=64, num_hidden_layers=2, num_attention_heads=4, intermediate_size=128
    )
    config.architectures = list(architectures)
    config.to_json_file(folder / "config.json")
    return folder


def test_the_plan_prices_an_encoder_read_from_a_local_folder_or_names_the_key_to_set(tmp_path):
    import yaml

    entry = {"name": "Local", "mirror": str(tmp_path / "local"), "mlm_head": False, "losses": ["S1W0M0"]}
    entry |= {"sentence_layer": 1, "layers": [1, 2], "retrieval_layer": 1}
    overlay = tmp_path / "local.yaml"
    overlay.write_text(yaml.safe_dump({"encoders": [entry]}))
    command = [sys.executable, str(REPO / "tools/compute_plan.py"), "--out", str(tmp_path / "plan.tsv")]
    command += ["--configfile", str(overlay)]
    missing = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert (
        f"config error at encoders[0] (Local).shape: its architecture is not known: its folder {tmp_path}/local"
        in missing.stderr
    )
    local_encoder(tmp_path / "local")
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "align" in result.stdout


def test_a_local_encoder_without_an_mlm_head_is_refused_in_the_dry_run_under_m_codes(tmp_path):
    from conftest import snakemake

    folder = local_encoder(tmp_path / "local")
    entry = {"name": "Local", "mirror": str(folder), "mlm_head": True, "losses": ["S0W0M1", "S1W0M0"]}
    entry |= {"sentence_layer": 1, "layers": [1, 2], "retrieval_layer": 1}
    result = snakemake(tmp_path, "-n", overlays=[{"encoders": [entry]}], check=False)
    assert result.returncode == 1
    assert (
        f"config error at encoders[0] (Local).mlm_head: true, but {folder} has no MLM head (neither its config.json's "
        "architectures nor its weights have one); set mlm_head: false and leave out the codes that need one (S0W0M1)"
        in result.stderr
    )
    local_encoder(tmp_path / "with_head", ("BertForMaskedLM",))
    with_head = entry | {"mirror": str(tmp_path / "with_head")}
    assert snakemake(tmp_path, "-n", overlays=[{"encoders": [with_head]}], check=False).returncode == 0
