"""Figure 1: Δ cosine distance from the base encoder, token and sentence level, per layer and loss code."""

from align_transfer.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.worker)

from align_transfer.figures import figure1
from align_transfer.results import read_results, write_frame
from align_transfer.runner import logged
from align_transfer.tables import figure1_data

with logged(snakemake) as log:
    points = figure1_data(read_results(snakemake.input, "similarity", snakemake.config))
    write_frame(snakemake.output.csv, points)
    figure1(points, snakemake.params.losses, snakemake.params.layers, snakemake.output.png, snakemake.output.pdf)
    log.info("Figure 1: %d points", len(points))
