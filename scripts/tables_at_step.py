"""Dose-response: Tables 1, 2 and the recall tables at another fine-tuned alignment checkpoint."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

from align_transfer.core.results import read_results
from align_transfer.ops.runner import logged
from align_transfer.tables.tables import retrieval_table, table1, table2, write_table

with logged(snakemake) as log:
    params, inputs, step = snakemake.params, snakemake.input, int(snakemake.wildcards.step)
    out = {Path(path).name: path for path in snakemake.output}
    covers = params.steering.expected
    tables = {
        "table1": table1(read_results(inputs.zeroshot, "zeroshot", covers), step),
        "table2": table2(read_results(inputs.similarity, "similarity", covers), params.layer),
    }
    contexts = {
        "table1": ("table1", {"encoder": snakemake.wildcards.encoder}),
        "table2": ("table2", {"layer": params.layer, "step": step}),
    }
    retrieval = read_results(inputs.retrieval, "retrieval", covers)
    for k, name in params.recall_tables.items():
        tables[name] = retrieval_table(retrieval, k)
        contexts[name] = ("recall", {"name": name, "k": k, "step": step})
    for name, table in tables.items():
        kind, context = contexts[name]
        write_table(out[f"{name}.csv"], out[f"{name}.md"], table, kind, losses=params.losses, **context)
    log.info("tables at step %d: %s", step, ", ".join(tables))
