"""Table 3: cosine between task and alignment gradients on the aligned-then-fine-tuned encoders."""

from align_transfer.runner import logged
from align_transfer.tables import read_per_model, table3, table3_markdown, write_table

with logged(snakemake) as log:
    table = table3(read_per_model(snakemake.input))
    write_table(snakemake.output.csv, snakemake.output.md, table, table3_markdown(table, snakemake.params.losses))
    log.info("Table 3: %d rows from %d encoders", len(table), len(snakemake.input))
