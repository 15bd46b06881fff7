"""Joint alignment during fine-tuning (beyond the paper; docs/science.md, "Joint training"): the schedule, the
resumable run, and the two claims against sequential runs, on constructed cases where the answer is known."""

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import tiny_alignment

from align_transfer.claims import stats
from align_transfer.claims.joint import joint_claims, joint_gradients, joint_transfer
from align_transfer.core.settings import JointSettings

ALIGNMENT = tiny_alignment(losses="S1W0M1", steps=2, checkpoint_steps=[2])


def joint_run(tiny_pairs, **settings):
    from align_transfer.finetuning.joint import JointRun

    values = dict(schedule="alternate", weight=1.0, every=1, start="base", alignment={}, log_every=2) | settings
    return JointRun(JointSettings(**values), ALIGNMENT, str(tiny_pairs)).loaded()


def test_an_alignment_batch_comes_every_n_task_steps_and_its_loss_is_lambda_times_the_objective(tiny, tiny_pairs):
    """By hand: with every=2, task steps 1, 3, 5 (0, 2, 4 done) bring alignment batches 0, 1, 2, and each loss
    is λ times the alignment objective on that batch, drawn from a generator of the run's seed."""
    from align_transfer.alignment.align import AlignmentObjective, ParallelBatches
    from align_transfer.core.modeling import load_encoder
    from align_transfer.finetuning.joint import JointAlignment

    run = joint_run(tiny_pairs, every=2, weight=0.5)
    model, tokenizer = load_encoder(tiny / "encoder", "cpu", mlm_head=True)
    model.eval()  # no dropout: the two computations see the same network
    joint = JointAlignment(model, tokenizer, run.pairs, ALIGNMENT, run.settings, seed=7)
    assert [done for done in range(6) if joint.due(done)] == [0, 2, 4]
    generator = torch.Generator().manual_seed(7)
    objective = AlignmentObjective(model, tokenizer, ALIGNMENT, generator)
    batches = ParallelBatches(list(run.pairs["src"]), list(run.pairs["tgt"]), ALIGNMENT.batch_size, 7)
    for done in (0, 2, 4):
        expected = 0.5 * sum(objective(*batches[done // 2])[0].values())
        assert joint.loss(done).item() == pytest.approx(expected.item(), rel=1e-6)


@pytest.mark.parametrize("schedule", ["alternate", "sum"])
def test_joint_fine_tuning_trains_both_losses_repeatably_and_differs_from_full(tiny, tiny_pairs, schedule):
    from test_finetune import settings, write_task_files

    from align_transfer.data.tasks import tokenize_task
    from align_transfer.finetuning.finetune import finetune_full

    files = write_task_files(tiny)
    tokenize_task("sc", files["sc"], tiny / "encoder", tiny / f"task_sc_joint_{schedule}", max_length=64)
    from datasets import load_from_disk

    data = load_from_disk(str(tiny / f"task_sc_joint_{schedule}"))
    chosen = settings("sc", epochs=2)
    runs = [
        finetune_full(tiny / "encoder", data, chosen, 15, ["de"], "cpu", joint=joint_run(tiny_pairs, schedule=schedule))
        for _ in range(2)
    ]
    (model, dev_log, zero_shot, alongside), again = runs
    assert (dev_log, zero_shot) == (again[1], again[2])  # the same seed, the same run
    assert hasattr(model, "alignment_head")  # M trains the MLM head too
    rows = alongside.rows
    assert [row["step"] for row in rows] == list(range(2, rows[-1]["step"] + 1, 2)) + (
        [] if rows[-1]["step"] % 2 == 0 else [rows[-1]["step"]]
    )
    assert set(rows[0]) == {"step", "loss_task", "loss_sentence", "loss_mlm", "loss_alignment"}
    assert all(math.isfinite(float(row[key])) for row in rows for key in row)
    full = finetune_full(tiny / "encoder", data, chosen, 15, ["de"], "cpu")
    assert full[3] is None and full[1] != dev_log  # the alignment loss changed what the task learned


JOINT_JOB = """
import sys, json
from align_transfer.core.settings import AlignmentSettings, JointSettings
from align_transfer.finetuning.finetune import FinetuneSettings, full_finetuning_job
from align_transfer.finetuning.joint import JointRun
args = json.loads(sys.argv[1])
outputs = {int(seed): paths for seed, paths in args["outputs"].items()}
joint = JointRun(JointSettings(**args["joint"]), AlignmentSettings(**args["alignment"]), args["pairs"])
full_finetuning_job(args["encoder"], args["data"], FinetuneSettings(**args["settings"]), outputs, ["de"],
                    {"encoder": "tiny", "task": "pos", "mode": "joint", "model": "de-en_S1W0M1_2"}, [42], args["work"],
                    state_every=args["state_every"], device="cpu", joint=joint)
"""


def test_a_joint_job_stopped_by_sigusr1_resumes_to_the_weights_and_logs_of_an_uninterrupted_one(
    tiny, tiny_pairs, tmp_path
):
    """SLURM's warning before the time limit: the job saves its state (weights, MLM head, optimizer, both
    generators, the log of both losses) and stops; the rerun ends bitwise where an uninterrupted run ends."""
    import signal
    import subprocess
    import sys
    import time

    from safetensors.torch import load_file
    from test_finetune import full_job, write_task_files

    from align_transfer.data.tasks import tokenize_task

    if not (tiny / "task_pos").exists():  # as test_finetune's task_data writes it
        tokenize_task("pos", write_task_files(tiny)["pos"], tiny / "encoder", tiny / "task_pos", max_length=64)

    def arguments(out):
        job = full_job(tiny, out, state_every=2, epochs=2)
        joint = dict(schedule="alternate", weight=1.0, every=1, start="base", alignment={}, log_every=2)
        return job | {"joint": joint, "alignment": dataclasses.asdict(ALIGNMENT), "pairs": str(tiny_pairs)}

    def run(out, stop_when=None):
        process = subprocess.Popen(
            [sys.executable, "-c", JOINT_JOB, json.dumps(arguments(out))],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 300
        while stop_when and process.poll() is None and time.monotonic() < deadline:
            if stop_when.exists():
                process.send_signal(signal.SIGUSR1)
                break
            time.sleep(0.005)
        return process.wait(timeout=300), process.stderr.read().decode()

    assert run(tmp_path / "straight")[0] == 0
    state = tmp_path / "stopped/work/seed42/state/trainer.pt"
    code, errors = run(tmp_path / "stopped", stop_when=state)
    assert code != 0 and "SIGUSR1" in errors and state.exists(), errors[-2000:]
    assert run(tmp_path / "stopped")[0] == 0
    for seed in (15, 42):
        for name in (
            f"seed{seed}.csv",
            f"seed{seed}_items.csv",
            f"seed{seed}/dev_log.csv",
            f"seed{seed}/train_log.csv",
        ):
            assert (tmp_path / "straight" / name).read_text() == (tmp_path / "stopped" / name).read_text(), name
    for name in ("model/model.safetensors", "alignment_head.safetensors", "head.safetensors"):
        a, b = (load_file(tmp_path / run / "seed42" / name) for run in ("straight", "stopped"))
        assert all(torch.equal(a[k], b[k]) for k in a), name  # bitwise, on the CPU


# The claims: constructed cases with a known answer


MODELS = ["de-en_S1W0M0_40", "de-en_S0W1M0_40", "de-en_S1W1M1_40"]


def items(
    effect: float, rng: np.random.Generator, task: str = "pos", seeds=(1, 2), items_per_language=40
) -> pd.DataFrame:
    """Per-item scores of the sequential and joint runs of three cells: every item is correct with probability
    0.5 in a sequential run and 0.5 + ``effect`` in a joint one."""
    rows = []
    for model in MODELS:
        for mode, p in (("full", 0.5), ("joint", 0.5 + effect)):
            for seed in seeds:
                for language in ("de", "ja"):
                    for item in range(items_per_language):
                        correct = int(rng.random() < p)
                        rows.append(
                            dict(task=task, mode=mode, model=model, seed=seed, language=language, item=item)
                            | dict(correct=correct, total=1)
                        )
    return pd.DataFrame(rows)


def test_a_cell_s_delta_is_joint_minus_sequential_by_hand():
    frame = items(0.2, np.random.default_rng(0))
    table, noise = joint_transfer(frame, 500, 0, 0.05)
    for _, row in table.iterrows():
        block = frame[frame["model"] == row["model"]]
        accuracy = block.groupby(["mode", "seed", "language"])["correct"].mean()
        by_hand = (accuracy["joint"] - accuracy["full"]).groupby(level="seed").mean().mean()
        assert row["delta"] == pytest.approx(by_hand)
        assert row["low"] <= row["delta"] <= row["high"] and (row["pair"], row["seeds"], row["items"]) == (
            "de-en",
            2,
            80,
        )
    assert noise[["task", "models", "items"]].iloc[0].tolist() == ["pos", 3, 80]


def gradient_rows(effect: float, rng: np.random.Generator, task: str = "pos", batches: int = 4) -> tuple:
    sequential, joint = [], []
    for model in MODELS:
        for seed in (1, 2):
            for batch in range(batches):
                cosine = rng.normal(0.02, 0.01)
                sequential.append(dict(task=task, model=model, seed=seed, batch=batch, cosine=cosine))
                joint.append(
                    dict(task=task, model=model, seed=seed, batch=batch, cosine=cosine + effect + rng.normal(0, 0.01))
                )
    return pd.DataFrame(sequential), pd.DataFrame(joint)


def test_a_cell_s_gradient_delta_is_paired_batch_by_batch_with_the_t_interval_over_batches():
    sequential, joint = gradient_rows(0.1, np.random.default_rng(1))
    table = joint_gradients(sequential, joint, 0.05)
    row = table.iloc[0]
    delta = (joint["cosine"] - sequential["cosine"])[joint["model"] == row["model"]]
    per_batch = delta.groupby(joint["batch"]).mean()
    by_hand = stats.mean_interval(per_batch.to_numpy(), 0.95)
    assert (row["delta"], row["low"], row["high"]) == pytest.approx((by_hand["value"], by_hand["low"], by_hand["high"]))
    assert row["joint"] - row["sequential"] == pytest.approx(row["delta"]) and row["batches"] == 4
    with pytest.raises(ValueError, match="no sequential row"):
        joint_gradients(sequential[sequential["batch"] < 3], joint, 0.05)


@pytest.mark.parametrize(
    "effect, transfer_verdict, gradient_verdict",
    [
        (0.25, stats.SUPPORTED, stats.SUPPORTED),  # joint truly helps and turns the gradients
        (0.0, stats.INCONCLUSIVE, stats.INCONCLUSIVE),  # it does nothing
        (-0.25, stats.CONTRADICTED, stats.CONTRADICTED),  # it hurts
    ],
)
def test_the_joint_claims_give_the_verdict_a_constructed_effect_calls_for(effect, transfer_verdict, gradient_verdict):
    rng = np.random.default_rng(3)
    frame = pd.concat([items(effect, rng, task) for task in ("pos", "sc")], ignore_index=True)
    transfer, noise = joint_transfer(frame, 1000, 0, 0.05)
    gradients = [gradient_rows(effect / 2.5, rng, task) for task in ("pos", "sc")]
    gradients = joint_gradients(pd.concat([s for s, _ in gradients]), pd.concat([j for _, j in gradients]), 0.05)
    table = joint_claims(transfer, noise, gradients, 0.05)
    assert table["scope"].tolist() == ["pos", "sc", "every task"] * 2
    verdicts = table.groupby("claim", sort=False)["verdict"].apply(set).to_dict()
    assert verdicts == {"joint_transfer": {transfer_verdict}, "joint_gradients": {gradient_verdict}}
    assert (
        (table["units"] == 3).all()
        and (table["low"] <= table["value"]).all()
        and (table["value"] <= table["high"]).all()
    )
    assert set(table["agrees"]) == {""}  # the paper never tested it


def test_fewer_than_three_cells_are_too_few_units():
    frame = items(0.25, np.random.default_rng(5))
    frame = frame[frame["model"] != MODELS[0]]
    transfer, noise = joint_transfer(frame, 200, 0, 0.05)
    sequential, joint = gradient_rows(0.1, np.random.default_rng(6))
    keep = joint["model"] != MODELS[0]
    table = joint_claims(transfer, noise, joint_gradients(sequential[keep], joint[keep], 0.05), 0.05)
    assert set(table["verdict"]) == {stats.TOO_FEW} and set(table["note"]) == {"2 (pair, loss code) cells; 3 needed"}
