"""Every encoder's join of transfer and alignment in one table."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

import pandas as pd

from align_transfer.claims.claims import join_encoders
from align_transfer.core.results import write_frame
from align_transfer.ops.runner import logged

with logged(snakemake) as log:
    joined = join_encoders([pd.read_csv(path) for path in snakemake.input])  # each with its encoder column
    write_frame(snakemake.output[0], joined)
    log.info("join of %d encoders: %d rows", joined["encoder"].nunique(), len(joined))
