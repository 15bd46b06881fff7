"""Normalise each MUSE-format bilingual lexicon."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

from align_transfer.core.io import all_or_nothing
from align_transfer.data.lexicon import read_muse, write_lexicon
from align_transfer.ops.runner import logged

with logged(snakemake) as log, all_or_nothing(snakemake.output):
    for raw, out in zip(snakemake.input, snakemake.output):
        pairs = read_muse(raw)
        write_lexicon(out, pairs, Path(out).stem)
        log.info("%s: %d word pairs", Path(out).stem, len(pairs))
