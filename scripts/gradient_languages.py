"""§4.5: pairwise cosines of per-language gradients, as a table and heatmaps."""

import pandas as pd

from align_transfer.figures import gradient_heatmaps
from align_transfer.runner import logged
from align_transfer.tables import gradient_languages, gradient_languages_markdown, write_table

with logged(snakemake) as log:
    frames = [pd.read_csv(path).assign(model=path.split("/")[-2]) for path in snakemake.input]
    table = gradient_languages(pd.concat(frames, ignore_index=True))
    write_table(snakemake.output.csv, snakemake.output.md, table, gradient_languages_markdown(table))
    gradient_heatmaps(table, snakemake.output.png, snakemake.output.pdf)
    log.info("per-language gradients: %d rows from %d encoders", len(table), len(frames))
