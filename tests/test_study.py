"""The study a config describes (core.study): paths filled as snakemake's expand fills them, each task's source
files from the task registry, and the model files its jobs keep counted from the jobs' own work (ops.work)."""

import itertools

from conftest import REPO

from align_transfer.core import layout
from align_transfer.core.config import load_config
from align_transfer.core.study import Study
from align_transfer.core.tasks import TASKS
from align_transfer.ops.work import Units, job_work, kept_files

SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
PAPER = load_config([REPO / "config/config.yaml"], SCHEMA)
MINI = load_config([REPO / "config/config.yaml", REPO / "config/mini.yaml"], SCHEMA)


def test_fill_leaves_the_fields_it_is_not_given_as_wildcards_and_fill_all_expands_in_order():
    assert layout.fill(layout.ZEROSHOT, mode="full", suffix="") == (
        "results/{encoder}/eval/zeroshot/{task}/full/{model}/seed{seed}.csv"
    )
    tables, exts = ["table1", "table2"], ["csv", "md"]
    by_hand = [f"results/X/tables/{t}.{e}" for t, e in itertools.product(tables, exts)]  # expand's order
    assert layout.fill_all(layout.TABLE, encoder=["X"], table=tables, ext=exts) == by_hand
    assert layout.table("table3", "md", "XLM-R") == "results/XLM-R/tables/table3.md"


def test_the_paper_grid_has_its_runs_and_targets():
    study = Study(PAPER)
    assert len(study.finetuned_models("XLM-R")) == 1 + 28 * 2  # base, 28 aligned at 3k and 6k steps
    assert study.table_models("XLM-R")[0] == "base" and len(study.aligned_table_models("XLM-R")) == 28
    targets = study.all_targets()
    assert "results/tables/table3.csv" in targets and len(targets) == len(set(targets))
    assert "results/XLM-R/align/de-en/S1W0M1/step6000" in targets
    assert not any(path.startswith("results/data/wikiann") for path in targets)  # NER is off in the paper


def test_each_task_source_gives_its_files_from_the_registry():
    sources = Study(MINI).task_sources()
    assert set(sources) == {"pos", "sc", "ner"}
    raw, (fields, prepared) = next(
        (raw, entry) for raw, entry in sources["ner"].items() if entry[1].endswith("/en/dev.jsonl")
    )
    assert raw == "resources/wikiann/en/validation-00000-of-00001.parquet" and fields == {
        "lang": "en",
        "split": "validation",
    }
    assert prepared == "results/data/wikiann/en/dev.jsonl"
    # the source's train and dev; its test too where items are parallel (SIB-200: the instance level)
    for task, splits in (("pos", ["dev", "train"]), ("sc", ["dev", "test", "train"])):
        english = sorted(prepared for _, prepared in sources[task].values() if "/en/" in prepared)
        assert english == [TASKS[task].prepared.format(lang="en", split=split) for split in splits]


def test_the_kept_model_files_are_the_sum_of_the_jobs_work():
    study = Study(PAPER)
    counts = kept_files(study.training_jobs("XLM-R"), PAPER, study.encoders["XLM-R"])
    seeds, kept_seeds = len(PAPER["finetune"]["seeds"]), len(PAPER["analysis"]["finetuned_seeds"])
    runs = 4 * 7  # pairs x loss codes (§4.2)
    assert counts["checkpoint"] == runs * 2  # 3k and 6k steps
    assert counts["alignment_state"] == runs
    assert counts["head"] == 2 * 2 * (1 + runs * 2) * seeds  # tasks x modes x models x seeds
    assert counts["backbone"] == 2 * runs * kept_seeds  # full, aligned at Table 1's step, the analysed seeds
    assert counts["finetune_state"] == 2 * (1 + runs * 2)  # one per full fine-tuning job


def test_joint_runs_are_planned_beside_their_sequential_runs_and_their_work_is_counted():
    """config/joint.yaml: each code at the table step also fine-tuned jointly, per task, named by its sequential
    run; each job's kept backbones and resumable state counted as a full fine-tuning job's, its work folder
    cleaned like theirs."""
    joint = load_config([REPO / "config/config.yaml", REPO / "config/joint.yaml"], SCHEMA)
    study, paper = Study(joint), Study(PAPER)
    assert study.joint_models("XLM-R") == study.aligned_table_models("XLM-R") and paper.joint_models("XLM-R") == []
    assert study.joint_start("XLM-R", "de-en_S1W0M1_6000") == "results/XLM-R/models/base"
    added = [job for job in study.training_jobs("XLM-R") if job not in paper.training_jobs("XLM-R")]
    assert {job["rule"] for job in added} == {"finetune_joint"} and len(added) == 2 * 28  # tasks x codes
    assert added[0]["wildcards"] == {"encoder": "XLM-R", "task": "pos", "mode": "joint", "model": "de-en_S0W0M1_6000"}
    counts = kept_files(study.training_jobs("XLM-R"), joint, study.encoders["XLM-R"])
    before = kept_files(paper.training_jobs("XLM-R"), PAPER, paper.encoders["XLM-R"])
    kept_seeds, seeds = len(PAPER["analysis"]["finetuned_seeds"]), len(PAPER["finetune"]["seeds"])
    assert counts["backbone"] - before["backbone"] == 2 * 28 * kept_seeds
    assert (
        counts["head"] - before["head"] == 2 * 28 * seeds and counts["finetune_state"] - before["finetune_state"] == 56
    )
    work = study.training_work()
    assert work["results/XLM-R/finetune/sc/joint/kk-ko_S1W1M1_6000/work"][0].endswith("/joint/kk-ko_S1W1M1_6000/seed15")
    assert "joint" in study.claim_pages and study.paper_tables.index("joint_transfer") == 2
    # the work priced: a full job's, and an alignment step of the code per task step (3 seeds x 15 epochs x
    # ceil(12,544 EWT sentences / 16)), with its optimizer update
    work = job_work(added[0], joint, study.encoders["XLM-R"])
    full = job_work(added[0] | {"rule": "finetune_full"}, joint, study.encoders["XLM-R"])
    assert work.units[:-1] == full.units and work.kept == full.kept
    steps = 3 * 15 * -(-joint["compute"]["items"]["pos"]["train"] // 16)
    assert work.units[-1] == Units("align_step", steps, losses="S0W0M1")
    aligned = load_config([REPO / "config/config.yaml", REPO / "config/joint.yaml"], SCHEMA)
    aligned["finetune"]["joint"]["start"] = "aligned"
    assert Study(aligned).joint_start("XLM-R", "de-en_S1W0M1_6000") == "results/XLM-R/align/de-en/S1W0M1/step6000"
