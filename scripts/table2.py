"""Table 2: Δ mean cosine similarity of FLORES translations from the base encoder, and beside it the
Δ cosine gap (translations minus non-translation pairs) at each analysed layer."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.core.results import read_results
from align_transfer.ops.runner import logged
from align_transfer.tables.tables import table2, table2_gap, write_table

with logged(snakemake) as log:
    params, output = snakemake.params, snakemake.output
    similarity = read_results(snakemake.input, "similarity", snakemake.params.steering.expected)
    table = table2(similarity, params.layer)
    write_table(output.csv, output.md, table, "table2", losses=params.losses, layer=params.layer)
    gap = table2_gap(similarity, params.layers)
    write_table(output.gap_csv, output.gap_md, gap, "table2_gap", losses=params.losses)
    log.info(
        "Table 2: %d rows from %d encoders; its cosine-gap companion: %d rows",
        len(table),
        len(snakemake.input),
        len(gap),
    )
