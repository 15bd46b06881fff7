"""Fetch the base encoder: a hub snapshot at its pinned revision (safetensors only) or a local model
folder, checked against the lock file of inputs."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.data.sources import fetch_encoder
from align_transfer.ops.runner import logged

with logged(snakemake):
    steering = snakemake.params.steering
    fetch_encoder(
        steering.encoder, snakemake.output[0], steering.inputs_lock, key=f"encoders/{snakemake.wildcards.encoder}"
    )
