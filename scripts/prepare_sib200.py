"""Read each SIB-200 split, one record a line, checked against the 7 topic labels."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.core.io import all_or_nothing
from align_transfer.data.sib200 import read_sib_tsv, write_sib_tsv
from align_transfer.ops.runner import logged

with logged(snakemake) as log, all_or_nothing(snakemake.output):
    for raw, out in zip(snakemake.input, snakemake.output):
        rows = read_sib_tsv(raw)
        write_sib_tsv(out, rows)
        log.info("%s: %d examples", raw, len(rows))
