"""Read one SIB-200 split, checked against the 7 topic labels."""

from align_transfer.runner import logged
from align_transfer.sib200 import read_sib_tsv, write_sib_tsv

with logged(snakemake) as log:
    rows = read_sib_tsv(snakemake.input[0])
    write_sib_tsv(snakemake.output[0], rows)
    log.info("%s: %d examples", snakemake.input[0], len(rows))
