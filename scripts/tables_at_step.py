"""Dose-response: Tables 1, 2 and the recall tables at another fine-tuned alignment checkpoint."""

from align_transfer.worker import delegate

delegate()  # in the warm worker, where one runs (README, "Speed of the mini world")

from pathlib import Path

from align_transfer.results import read_results
from align_transfer.runner import logged
from align_transfer.tables import delta_markdown, retrieval_table, table1, table1_markdown, table2, write_table

with logged(snakemake) as log:
    params, inputs, step = snakemake.params, snakemake.input, int(snakemake.wildcards.step)
    out = {Path(path).name: path for path in snakemake.output}
    config = snakemake.config
    tables = {"table1": table1(read_results(inputs.zeroshot, "zeroshot", config), step),
              "table2": table2(read_results(inputs.similarity, "similarity", config), params.layer)}  # fmt: skip
    markdown = {"table1": table1_markdown(tables["table1"], params.losses, snakemake.wildcards.encoder),
                "table2": delta_markdown(tables["table2"], params.losses, f"Table 2 at step {step}: Δ mean cosine of translations.")}  # fmt: skip
    retrieval = read_results(inputs.retrieval, "retrieval", config)
    for k, name in params.recall_tables.items():
        tables[name] = retrieval_table(retrieval, k)
        markdown[name] = delta_markdown(tables[name], params.losses, f"{name} at step {step}: Δ R@{k}.")
    for name, table in tables.items():
        write_table(out[f"{name}.csv"], out[f"{name}.md"], table, markdown[name])
    log.info("tables at step %d: %s", step, ", ".join(tables))
