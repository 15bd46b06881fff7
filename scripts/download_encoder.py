"""Fetch the base encoder: a pinned hub snapshot (safetensors only) or a local model folder."""

from align_transfer.runner import logged
from align_transfer.sources import fetch_encoder

with logged(snakemake):
    fetch_encoder(snakemake.params.encoder, snakemake.output[0])
