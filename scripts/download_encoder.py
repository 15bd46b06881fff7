"""Fetch the base encoder: a hub snapshot at its pinned revision (safetensors only) or a local model
folder, checked against the lock file of inputs."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.core.config import encoder_entry
from align_transfer.data.lock import lock_path
from align_transfer.data.sources import fetch_encoder
from align_transfer.ops.runner import logged

with logged(snakemake):
    name = snakemake.wildcards.encoder
    _, encoder = encoder_entry(snakemake.config, name)
    fetch_encoder(encoder, snakemake.output[0], lock_path(snakemake.config), key=f"encoders/{name}")
