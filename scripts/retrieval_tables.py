"""Tables 7 and 8 (and R@1): Δ FLORES retrieval recall from the base encoder."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

from align_transfer.core.results import read_results
from align_transfer.ops.runner import logged
from align_transfer.tables.tables import retrieval_table, write_table

with logged(snakemake) as log:
    retrieval = read_results(snakemake.input, "retrieval", snakemake.params.steering.expected)
    outputs = {Path(path).name: path for path in snakemake.output}
    for k, name in snakemake.params.tables.items():
        table = retrieval_table(retrieval, k)
        write_table(
            outputs[f"{name}.csv"],
            outputs[f"{name}.md"],
            table,
            "recall",
            losses=snakemake.params.losses,
            name=name,
            k=k,
        )
        log.info("%s (R@%d): %d rows", name, k, len(table))
