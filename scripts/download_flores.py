"""Fetch the FLORES-200 files of the configured languages (the tarball, or a mirror of its tree),
checked against the lock file of inputs."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

from align_transfer.data.sources import fetch_flores
from align_transfer.ops.runner import logged

with logged(snakemake):
    params, steering = snakemake.params, snakemake.params.steering
    root = Path(snakemake.output[0]).parents[2]  # resources/flores/flores200_dataset/{split}/{file}
    fetch_flores(steering.source, params.codes, params.splits, root, steering.download, steering.inputs_lock)
