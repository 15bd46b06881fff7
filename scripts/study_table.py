"""One of the study's tables: every encoder's rows of it, with an `encoder` column, and its Markdown."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.ops.runner import logged
from align_transfer.tables.tables import study_table

with logged(snakemake) as log:
    rows = study_table(snakemake.input, snakemake.params.encoders, snakemake.output.csv, snakemake.output.md)
    log.info("%s: %d rows of %d encoders", snakemake.output.csv, rows, len(snakemake.params.encoders))
