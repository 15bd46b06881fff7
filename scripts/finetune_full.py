"""Full fine-tuning of one encoder on one task, each seed in turn, each followed by zero-shot evaluation;
resumable within a seed, and a finished seed is never trained again (finetune.full_finetuning_job). With the
param ``joint``, the alignment loss of the model's pair and loss code trains with the task (finetuning.joint)."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.core.layout import parse_model
from align_transfer.core.settings import AlignmentSettings, JointSettings, determining_params
from align_transfer.finetuning.finetune import FinetuneSettings, full_finetuning_job
from align_transfer.finetuning.joint import JointRun
from align_transfer.ops.runner import logged

with logged(snakemake):
    params, wc, output = snakemake.params, snakemake.wildcards, snakemake.output
    outputs = {seed: paths for seed, paths in zip(params.seeds, zip(output.runs, output.zeroshot, output.item_scores))}
    joint, mode = None, "joint" if hasattr(params, "joint") else "full"
    if mode == "joint":
        settings = JointSettings(**params.joint, log_every=params.steering.log_every)
        alignment = AlignmentSettings.from_config(settings.alignment, parse_model(wc.model)["losses"])
        joint = JointRun(settings, alignment, snakemake.input.pairs)
    full_finetuning_job(
        snakemake.input.encoder,
        snakemake.input.data,
        FinetuneSettings(task=wc.task, **params.settings),
        outputs,
        params.languages,
        dict(encoder=wc.encoder, task=wc.task, mode=mode, model=wc.model),
        params.kept_seeds,
        params.work,
        state_every=params.steering.state_every,
        params=determining_params(params),
        joint=joint,
    )
