"""A narrowed mini workflow, with at least one job of every rule, through `--profile slurm` on a real
single-node SLURM cluster (../shared/tools): GPU-tagged rules on the gpu partition with one GPU, the
rest on the cpu partition, checked in sacct."""

import re
import subprocess
import sys

import pytest

from align_transfer.plan import parse_dry_run
from conftest import MINI, NARROW, REPO, slurm_profile, snakemake

pytestmark = pytest.mark.slurm
GPU_RULES = {"align", "linear_probe", "finetune_full", "embed", "embed_finetuned", "gradients"}


@pytest.fixture(scope="module")
def slurm_run(local_slurm, tmp_path_factory):
    """The narrowed DAG through the profile: its dry run's jobs, and {SLURM job id: rule} from its log."""
    if not local_slurm:
        pytest.skip("no local SLURM cluster (needs ../shared/tools and root)")
    workdir = tmp_path_factory.mktemp("slurm")
    profile = slurm_profile(tmp_path_factory.mktemp("profile"))
    planned = parse_dry_run(snakemake(workdir, "-n", "--profile", str(profile), overlays=[MINI, NARROW]).stdout)
    # a small local cluster: ask for job states every 2 s, without the plugin's back-off (tests/slurm_snakemake.py);
    # a real cluster's scheduler wants the defaults
    result = snakemake(workdir, "--profile", str(profile), "--slurm-keep-successful-logs", "--slurm-init-seconds-before-status-checks",
                       "2", overlays=[MINI, NARROW], timeout=1800, runner=(sys.executable, str(REPO / "tests/slurm_snakemake.py")))  # fmt: skip
    log = result.stdout + result.stderr
    found = re.findall(r"SLURM jobid (\d+) \(log: \S*/slurm_logs/rule_(\w+)/", log)
    assert found, log[-3000:]
    return planned, {job: rule for job, rule in found}, workdir


def declared_local_rules() -> set[str]:
    """The rules the workflow declares `localrules:` (a dry run through the SLURM executor does not mark them)."""
    names = set()
    for path in [REPO / "workflow/Snakefile", *(REPO / "workflow/rules").glob("*.smk")]:
        for block in re.findall(r"^localrules:\n((?:    \w+,\n)+)", path.read_text(), re.M):
            names |= set(re.findall(r"\w+", block))
    return names


def sacct(job_ids):
    result = subprocess.run(["sacct", "-X", "-n", "-P", "-o", "JobID,Partition,AllocTRES,State", "-j", ",".join(job_ids)],
                            capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return {row.split("|")[0]: row.split("|")[1:] for row in result.stdout.splitlines()}


def test_every_rule_ran_and_each_job_on_its_partition(slurm_run):
    planned, submitted, workdir = slurm_run
    every_rule = {job["rule"] for job in planned} - {"all"}
    local = every_rule & declared_local_rules()
    assert set(submitted.values()) == every_rule - local  # every cluster rule had at least one job
    assert GPU_RULES <= every_rule and {"table1", "report", "download_ud"} <= local
    accounted = sacct(list(submitted))
    assert set(accounted) == set(submitted)
    for job, rule in submitted.items():
        partition, tres, state = accounted[job]
        assert state == "COMPLETED", (job, rule, state)
        assert (partition == "gpu") == (rule in GPU_RULES), (job, rule, partition)
        assert ("gres/gpu=1" in tres.split(",")) == (rule in GPU_RULES), (job, rule, tres)
    assert (workdir / "results/MiniXLM-R/report.html").exists()  # one encoder: its own report, no study layer

