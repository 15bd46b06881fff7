"""Tokenize a task's splits once; every encoder shares the base tokenizer."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.data.tasks import tokenize_task
from align_transfer.ops.runner import logged

with logged(snakemake):
    tokenize_task(
        snakemake.wildcards.task,
        snakemake.params.files,
        snakemake.input.tokenizer,
        snakemake.output[0],
        snakemake.params.max_length,
        snakemake.params.sample,
    )
