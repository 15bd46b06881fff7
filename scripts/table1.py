"""Table 1: Δ zero-shot accuracy from the base encoder, per pair, loss code, task and mode."""

import pandas as pd

from align_transfer.runner import logged
from align_transfer.tables import table1, table1_markdown, write_table

with logged(snakemake) as log:
    frames = []
    for path in snakemake.input:
        *_, task, mode, model, seed_file = path.split("/")
        frame = pd.read_csv(path)
        frames.append(frame.assign(task=task, mode=mode, model=model, seed=int(seed_file[4:-4])))
    table = table1(pd.concat(frames, ignore_index=True), snakemake.params.step)
    write_table(snakemake.output.csv, snakemake.output.md, table, table1_markdown(table, snakemake.params.losses))
    log.info("Table 1: %d rows from %d runs", len(table), len(frames))
