"""Tokenize one parallel corpus once for the base encoder; all loss codes share it."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.alignment.encoders import tokenize_parallel
from align_transfer.ops.runner import logged

with logged(snakemake):
    tokenize_parallel(snakemake.input.corpus, snakemake.input.encoder, snakemake.output[0], snakemake.params.max_length)
