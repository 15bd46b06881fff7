"""Normalise one MUSE-format bilingual lexicon."""

from align_transfer.lexicon import read_muse, write_lexicon
from align_transfer.runner import logged

with logged(snakemake) as log:
    pairs = read_muse(snakemake.input[0])
    write_lexicon(snakemake.output[0], pairs, snakemake.wildcards.pair)
    log.info("%s: %d word pairs", snakemake.wildcards.pair, len(pairs))
