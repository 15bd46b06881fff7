"""Table 1: Δ zero-shot accuracy from the base encoder, per pair, loss code, task and mode."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.core.results import read_results
from align_transfer.ops.runner import logged
from align_transfer.tables.tables import table1, write_table

with logged(snakemake) as log:
    table = table1(read_results(snakemake.input, "zeroshot", snakemake.params.steering.expected), snakemake.params.step)
    write_table(
        snakemake.output.csv,
        snakemake.output.md,
        table,
        "table1",
        losses=snakemake.params.losses,
        encoder=snakemake.wildcards.encoder,
    )
    log.info("Table 1: %d rows from %d runs", len(table), len(snakemake.input))
