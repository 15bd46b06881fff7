"""Write FLORES-200 dev and devtest for each language, checked to be line-parallel."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.data.flores import read_flores, write_flores
from align_transfer.ops.runner import logged

with logged(snakemake) as log:
    raw = iter(snakemake.input)
    out = iter(snakemake.output)
    for split in snakemake.params.splits:
        codes = snakemake.params.codes
        texts = read_flores({code: next(raw) for code in codes})
        write_flores(texts, {code: next(out) for code in codes})
        log.info("%s: %d languages x %d sentences", split, len(codes), len(texts[codes[0]]))
