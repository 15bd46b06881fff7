"""Figure 1: Δ cosine distance from the base encoder, token and sentence level, per layer and loss code."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.core.results import read_results, write_frame
from align_transfer.ops.runner import logged
from align_transfer.tables.figures import figure1, subject
from align_transfer.tables.tables import figure1_data

with logged(snakemake) as log:
    params = snakemake.params
    points = figure1_data(read_results(snakemake.input, "similarity", snakemake.params.steering.expected))
    write_frame(snakemake.output.csv, points)
    figure1(
        points,
        params.losses,
        params.layers,
        snakemake.output.png,
        snakemake.output.pdf,
        subject(snakemake.wildcards.encoder, params.mini_world),
    )
    log.info("Figure 1: %d points", len(points))
