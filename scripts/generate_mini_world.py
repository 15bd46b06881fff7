"""Generate the mini world into a local mirror of every source (docs/design.md §5)."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.data.mini_world import generate
from align_transfer.ops.runner import logged

with logged(snakemake) as log:
    world = snakemake.params.world
    generate(
        snakemake.output[0],
        seed=world["seed"],
        sizes=world["sizes"],
        anchor_share=world["anchor_share"],
        pairs=snakemake.params.pairs,
    )
    log.info("mini world written to %s", snakemake.output[0])
