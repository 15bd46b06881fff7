"""Tokenize one parallel corpus once for the base encoder; all loss codes share it."""

from align_transfer.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.worker)

from align_transfer.encoders import tokenize_parallel
from align_transfer.runner import logged

with logged(snakemake):
    tokenize_parallel(snakemake.input.corpus, snakemake.input.encoder, snakemake.output[0], snakemake.params.max_length)
