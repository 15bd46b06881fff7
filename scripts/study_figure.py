"""One of the study's figures: an encoder's figure under results/figures/, as a copy. Not a hard link: snakemake
touches a finished job's outputs, and through a link that would date the encoder's figure after the report
that shows it (a report then looks stale)."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

import shutil

from align_transfer.core.io import atomic_path
from align_transfer.ops.runner import logged

with logged(snakemake) as log:
    for kind in ("png", "pdf"):
        with atomic_path(snakemake.output[kind]) as tmp:
            shutil.copyfile(snakemake.input[kind], tmp)
    log.info("%s: %s", snakemake.output.png, snakemake.input.png)
