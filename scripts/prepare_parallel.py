"""Clean, deduplicate, shuffle and cap one parallel corpus (paper §4.2)."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.data.parallel import prepare_parallel
from align_transfer.ops.runner import logged

with logged(snakemake):
    prepare_parallel(
        snakemake.input[0],
        snakemake.output[0],
        pair=snakemake.wildcards.pair,
        max_chars=snakemake.params.max_chars,
        cap=snakemake.params.cap,
        seed=snakemake.params.seed,
    )
