"""Fetch the base encoder: a hub snapshot at its pinned revision (safetensors only) or a local model
folder, checked against the lock file of inputs."""

from align_transfer.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.worker)

from align_transfer.config import encoder_entry
from align_transfer.lock import lock_path
from align_transfer.runner import logged
from align_transfer.sources import fetch_encoder

with logged(snakemake):
    name = snakemake.wildcards.encoder
    _, encoder = encoder_entry(snakemake.config, name)
    fetch_encoder(encoder, snakemake.output[0], lock_path(snakemake.config), key=f"encoders/{name}")
