"""Table 1's companion: each cell's Δ with a paired two-level bootstrap interval, Holm-corrected; and the test
items' terms of the variance of the transfer claim's mean."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.claims.claims import table1_significance
from align_transfer.core.results import read_results, write_frame
from align_transfer.ops.runner import logged
from align_transfer.tables.tables import write_table

with logged(snakemake) as log:
    params, claims, output = snakemake.params, snakemake.params.claims, snakemake.output
    items = read_results(snakemake.input, "items", snakemake.params.steering.expected)
    table, noise = table1_significance(items, params.step, claims["resamples"], claims["seed"], claims["alpha"])
    encoder = snakemake.wildcards.encoder
    write_table(
        output.csv,
        output.md,
        table,
        "table1_significance",
        losses=params.losses,
        alpha=claims["alpha"],
        encoder=encoder,
    )
    write_frame(output.item_noise, noise)
    log.info("Table 1 significance: %d cells, %d significant after Holm", len(table), int(table["significant"].sum()))
