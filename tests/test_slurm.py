"""A narrowed mini workflow, with at least one job of every rule, through `--profile slurm` on a real
single-node SLURM cluster (../shared/tools): GPU-tagged rules on the gpu partition with one GPU, the
rest on the cpu partition, checked in sacct."""

import re
import subprocess
import sys
import time

import pytest
import torch
import yaml
from conftest import MINI, NARROW, REPO, slurm_profile, snakemake
from test_docs import task_source_downloads

from align_transfer.ops.plan import parse_dry_run

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
    result = snakemake(
        workdir,
        "--profile",
        str(profile),
        "--slurm-keep-successful-logs",
        "--slurm-init-seconds-before-status-checks",
        "2",
        overlays=[MINI, NARROW],
        timeout=1800,
        runner=(sys.executable, str(REPO / "tests/slurm_snakemake.py")),
    )
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
    return names | task_source_downloads()


def sacct(job_ids):
    result = subprocess.run(
        ["sacct", "-X", "-n", "-P", "-o", "JobID,Partition,AllocTRES,State", "-j", ",".join(job_ids)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {row.split("|")[0]: row.split("|")[1:] for row in result.stdout.splitlines()}


def test_every_rule_ran_and_each_job_on_its_partition(slurm_run):
    planned, submitted, workdir = slurm_run
    every_rule = {job["rule"] for job in planned} - {"all"}
    local = every_rule & declared_local_rules()
    assert set(submitted.values()) == every_rule - local  # every cluster rule had at least one job
    assert GPU_RULES <= every_rule and {"table1", "report", "download_sib200"} <= local  # SC: the narrowed task
    accounted = sacct(list(submitted))
    assert set(accounted) == set(submitted)
    for job, rule in submitted.items():
        partition, tres, state = accounted[job]
        assert state == "COMPLETED", (job, rule, state)
        assert (partition == "gpu") == (rule in GPU_RULES), (job, rule, partition)
        assert ("gres/gpu=1" in tres.split(",")) == (rule in GPU_RULES), (job, rule, tres)
    assert (workdir / "results/MiniXLM-R/report.html").exists()  # one encoder: its own report, no study layer


def submitted_jobs(log: str, rule: str) -> list[str]:
    return [
        job for job, name in re.findall(r"SLURM jobid (\d+) \(log: \S*/slurm_logs/rule_(\w+)/", log) if name == rule
    ]


# An alignment run long enough for a time limit of one minute to stop it once even on a fast, idle machine (1,500
# steps once fitted into one attempt): a retry finishes it.
LONG = {"steps": 3000, "checkpoint_steps": [4, 3000], "log_every": 100, "state_every": 100}
REFERENCE = """
import json, sys
import torch
from align_transfer.alignment.align import train_alignment
from align_transfer.core.settings import AlignmentSettings
a = json.loads(sys.argv[1])
torch.set_num_threads(1)  # as the job (training_threads: 1): another thread count sums in another order
train_alignment(a["encoder"], a["tokens"], {int(k): v for k, v in a["checkpoints"].items()}, a["log"], a["work"],
                AlignmentSettings.from_config(a["settings"], "S1W0M0"), mlm_head=True, device="cpu")
"""


def test_a_time_limit_stops_training_with_its_state_saved_and_the_retry_resumes_bitwise(slurm_run, tmp_path):
    """SLURM's warning before the limit (SIGUSR1, `--signal` in the profile) or the limit itself (SIGTERM): the
    job saves its state and fails; the profile's retry resumes and ends with the weights of an uninterrupted
    run. A code the narrowed DAG did not align (S1W0M0) reuses its base encoder and tokens."""
    import json

    from safetensors.torch import load_file

    from align_transfer.core.config import load_config
    from align_transfer.core.settings import AlignmentSettings

    _, _, workdir = slurm_run
    profile = slurm_profile(tmp_path)
    text = (profile / "config.yaml").read_text().replace("--signal=USR1@300", "--signal=USR1@20")
    (profile / "config.yaml").write_text(text)
    overlay = {
        "alignment": NARROW["alignment"] | LONG | {"losses": ["S1W0M1", "S1W0M0"]},
        "compute": {"resources": {"align": {"mem_mb": 2000, "runtime": 1}}},
    }
    (tmp_path / "narrow.yaml").write_text(yaml.safe_dump(NARROW))
    (tmp_path / "long.yaml").write_text(yaml.safe_dump(overlay))
    config = load_config(
        [REPO / "config/config.yaml", MINI, tmp_path / "narrow.yaml", tmp_path / "long.yaml"],
        schema=REPO / "workflow/schemas/config.schema.yaml",
    )
    # the same run, uninterrupted, beside it on the other core
    reference = tmp_path / "reference"
    arguments = {
        "encoder": str(workdir / "results/MiniXLM-R/models/base"),
        "tokens": str(workdir / "results/MiniXLM-R/data/tokens/de-en"),
        "checkpoints": {step: str(reference / f"step{step}") for step in LONG["checkpoint_steps"]},
        "log": str(reference / "train_log.csv"),
        "work": str(reference / "work"),
        "settings": AlignmentSettings.determining(config["alignment"], config["encoders"][0]) | LONG,
    }
    uninterrupted = subprocess.Popen(
        [sys.executable, "-c", REFERENCE, json.dumps(arguments)], stderr=subprocess.PIPE, text=True
    )
    run = "results/MiniXLM-R/align/de-en/S1W0M0"
    # SLURM sends the warning up to a minute early (its event resolution): an attempt trains for 15 to 40 s of
    # its minute, fewer under load (6 attempts did not finish in one CI run), so the retries are many; the run
    # stops at the first that finishes
    result = snakemake(
        workdir,
        "--profile",
        str(profile),
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--retries",
        "15",
        f"{run}/train_log.csv",
        overlays=[MINI, tmp_path / "narrow.yaml", tmp_path / "long.yaml"],
        timeout=1200,
        runner=(sys.executable, str(REPO / "tests/slurm_snakemake.py")),
    )
    log = result.stdout + result.stderr
    attempts = submitted_jobs(log, "align")
    assert len(attempts) >= 2, log[-3000:]
    states = sacct(attempts)
    assert states[attempts[0]][2] in ("TIMEOUT", "FAILED") and states[attempts[-1]][2] == "COMPLETED", states
    # the log is the last attempt's: it resumed from the saved state, or (an attempt that finished training as
    # its time ran out) restored the finished checkpoints; never a start from step 0
    last = (workdir / "logs/MiniXLM-R/align/de-en/S1W0M0.log").read_text()
    assert "resuming S1W0M0 from step" in last or "restored from" in last, last[-2000:]
    # every attempt's lines are in it, each under its header: the first attempt's signal and saved state too
    assert [f"── attempt {n}:" in last for n in range(1, len(attempts) + 1)] == [True] * len(attempts), last[-3000:]
    assert "received: saving the state at the end of this step" in last
    assert uninterrupted.wait(timeout=900) == 0, uninterrupted.stderr.read()[-2000:]
    a, b = load_file(reference / "step3000/model.safetensors"), load_file(workdir / f"{run}/step3000/model.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)  # bit for bit
    rows = [
        [r for r in (path).read_text().splitlines()]
        for path in (reference / "train_log.csv", workdir / f"{run}/train_log.csv")
    ]
    assert [r.rsplit(",", 2)[0] for r in rows[0]] == [
        r.rsplit(",", 2)[0] for r in rows[1]
    ]  # every loss, but the tokens/s


def test_a_cancelled_job_fails_the_run_in_seconds(slurm_run, tmp_path):
    """`scancel` of a running job: the run notices (the profile asks squeue, which says CANCELLED where sacct
    says "CANCELLED by <uid>") and stops, instead of waiting for the job forever."""
    _, _, workdir = slurm_run
    profile = slurm_profile(tmp_path)
    overlay = tmp_path / "cancel.yaml"
    overlay.write_text(
        yaml.safe_dump({"alignment": NARROW["alignment"] | {"steps": 200_000, "losses": ["S1W0M1", "S0W0M1"]}})
    )
    (tmp_path / "narrow.yaml").write_text(yaml.safe_dump(NARROW))
    command = [
        sys.executable,
        str(REPO / "tests/slurm_snakemake.py"),
        "-s",
        str(REPO / "workflow/Snakefile"),
        "-d",
        str(workdir),
        "--profile",
        str(profile),
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--retries",
        "0",
        "results/MiniXLM-R/align/de-en/S0W0M1/train_log.csv",
        "--configfile",
        str(MINI),
        str(tmp_path / "narrow.yaml"),
        str(overlay),
    ]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline, running = time.monotonic() + 300, []
    while not running and run.poll() is None and time.monotonic() < deadline:
        time.sleep(1)
        running = subprocess.run(
            ["squeue", "-h", "-t", "RUNNING", "-o", "%i"], capture_output=True, text=True
        ).stdout.split()
    assert running, run.communicate()[0][-3000:]
    subprocess.run(["scancel", *running], check=True)
    cancelled = time.monotonic()
    output = run.communicate(timeout=300)[0]
    assert run.returncode != 0 and time.monotonic() - cancelled < 60, output[-3000:]
    assert "CANCELLED" in output


def test_a_second_job_on_a_run_in_training_stops_naming_the_first(slurm_run, tmp_path):
    """The snakemake process dies (kill -9, as when a login node's session ends) while its alignment job trains
    on in SLURM. `--unlock` and a rerun submit the run again: that job stops at once, naming the first. Once the
    first is cancelled, a rerun (of a shorter run, to finish soon) trains alone, and its log has each step once."""
    _, _, workdir = slurm_run
    profile = slurm_profile(tmp_path)
    overlay = tmp_path / "long.yaml"
    long = NARROW["alignment"] | {"losses": ["S0W1M0"], "steps": 20_000, "state_every": 50, "log_every": 50}
    overlay.write_text(yaml.safe_dump(NARROW | {"alignment": long}))
    run = "results/MiniXLM-R/align/de-en/S0W1M0"
    arguments = ["--profile", str(profile), "--slurm-init-seconds-before-status-checks", "2", "--retries", "0"]
    runner = (sys.executable, str(REPO / "tests/slurm_snakemake.py"))
    command = [*runner, "-s", str(REPO / "workflow/Snakefile"), "-d", str(workdir), *arguments]
    command += [f"{run}/train_log.csv", "--configfile", str(MINI), str(overlay)]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while not (workdir / run / "work/state/trainer.pt").exists() and time.monotonic() < deadline:
        time.sleep(1)
    assert (workdir / run / "work/state/trainer.pt").exists()
    first.kill()  # the snakemake process alone: its SLURM job trains on
    first.wait()
    holder = re.search(r"pid (\d+) on host (\S+)", (workdir / run / "work.lock").read_text())
    snakemake(workdir, "--unlock", overlays=[MINI, overlay])
    second = snakemake(
        workdir, *arguments, f"{run}/train_log.csv", overlays=[MINI, overlay], check=False, runner=runner
    )
    assert second.returncode != 0
    refused = (workdir / "logs/MiniXLM-R/align/de-en/S0W1M0.log").read_text()
    assert f"pid {holder[1]} on host {holder[2]}" in refused and "is training this run" in refused, refused[-2000:]
    running = subprocess.run(["squeue", "-h", "-o", "%i"], capture_output=True, text=True).stdout.split()
    assert running  # the first job trains on
    subprocess.run(["scancel", *running], check=True)
    while subprocess.run(["squeue", "-h", "-o", "%i"], capture_output=True, text=True).stdout.split():
        time.sleep(1)
    shorter = NARROW | {"alignment": long | {"steps": 400}}  # the rest of the run, short enough to wait for
    overlay.write_text(yaml.safe_dump(shorter))
    snakemake(workdir, *arguments, f"{run}/train_log.csv", overlays=[MINI, overlay], runner=runner)
    rows = (workdir / run / "train_log.csv").read_text().splitlines()
    assert [row.split(",")[0] for row in rows[1:]] == [str(step) for step in range(50, 401, 50)]
