"""Tables 7 and 8 (and R@1): Δ FLORES retrieval recall from the base encoder."""

from align_transfer.worker import delegate

delegate()  # in the warm worker, where one runs (README, "Speed of the mini world")

from pathlib import Path

from align_transfer.results import read_results
from align_transfer.runner import logged
from align_transfer.tables import delta_markdown, retrieval_table, write_table

CAPTIONS = {"table7": "Table 7: R@5", "table8": "Table 8: R@10"}

with logged(snakemake) as log:
    retrieval = read_results(snakemake.input, "retrieval", snakemake.config)
    outputs = {Path(path).name: path for path in snakemake.output}
    for k, name in snakemake.params.tables.items():
        table = retrieval_table(retrieval, k)
        caption = CAPTIONS.get(name, f"R@{k}") + (
            " Δ from the base encoder, averaged over all aligned models and grouped by loss configuration "
            "(FLORES-200, both directions averaged)."
        )
        markdown = delta_markdown(table, snakemake.params.losses, caption)
        write_table(outputs[f"{name}.csv"], outputs[f"{name}.md"], table, markdown)
        log.info("%s (R@%d): %d rows", name, k, len(table))
