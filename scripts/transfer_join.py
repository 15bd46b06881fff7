"""The claims layer's join: a row per aligned model, step, task, mode, seed and evaluation language."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.claims.claims import transfer_join
from align_transfer.core.results import read_results, write_frame
from align_transfer.ops.runner import logged

with logged(snakemake) as log:
    inputs, covers = snakemake.input, snakemake.params.steering.expected
    gradients = read_results(inputs.gradients, "gradients", covers) if inputs.gradients else None
    join = transfer_join(
        read_results(inputs.zeroshot, "zeroshot", covers),
        read_results(inputs.similarity, "similarity", covers),
        read_results(inputs.retrieval, "retrieval", covers),
        gradients,
        snakemake.params.layers,
    )
    write_frame(snakemake.output[0], join)
    log.info("join: %d rows, %d columns", len(join), len(join.columns))
