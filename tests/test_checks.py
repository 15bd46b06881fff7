"""The config checks the schema cannot make, in milliseconds: each names its key (the Snakefile refuses a
config with any of them before a job runs; tests/test_faults.py runs that path end to end)."""

import copy
from pathlib import Path

import pytest

from align_transfer.core.checks import config_problems, inconsistent_settings
from align_transfer.core.config import load_config

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mini():
    return load_config(
        [REPO / "config/config.yaml", REPO / "config/mini.yaml"], REPO / "workflow/schemas/config.schema.yaml"
    )


def changed(config, change):
    config = copy.deepcopy(config)
    change(config)
    return config


def test_the_shipped_configs_have_no_problem(mini, tmp_path):
    paper = load_config([REPO / "config/config.yaml"], REPO / "workflow/schemas/config.schema.yaml")
    assert config_problems(mini, tmp_path) == [] and config_problems(paper, tmp_path) == []


CASES = [
    (lambda c: c["finetune"].update(source="xx"), "finetune.source", "'xx' is not in `languages`"),
    (lambda c: c["evaluation"]["languages"].append("yy"), "evaluation.languages", "'yy' is not in `languages`"),
    (lambda c: c["analysis"]["retrieval_groups"][0]["pairs"].append("zz-en"), "analysis.flores_codes", "'zz' (used in"),
    (
        lambda c: c["alignment"].update(checkpoint_steps=[c["alignment"]["steps"] + 1]),
        "alignment.checkpoint_steps",
        "is beyond alignment.steps",
    ),
    (lambda c: c["finetune"].update(checkpoint_steps=[7]), "finetune.checkpoint_steps", "must be steps of"),
    (
        lambda c: c["evaluation"].update(table_step=7),
        "evaluation.table_step",
        "must be one of finetune.checkpoint_steps",
    ),
    (
        lambda c: c["analysis"].update(finetuned_seeds=[999]),
        "analysis.finetuned_seeds",
        "must be seeds of finetune.seeds",
    ),
    (lambda c: c["encoders"].append(dict(c["encoders"][0])), "encoders", "two encoders share a name"),
    (lambda c: c.update(mini_world=None), "encoders", "source: mini needs a mini_world"),
    (
        lambda c: c["encoders"][0].update(mlm_head=False),
        "encoders[0] (MiniXLM-R)",
        "mlm_head: false, so it cannot take the MLM-head losses",
    ),
    (
        lambda c: c["encoders"][0].update(retrieval_layer=99),
        "encoders[0] (MiniXLM-R)",
        "layer 99 (layers, sentence_layer",
    ),
]


@pytest.mark.parametrize(("change", "key", "message"), CASES, ids=[key + ": " + message for _, key, message in CASES])
def test_each_inconsistency_names_its_key(mini, change, key, message):
    problems = inconsistent_settings(changed(mini, change))
    assert any(found == key and message in text for found, text in problems), problems


def test_impossible_settings_wait_for_consistent_ones(mini, tmp_path):
    both = changed(mini, lambda c: (c["finetune"].update(source="xx"), c["alignment"].update(mlm_probability=1e-6)))
    assert [key for key, _ in config_problems(both, tmp_path)] == ["finetune.source"]
    impossible = changed(mini, lambda c: c["alignment"].update(mlm_probability=1e-6))
    assert [key for key, _ in config_problems(impossible, tmp_path)] == ["alignment.mlm_probability"]
