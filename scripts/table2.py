"""Table 2: Δ mean cosine similarity of FLORES translations from the base encoder."""

from align_transfer.runner import logged
from align_transfer.tables import delta_markdown, read_per_model, table2, write_table

CAPTION = (
    "Table 2: Cosine similarity Δ from the base encoder, averaged over all aligned models and grouped by loss "
    "configuration (FLORES-200 translations, mean-pooled layer {layer})."
)

with logged(snakemake) as log:
    table = table2(read_per_model(snakemake.input), snakemake.params.layer)
    markdown = delta_markdown(table, snakemake.params.losses, CAPTION.format(layer=snakemake.params.layer))
    write_table(snakemake.output.csv, snakemake.output.md, table, markdown)
    log.info("Table 2: %d rows from %d encoders", len(table), len(snakemake.input))
