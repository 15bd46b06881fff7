"""One of the study's figures: an encoder's figure under results/figures/ (hard links: no second copy)."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.core.state import link_copy
from align_transfer.ops.runner import logged

with logged(snakemake) as log:
    for kind in ("png", "pdf"):
        link_copy(snakemake.input[kind], snakemake.output[kind])
    log.info("%s: %s", snakemake.output.png, snakemake.input.png)
