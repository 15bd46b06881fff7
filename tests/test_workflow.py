"""The workflow as a whole: dry runs of both configs, config validation, lint and format (Snakemake and Python)."""

import re
import subprocess
import tomllib
from collections import Counter

import pytest
import yaml
from conftest import REPO, SNAKEMAKE, job_counts, snakemake

from align_transfer.ops.plan import parse_dry_run as dry_run_jobs

# Every job of the paper's grid that exists so far, per rule: one place that says what a
# change to the DAG does to the cluster's job count.
PAPER_JOBS = {
    "download_encoder": 1,
    "download_flores": 1,
    "download_lexicon": 1,  # one job a source: 8 lexicons (en-kk skipped: MUSE has no Kazakh)
    "download_parallel": 4,  # one a corpus: they are large
    "download_sib200": 1,  # English train + dev, the 9 evaluation languages' test
    "download_ud": 1,  # the same, for UD
    "prepare_flores": 1,
    "prepare_lexicon": 1,
    "prepare_parallel": 4,  # one a pair: its cap is its own
    "prepare_sib200": 1,
    "prepare_ud": 1,
    "prepare_base_encoder": 1,
    "tokenize_parallel": 4,  # once per corpus, shared by the 7 loss codes
    "align": 28,  # 4 pairs x 7 loss codes, each writing the 3000 and 6000 step checkpoints
    "tokenize_task": 2,
    "linear_probe": 114,  # 57 encoders (base + 28 x 2 steps) x 2 tasks, all 3 seeds in one job
    "finetune_full": 114,  # 57 encoders x 2 tasks, all 3 seeds in one job
    "embed": 57,  # base + the 28 aligned encoders at both steps (the claims layer's join), each compared in the same job
    "embed_finetuned": 28,  # each aligned encoder's kept full runs: 2 tasks x 3 seeds in one job
    "gradients": 28,  # each aligned encoder's kept full runs: 2 tasks x 3 seeds in one job
    "table1": 1,
    "hyperparameter_tables": 1,
    "table2": 1,
    "retrieval_tables": 1,  # Tables 7, 8 and R@1
    "table3": 1,
    "gradient_languages": 1,
    "figure1": 1,
    "transfer_join": 1,  # the claims layer (docs/design.md §7)
    "scorecard": 1,  # against the paper's numbers
    "table1_significance": 1,
    "instance_level": 1,
    "claims": 1,
    "tables_at_step": 1,  # the 3000-step tables (dose-response)
    "report": 1,
    "model_cards": 1,  # every aligned checkpoint fine-tuned, as a Hub repository with its model card
    "study_table": 13,  # results/tables/: each table of results/XLM-R/tables/, with every encoder's rows
    "study_figure": 3,  # results/figures/: each figure
    "all": 1,
}
# Each encoder is a study of its own; the mini world has two (and so the layer across them)
PER_ENCODER = {
    "prepare_base_encoder",
    "tokenize_parallel",
    "align",
    "tokenize_task",
    "linear_probe",
    "finetune_full",
    "embed",
    "embed_finetuned",
    "gradients",
    "table1",
    "hyperparameter_tables",
    "table2",
    "retrieval_tables",
    "table3",
    "gradient_languages",
    "figure1",
    "transfer_join",
    "scorecard",
    "table1_significance",
    "instance_level",
    "claims",
    "tables_at_step",
    "report",
    "model_cards",
}
#: One mini encoder's jobs: the paper's 7 codes and the TLM code beyond them (S0W0M0T1) on one pair, each at
#: steps 20 and 40; the paper's two tasks and named entities (NER).
MINI_ENCODER_JOBS = {
    "train_mini_tokenizer": 1,
    "pretrain_mini_encoder": 1,
    "prepare_base_encoder": 0,
    "tokenize_parallel": 1,
    "tokenize_task": 3,
    "align": 8,
    "linear_probe": 51,  # 17 encoders (base + 8 at steps 20 and 40) x 3 tasks
    "finetune_full": 51,  # 17 encoders x 3 tasks
    "embed": 17,
    "embed_finetuned": 8,
    "gradients": 8,
    "finetune_joint": 9,  # beyond the paper: 3 codes jointly (finetune.joint) x 3 tasks
    "gradients_joint": 3,
    "joint_claims": 1,
}
MINI_JOBS = (
    {rule: count * 2 if rule in PER_ENCODER else count for rule, count in PAPER_JOBS.items()}
    | {rule: 2 * count for rule, count in MINI_ENCODER_JOBS.items()}
    | {
        "download_wikiann": 1,  # English train + dev, the 9 evaluation languages' test
        "prepare_wikiann": 1,
        "generate_mini_world": 1,
        "download_encoder": 0,
        "download_parallel": 1,
        "prepare_parallel": 1,
        "join_encoders": 1,  # across the two encoders
        "claims_across_encoders": 1,
        "study_report": 1,
        "study_figure": 6,  # each encoder's figures: figure1_MiniXLM-R, ...
        "study_table": 15,  # and the joint runs' two tables
    }
)
#: config/joint.yaml: the paper's grid, and each of its 7 codes also fine-tuned jointly with its alignment loss
JOINT_JOBS = PAPER_JOBS | {
    "finetune_joint": 56,  # 4 pairs x 7 codes x 2 tasks, all 3 seeds in one job
    "gradients_joint": 28,  # each joint model's kept runs: 2 tasks x 3 seeds in one job
    "joint_claims": 1,
    "study_table": 15,
}
GPU_RULES = {"align", "linear_probe", "finetune_full", "embed", "embed_finetuned", "gradients"}
GPU_RULES |= {"finetune_joint", "gradients_joint"}


def test_paper_dry_run_lists_every_data_job_offline(tmp_path):
    result = snakemake(tmp_path, "-n", "--quiet", "rules")
    assert job_counts(result.stdout) == PAPER_JOBS
    assert "note: lexicon en-kk skipped" in result.stderr


def test_paper_dry_run_tags_exactly_the_gpu_rules(tmp_path):
    jobs = dry_run_jobs(snakemake(tmp_path, "-n").stdout)
    assert len(jobs) == sum(PAPER_JOBS.values())
    for job in jobs:
        assert (job["resources"].get("gpu") == "1") == (job["rule"] in GPU_RULES), job
    assert sum(job["rule"] == "align" for job in jobs) == 28
    assert sum(job["rule"] == "finetune_full" for job in jobs) == 114


def test_mini_dry_run(tmp_path):
    result = snakemake(tmp_path, "-n", "--quiet", "rules", overlays=[REPO / "config/mini.yaml"])
    assert job_counts(result.stdout) == {rule: n for rule, n in MINI_JOBS.items() if n}


def test_the_joint_overlay_adds_its_runs_to_the_paper_s_grid_on_gpu_nodes(tmp_path):
    jobs = dry_run_jobs(snakemake(tmp_path, "-n", overlays=[REPO / "config/joint.yaml"]).stdout)
    assert Counter(job["rule"] for job in jobs) == JOINT_JOBS
    for job in jobs:
        assert (job["resources"].get("gpu") == "1") == (job["rule"] in GPU_RULES), job


def test_without_the_sc_task_there_is_no_sc_run_and_no_instance_level(tmp_path):
    counts = job_counts(
        snakemake(tmp_path, "-n", overlays=[REPO / "config/mini.yaml", {"finetune": {"tasks": ["pos"]}}]).stdout
    )
    assert "instance_level" not in counts and counts["tokenize_task"] == 2  # one per encoder
    # POS only, per encoder: base and 14 checkpoints of the paper's codes, and 2 of the TLM code
    assert counts["finetune_full"] == counts["linear_probe"] == 2 * (15 + 2)
    assert "download_wikiann" not in counts  # no named entities: no WikiANN


def test_a_linear_only_grid_plans_no_full_fine_tuning_and_nothing_that_reads_it(tmp_path):
    counts = job_counts(snakemake(tmp_path, "-n", overlays=[{"finetune": {"modes": ["linear"]}}]).stdout)
    assert counts["linear_probe"] == 114 and counts["claims"] == counts["report"] == 1
    assert not counts.keys() & {"finetune_full", "gradients", "embed_finetuned", "table3", "gradient_languages"}
    # and Tables 3 and §4.5 (one job each), and their study copies (Table 3, its baseline, §4.5 and its figure)
    assert sum(counts.values()) == sum(PAPER_JOBS.values()) - 114 - 28 - 28 - 2 - 4


def test_an_encoder_without_an_mlm_head_that_takes_the_m_loss_is_refused_by_name(tmp_path):
    paper = yaml.safe_load((REPO / "config/config.yaml").read_text())["encoders"][0]
    headless = paper | {"name": "mE5", "mlm_head": False}
    result = snakemake(tmp_path, "-n", overlays=[{"encoders": [paper, headless]}], check=False)
    assert result.returncode == 1
    assert (
        "config error at encoders[1] (mE5): mlm_head: false, so it cannot take the MLM-head losses of S0W0M1, S0W1M1, S1W0M1, "
        "S1W1M1; leave those codes out for it (losses: [S0W1M0, S1W0M0, S1W1M0])"
    ) in result.stderr
    counts = job_counts(
        snakemake(
            tmp_path,
            "-n",
            "--quiet",
            "rules",
            overlays=[{"encoders": [paper, headless | {"losses": ["S0W1M0", "S1W0M0", "S1W1M0"]}]}],
        ).stdout
    )
    assert counts["align"] == 4 * (7 + 3) and counts["download_encoder"] == 2 and counts["study_report"] == 1


def test_a_config_typo_names_the_key(tmp_path):
    result = snakemake(tmp_path, "-n", overlays=[{"alignment": {"learnin_rate": 1e-5}}], check=False)
    assert result.returncode != 0
    assert "'learnin_rate' was unexpected" in result.stdout + result.stderr


def test_a_bad_loss_code_is_refused(tmp_path):
    result = snakemake(tmp_path, "-n", overlays=[{"alignment": {"losses": ["S1W0M0", "S0W0M0"]}}], check=False)
    assert result.returncode != 0
    assert (
        "'S0W0M0' is not a loss code: S?W?M? with ? in {0, 1} (S L_S, W L_W, M L_M), then T1 where L_T is on"
        in result.stdout + result.stderr
    )


def test_a_retrieval_language_without_flores_code_names_the_key(tmp_path):
    overlay = {"analysis": {"retrieval_groups": [{"group": "g", "pairs": ["deu-xyz"]}]}}
    result = snakemake(tmp_path, "-n", overlays=[overlay], check=False)
    assert result.returncode != 0
    assert "config error at analysis.flores_codes: 'xyz'" in result.stderr


def test_lint_and_format_are_clean():
    lint = subprocess.run([str(SNAKEMAKE), "--lint"], cwd=REPO, capture_output=True, text=True)
    assert lint.returncode == 0 and "Congratulations" in lint.stdout + lint.stderr, lint.stdout + lint.stderr
    snakefmt = SNAKEMAKE.parent / "snakefmt"
    fmt = subprocess.run([str(snakefmt), "--check", "workflow"], cwd=REPO, capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    ruff = SNAKEMAKE.parent / "ruff"  # the Python: formatted and linted by ruff (pyproject.toml, [tool.ruff])
    for command in (["format", "--check"], ["check"]):
        result = subprocess.run(
            [str(ruff), *command, "src", "scripts", "tools", "tests"], cwd=REPO, capture_output=True, text=True
        )
        assert result.returncode == 0, f"ruff {' '.join(command)}:\n{result.stdout}{result.stderr}"


def test_conda_env_pins_what_pyproject_pins():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    pins = dict(re.fullmatch(r"([\w.-]+)==(.+)", dep).groups() for dep in pyproject["project"]["dependencies"])
    env = yaml.safe_load((REPO / "workflow/envs/align_transfer.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    env_pins = dict(re.fullmatch(r"([\w.-]+)==(.+)", dep).groups() for dep in pip)
    assert env_pins and all(pins.get(name) == version for name, version in env_pins.items()), env_pins


def test_the_disk_plan_matches_the_jobs_of_the_paper_grid(tmp_path):
    import csv

    jobs = dry_run_jobs(snakemake(tmp_path, "-n").stdout)
    snakemake(tmp_path, "--cores", "1", "disk_plan")
    with open(tmp_path / "results/plan/disk.tsv") as handle:
        plan = {row["what"].split(" (")[0]: row for row in csv.DictReader(handle, delimiter="\t")}
    assert {row["encoder"] for row in plan.values()} == {"XLM-R"}
    checkpoints = [out for job in jobs if job["rule"] == "align" for out in job["output"] if "/step" in out]
    full = [job for job in jobs if job["rule"] == "finetune_full"]
    # aligned, at Table 1's step: every seed keeps its backbone
    kept = [
        out
        for job in full
        if job["wildcards"]["model"].endswith("_6000")
        for out in job["output"]
        if "/seed" in out and not out.endswith(".csv")
    ]
    heads = sum(
        not out.endswith(".csv")
        for job in jobs
        if job["rule"] in ("finetune_full", "linear_probe")
        for out in job["output"]
    )
    assert int(plan["alignment checkpoints"]["count"]) == len(checkpoints) == 56
    assert int(plan["fully fine-tuned backbones kept for Table 3 and Figure 1"]["count"]) == len(kept) == 168
    assert int(plan["fine-tuning heads"]["count"]) == heads == 684
    # XLM-R base: 278M parameters in fp32, 1.11 GB, plus 22 MB of tokenizer files
    assert 1.12e9 < int(plan["alignment checkpoints"]["bytes_each"]) < 1.14e9
    for row in plan.values():
        assert int(row["bytes"]) == int(row["count"]) * int(row["bytes_each"])


def test_a_dry_run_for_table3_lists_only_what_table3_needs(tmp_path):
    jobs = dry_run_jobs(snakemake(tmp_path, "-n", "results/XLM-R/tables/table3.csv").stdout)
    counts = {rule: sum(job["rule"] == rule for job in jobs) for rule in {job["rule"] for job in jobs}}
    # the 28 aligned encoders at step 6000, fully fine-tuned on both tasks, and their gradients
    assert counts["align"] == 28 and counts["gradients"] == 28 and counts["table3"] == 1
    assert counts["finetune_full"] == 28 * 2
    assert all(job["wildcards"]["model"].endswith("_6000") for job in jobs if job["rule"] == "finetune_full")
    # no linear probes, no base or 3000-step fine-tuning, no embeddings, no other table
    assert not counts.keys() & {"linear_probe", "embed", "embed_finetuned", "table1", "table2", "report", "all"}
    assert counts["download_sib200"] == 1 and "download_lexicon" not in counts  # lexicons serve Figure 1 only


@pytest.mark.parametrize("table", ["table1", "table3"])
def test_the_study_s_own_table_plans_that_table_and_only_what_it_needs_locally_and_on_slurm(tmp_path, table):
    """`snakemake results/tables/table3.csv` (and with `--profile slurm`): the encoder's table, what it needs,
    and the study's copy of it, nothing else."""
    from conftest import slurm_profile

    own = dry_run_jobs(snakemake(tmp_path, "-n", f"results/XLM-R/tables/{table}.csv").stdout)
    study = dry_run_jobs(snakemake(tmp_path, "-n", f"results/tables/{table}.csv").stdout)
    (tmp_path / "profile").mkdir()
    profile = slurm_profile(tmp_path / "profile")
    cluster = dry_run_jobs(snakemake(tmp_path, "-n", "--profile", str(profile), f"results/tables/{table}.csv").stdout)

    def counts(jobs):
        return {rule: sum(job["rule"] == rule for job in jobs) for rule in {job["rule"] for job in jobs}}

    assert counts(study) == counts(own) | {"study_table": 1} == counts(cluster)
    assert [job["wildcards"]["table"] for job in study if job["rule"] == "study_table"] == [table]


def test_the_mini_world_lands_in_its_own_folder_and_the_paper_where_it_runs(tmp_path):
    command = [str(SNAKEMAKE), "-s", str(REPO / "workflow/Snakefile"), "-n", "--quiet", "rules"]
    mini = subprocess.run(
        command + ["--configfile", str(REPO / "config/mini.yaml")], cwd=tmp_path, capture_output=True, text=True
    )
    assert mini.returncode == 0 and not (tmp_path / ".snakemake").exists()  # it ran in demo/, not here
    assert (tmp_path / "demo/.snakemake").is_dir()  # demo/ under where snakemake runs (make demo: the repository)
    paper = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert paper.returncode == 0 and (tmp_path / ".snakemake").is_dir()


def test_the_slurm_profile_refuses_to_start_while_a_placeholder_remains(tmp_path):
    result = snakemake(tmp_path, "-n", "--profile", str(REPO / "slurm"), check=False)
    assert result.returncode == 1
    assert "set-resources: align: slurm_partition: FILL_IN_GPU_PARTITION" in result.stderr
    assert "default-resources: slurm_partition: FILL_IN_CPU_PARTITION" in result.stderr


def test_a_filled_in_profile_sends_cpu_jobs_to_the_cpu_partition_and_gpu_jobs_to_the_gpu_one(tmp_path):
    from conftest import slurm_profile

    profile = slurm_profile(tmp_path)
    jobs = dry_run_jobs(snakemake(tmp_path, "-n", "--profile", str(profile)).stdout)
    partition = {job["rule"]: job["resources"].get("slurm_partition") for job in jobs if not job["local"]}
    assert partition["prepare_ud"] == partition["tokenize_task"] == "cpu"  # not dropped by the workflow profile
    assert partition["align"] == partition["gradients"] == "gpu"
