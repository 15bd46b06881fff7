"""Every encoder's join of transfer and alignment in one table."""

from align_transfer.worker import delegate

delegate()  # in the warm worker, where one runs (README, "Speed of the mini world")

from pathlib import Path

import pandas as pd

from align_transfer.claims import join_encoders
from align_transfer.runner import logged
from align_transfer.tables import write_frame

with logged(snakemake) as log:
    # results/{encoder}/claims/join.csv
    joins = {Path(path).parents[1].name: pd.read_csv(path) for path in snakemake.input}
    joined = join_encoders(joins)
    write_frame(snakemake.output[0], joined)
    log.info("join of %d encoders: %d rows", len(joins), len(joined))
