"""A config edit reruns exactly what it changes: dry runs on the finished mini run (docs/design.md §6)."""

import pytest
import yaml
from conftest import MINI, snakemake

from align_transfer.ops.plan import parse_dry_run

pytestmark = pytest.mark.e2e
MINI_CONFIG = yaml.safe_load(MINI.read_text())
TABLES = {
    "table1",
    "table2",
    "table3",
    "retrieval_tables",
    "gradient_languages",
    "figure1",
    "hyperparameter_tables",
    "report",
    "transfer_join",
    "table1_significance",
    "instance_level",
    "claims",
    "tables_at_step",
    "scorecard",
}
# what reads every encoder's outputs: the study's tables and figures, and what compares the encoders
ACROSS = {"study_table", "study_figure", "join_encoders", "claims_across_encoders", "study_report"}


def planned(workdir, *overlays):
    """Every job a dry run of the finished run plans with ``overlays`` over the mini config."""
    return [
        job
        for job in parse_dry_run(snakemake(workdir, "-n", overlays=[MINI, *overlays]).stdout)
        if job["rule"] != "all"
    ]


@pytest.mark.parametrize(
    "overlay",
    [
        {"alignment": {"log_every": 7}},
        {"alignment": {"state_every": 3}},
        {"training_threads": 2},
        {"compute": {"resources": {"align": {"mem_mb": 999, "runtime": 5}}, "seconds": {"other_job": 9.0}}},
        {"sources": {"download": {"retries": 5, "timeout": 10.0}}},
    ],
    ids=["log_every", "state_every", "training_threads", "compute", "download retries"],
)
def test_a_knob_that_does_not_change_results_plans_nothing(mini_run, overlay):
    assert planned(mini_run, overlay) == []


def reordered(value):
    if isinstance(value, dict):
        return {key: reordered(value[key]) for key in reversed(list(value))}
    return [reordered(item) for item in value] if isinstance(value, list) else value


def test_the_same_config_with_its_keys_in_another_order_plans_nothing(mini_run, tmp_path):
    path = tmp_path / "reordered.yaml"
    path.write_text(yaml.safe_dump(reordered(MINI_CONFIG), sort_keys=False))
    jobs = parse_dry_run(snakemake(mini_run, "-n", overlays=[path]).stdout)
    assert [job["rule"] for job in jobs] == []


def test_a_linear_sc_learning_rate_plans_only_the_sc_probes_and_the_tables_above(mini_run):
    jobs = planned(mini_run, {"finetune": {"sc": {"linear_lr": 0.04}}})
    probes = [job for job in jobs if job["rule"] == "linear_probe"]
    # both encoders' base and 8 codes at 2 steps
    assert len(probes) == 2 * 17 and all(job["wildcards"]["task"] == "sc" for job in probes)
    claims = {
        "transfer_join",
        "table1_significance",
        "instance_level",
        "claims",
        "tables_at_step",
        "scorecard",
    }  # all read every run
    assert {job["rule"] for job in jobs} - {"linear_probe"} == {
        "table1",
        "hyperparameter_tables",
        "report",
    } | claims | ACROSS  # Table 6 shows it


def test_a_full_sc_learning_rate_plans_only_sc_fine_tuning_and_what_reads_it(mini_run):
    jobs = planned(mini_run, {"finetune": {"sc": {"backbone_lr": 4.0e-4}}})
    full = [job for job in jobs if job["rule"] == "finetune_full"]
    assert len(full) == 2 * 17 and all(job["wildcards"]["task"] == "sc" for job in full)
    downstream = {"embed_finetuned", "gradients"}  # Figure 1 and Table 3 read the kept runs
    # the joint runs fine-tune with the full runs' settings: SC's, and what compares them with the full runs
    joint = [job for job in jobs if job["rule"] == "finetune_joint"]
    assert len(joint) == 2 * 3 and all(job["wildcards"]["task"] == "sc" for job in joint)
    downstream |= {"finetune_joint", "gradients_joint", "joint_claims"}
    assert {job["rule"] for job in jobs} <= {"finetune_full"} | downstream | TABLES | ACROSS


def test_one_pairs_cap_plans_only_that_pairs_chain(mini_run):
    pairs = [dict(p, cap=1400) if p["pair"] == "de-en" else p for p in MINI_CONFIG["alignment"]["pairs"]]
    jobs = planned(mini_run, {"alignment": {"pairs": pairs}})
    rules = {job["rule"] for job in jobs}
    assert {"prepare_parallel", "tokenize_parallel", "align", "finetune_full", "linear_probe", "gradients"} <= rules
    for job in jobs:
        wildcards = job["wildcards"]
        pair = wildcards.get("pair") or wildcards.get("model", "").split("_")[0] or None
        assert pair in ("de-en", None), job  # never the base encoder, never another source
        assert wildcards or job["rule"] in TABLES | ACROSS, job
    assert sum(job["rule"] == "align" for job in jobs) == 2 * 8  # both encoders' 8 codes


def test_one_encoders_fact_plans_only_that_encoders_analyses(mini_run):
    encoders = [dict(entry, layers=[1]) if entry["name"] == "MiniBERT" else entry for entry in MINI_CONFIG["encoders"]]
    jobs = planned(mini_run, {"encoders": encoders})
    assert {job["wildcards"].get("encoder") for job in jobs} == {"MiniBERT", None}  # never MiniXLM-R's
    # the layers analysed: its embeddings and what reads them, never its training or its gradients
    assert {job["rule"] for job in jobs} == {
        "embed",
        "embed_finetuned",
        "table2",
        "retrieval_tables",
        "figure1",
        "transfer_join",
        "claims",
        "instance_level",
        "tables_at_step",
        "scorecard",
        "report",
        "model_cards",  # its cards print the retrieval scores that its embedding jobs recompute
    } | ACROSS
