"""Table 3: cosine between task and alignment gradients on the aligned-then-fine-tuned encoders."""

import pandas as pd

from align_transfer.runner import logged
from align_transfer.tables import table3, table3_markdown, write_table

with logged(snakemake) as log:
    frames = [pd.read_csv(path).assign(model=path.split("/")[-2]) for path in snakemake.input]
    table = table3(pd.concat(frames, ignore_index=True))
    write_table(snakemake.output.csv, snakemake.output.md, table, table3_markdown(table, snakemake.params.losses))
    log.info("Table 3: %d rows from %d encoders", len(table), len(frames))
