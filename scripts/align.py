"""One alignment run: one encoder, one pair, one loss code, checkpoints at the configured steps."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)


from align_transfer.alignment.align import AlignmentSettings, train_alignment
from align_transfer.core.settings import determining_params
from align_transfer.ops.runner import logged

with logged(snakemake):
    # the params determine the weights; logging and state cadence come with the steering
    steering = snakemake.params.steering
    settings = AlignmentSettings.from_config(
        snakemake.params.alignment,
        snakemake.wildcards.losses,
        operational={"log_every": steering.log_every, "state_every": steering.state_every},
    )
    train_alignment(
        snakemake.input.encoder,
        snakemake.input.tokens,
        dict(zip(snakemake.params.steps, snakemake.output.checkpoints)),
        snakemake.output.train_log,
        snakemake.params.work,
        settings,
        mlm_head=snakemake.params.mlm_head,
        params=determining_params(snakemake.params),
    )
