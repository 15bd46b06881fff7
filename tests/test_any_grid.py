"""The claims layer runs on whatever grid a config computes: a linear-only mini grid, end to end (on a copy
of the session's mini run, whose data, encoder, alignment runs and linear probes it shares)."""

import shutil
import subprocess

import pandas as pd
import pytest
import yaml
from conftest import MINI, demo_command, job_counts, snakemake

pytestmark = pytest.mark.e2e

MINI_XLMR = yaml.safe_load(MINI.read_text())["encoders"][0]
LINEAR_ONLY = {
    "encoders": [MINI_XLMR],
    "alignment": {"losses": ["S0W0M1", "S1W0M0", "S1W1M1"]},  # three runs: enough units for a verdict
    "finetune": {"modes": ["linear"], "tasks": ["pos", "sc"]},
    "claims": {"resamples": 200, "permutations": 200},
}


def test_a_linear_only_grid_runs_its_claims_to_the_report(mini_run, tmp_path):
    overlay = tmp_path / "linear.yaml"
    overlay.write_text(yaml.safe_dump(LINEAR_ONLY))
    counts = job_counts(snakemake(tmp_path / "plan", "-n", overlays=[MINI, overlay]).stdout)
    assert counts["linear_probe"] == 2 * 7 and not counts.keys() & {
        "finetune_full",
        "gradients",
        "embed_finetuned",
        "table3",
    }
    workdir = tmp_path / "run"
    for folder in ("resources", "results", ".snakemake"):
        shutil.copytree(
            mini_run / folder, workdir / folder, ignore=shutil.ignore_patterns("locks", "incomplete"), symlinks=True
        )
    for full in (workdir / "results/MiniXLM-R/finetune").glob("*/full"):  # what a linear-only grid never makes
        shutil.rmtree(full)
    result = subprocess.run(
        demo_command(workdir, MINI, overlay),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    results = workdir / "results/MiniXLM-R"
    assert not list((results / "finetune").glob("*/full"))
    claims = pd.read_csv(results / "claims/claims.csv").set_index("claim")
    assert claims.loc["orthogonal", "verdict"] == "not tested" and "finetune.modes" in claims.loc["orthogonal", "note"]
    transfer = claims.loc["transfer"]
    assert set(transfer["scope"]) == {"pos, linear, step 40", "sc, linear, step 40"} and (transfer["units"] == 3).all()
    within = claims.loc["predicts"].set_index("scope").filter(regex=", within languages$", axis=0)
    assert len(within) == 2 and (within["units"] == 3).all()
    assert (within["verdict"] == "too few units").all() and within["note"].str.contains(
        "3 runs allow 6 arrangements"
    ).all()
    report = (results / "report.html").read_text(encoding="utf-8")
    assert "not tested" in report and "<h2>Table 3:" not in report and "Figure 1" in report
