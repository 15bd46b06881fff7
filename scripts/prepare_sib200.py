"""Read each SIB-200 split, one record a line, checked against the 7 topic labels."""

from align_transfer.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.worker)

from align_transfer.io import all_or_nothing
from align_transfer.runner import logged
from align_transfer.sib200 import read_sib_tsv, write_sib_tsv

with logged(snakemake) as log, all_or_nothing(snakemake.output):
    for raw, out in zip(snakemake.input, snakemake.output):
        rows = read_sib_tsv(raw)
        write_sib_tsv(out, rows)
        log.info("%s: %d examples", raw, len(rows))
