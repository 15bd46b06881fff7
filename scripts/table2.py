"""Table 2: Δ mean cosine similarity of FLORES translations from the base encoder, and beside it the
Δ cosine gap (translations minus non-translation pairs) at each analysed layer."""

from align_transfer.worker import delegate

delegate()  # in the warm worker, where one runs (README, "Speed of the mini world")

from align_transfer.results import read_results
from align_transfer.runner import logged
from align_transfer.tables import delta_markdown, table2, table2_gap, table2_gap_markdown, write_table

CAPTION = (
    "Table 2: Cosine similarity Δ from the base encoder, averaged over all aligned models and grouped by loss "
    "configuration (FLORES-200 translations, mean-pooled layer {layer})."
)

with logged(snakemake) as log:
    similarity = read_results(snakemake.input, "similarity", snakemake.config)
    table = table2(similarity, snakemake.params.layer)
    markdown = delta_markdown(table, snakemake.params.losses, CAPTION.format(layer=snakemake.params.layer))
    write_table(snakemake.output.csv, snakemake.output.md, table, markdown)
    gap = table2_gap(similarity, snakemake.params.layers)
    write_table(snakemake.output.gap_csv, snakemake.output.gap_md, gap, table2_gap_markdown(gap, snakemake.params.losses))
    log.info("Table 2: %d rows from %d encoders; its cosine-gap companion: %d rows", len(table), len(snakemake.input), len(gap))
