"""§4.5: pairwise cosines of per-language gradients, as a table and heatmaps."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.core.results import read_results
from align_transfer.ops.runner import logged
from align_transfer.tables.figures import gradient_heatmaps, subject
from align_transfer.tables.tables import gradient_languages, write_table

with logged(snakemake) as log:
    table = gradient_languages(read_results(snakemake.input, "gradient_languages", snakemake.params.steering.expected))
    write_table(snakemake.output.csv, snakemake.output.md, table, "gradient_languages")
    gradient_heatmaps(
        table,
        snakemake.output.png,
        snakemake.output.pdf,
        subject(snakemake.wildcards.encoder, snakemake.params.mini_world),
    )
    log.info("per-language gradients: %d rows from %d encoders", len(table), len(snakemake.input))
