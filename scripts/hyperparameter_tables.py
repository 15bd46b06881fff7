"""Tables 4, 5 and 6 (Appendix B.1), rendered from the config."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

from align_transfer.ops.runner import logged
from align_transfer.tables.tables import write_hyperparameter_tables

with logged(snakemake):
    write_hyperparameter_tables(snakemake.params.config, Path(snakemake.output[0]).parent)
