"""The claims layer's join: a row per aligned model, step, task, mode, seed and evaluation language."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.claims.claims import transfer_join
from align_transfer.core.results import read_results, write_frame
from align_transfer.ops.runner import logged

with logged(snakemake) as log:
    inputs, config = snakemake.input, snakemake.config
    gradients = read_results(inputs.gradients, "gradients", config) if inputs.gradients else None
    join = transfer_join(
        read_results(inputs.zeroshot, "zeroshot", config),
        read_results(inputs.similarity, "similarity", config),
        read_results(inputs.retrieval, "retrieval", config),
        gradients,
        snakemake.params.layers,
    )
    write_frame(snakemake.output[0], join)
    log.info("join: %d rows, %d columns", len(join), len(join.columns))
