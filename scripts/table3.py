"""Table 3: cosine between task and alignment gradients on the aligned-then-fine-tuned encoders, and
its companion: each cosine beside the task-vs-task baseline and the gradients' norms."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.core.results import read_results
from align_transfer.ops.runner import logged
from align_transfer.tables.tables import table3, table3_baseline, write_table

with logged(snakemake) as log:
    params, output, encoder = snakemake.params, snakemake.output, snakemake.wildcards.encoder
    cosines = read_results(snakemake.input, "gradients", snakemake.params.steering.expected)
    table = table3(cosines)
    write_table(output.csv, output.md, table, "table3", losses=params.losses, encoder=encoder)
    baseline = table3_baseline(cosines)
    write_table(
        output.baseline_csv, output.baseline_md, baseline, "table3_baseline", losses=params.losses, encoder=encoder
    )
    log.info("Table 3: %d rows from %d encoders, with its baseline companion", len(table), len(snakemake.input))
