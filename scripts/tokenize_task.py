"""Tokenize a task's splits once; every encoder shares the base tokenizer."""

from align_transfer.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.worker)

from align_transfer.runner import logged
from align_transfer.tasks import tokenize_task

with logged(snakemake):
    tokenize_task(
        snakemake.wildcards.task,
        snakemake.params.files,
        snakemake.input.tokenizer,
        snakemake.output[0],
        snakemake.params.max_length,
        snakemake.params.sample,
    )
