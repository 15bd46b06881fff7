"""The mini workflow through `--profile slurm` on a real single-node SLURM cluster (../shared/tools):
GPU-tagged rules on the gpu partition with one GPU, the rest on the cpu partition, checked in sacct."""

import re
import subprocess

import pytest


pytestmark = pytest.mark.slow
GPU_RULES = {"align", "linear_probe", "finetune_full", "embed", "embed_finetuned", "gradients"}


@pytest.fixture(scope="module")
def slurm_jobs(mini_run, local_slurm):
    """{SLURM job id: rule (or group)} of the session's mini run, from its SLURM log paths."""
    if not local_slurm:
        pytest.skip("no local SLURM cluster (needs ../shared/tools and root)")
    log = (mini_run / "slurm_run.log").read_text()
    found = re.findall(r"SLURM jobid (\d+) \(log: \S*/slurm_logs/(rule|group)_(\w+)/", log)
    assert found, log[-3000:]
    return {job: name for job, _, name in found}


def sacct(job_ids):
    result = subprocess.run(["sacct", "-X", "-n", "-P", "-o", "JobID,Partition,AllocTRES,State", "-j", ",".join(job_ids)],
                            capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return {row.split("|")[0]: row.split("|")[1:] for row in result.stdout.splitlines()}


def test_gpu_rules_ran_on_the_gpu_partition_with_one_gpu_and_the_rest_did_not(slurm_jobs):
    accounted = sacct(list(slurm_jobs))
    assert set(accounted) == set(slurm_jobs)
    for job, name in slurm_jobs.items():
        partition, tres, state = accounted[job]
        assert state == "COMPLETED", (job, name, state)
        # a group's log folder names the group and its rules: an embedding job and its comparison
        on_gpu = name in GPU_RULES or name.startswith("embeddings_")
        assert (partition == "gpu") == on_gpu, (job, name, partition)
        assert ("gres/gpu=1" in tres.split(",")) == on_gpu, (job, name, tres)
    ran = set(slurm_jobs.values())
    assert ran >= {"align", "linear_probe", "finetune_full", "gradients", "prepare_ud", "tokenize_task"}
    assert {"embeddings_compare_embeddings_embed", "embeddings_compare_embeddings_embed_finetuned"} <= ran
    assert "compare_embeddings" not in ran  # never a SLURM job of its own
    # downloads and the tables are local rules: they never reach the cluster
    assert not any(name.startswith("download_") or name.startswith("table") for name in ran)

