"""Fetch the FLORES-200 files of the configured languages (the tarball, or a mirror of its tree)."""

from pathlib import Path

from align_transfer.runner import logged
from align_transfer.sources import fetch_flores

with logged(snakemake):
    root = Path(snakemake.output[0]).parents[2]  # resources/flores/flores200_dataset/{split}/{file}
    fetch_flores(snakemake.params.source, snakemake.params.codes, snakemake.params.splits, root, snakemake.params.download)
