"""The claims layer's join: a row per aligned model, step, task, mode, seed and evaluation language."""

from align_transfer.worker import delegate

delegate()  # in the warm worker, where one runs (README, "Speed of the mini world")

from align_transfer.claims import read_runs, transfer_join
from align_transfer.runner import logged
from align_transfer.tables import read_per_model, write_frame

with logged(snakemake) as log:
    inputs = snakemake.input
    join = transfer_join(read_runs(inputs.zeroshot), read_per_model(inputs.similarity), read_per_model(inputs.retrieval),
                         read_per_model(inputs.gradients), snakemake.params.layers)  # fmt: skip
    write_frame(snakemake.output[0], join)
    log.info("join: %d rows, %d columns", len(join), len(join.columns))
