"""The instance level: SIB-200 accuracy on items an encoder retrieves the English translation of, minus on the rest."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.claims.claims import gold_labels, instance_level
from align_transfer.core.results import read_results
from align_transfer.ops.runner import logged
from align_transfer.tables.tables import write_table

with logged(snakemake) as log:
    claims, inputs, covers = snakemake.params.claims, snakemake.input, snakemake.params.steering.expected
    table = instance_level(
        read_results(inputs.item_scores, "items", covers),
        read_results(inputs.retrieved, "sib_items", covers),
        gold_labels(inputs.labels),
        claims["alpha"],
        claims["min_group"],
    )
    write_table(
        snakemake.output.csv,
        snakemake.output.md,
        table,
        "instances",
        min_group=claims["min_group"],
        alpha=claims["alpha"],
    )
    log.info(
        "instance level: %d model x mode x language rows, %d with a Benjamini-Hochberg q < %g, %d probes degenerate",
        len(table),
        int(table["significant"].sum()) if len(table) else 0,
        claims["alpha"],
        int(table["degenerate"].sum()) if len(table) else 0,
    )
