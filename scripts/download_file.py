"""Fetch one file of a source from its URL or its mirror (or from an explicit location)."""

from align_transfer.runner import logged
from align_transfer.sources import fetch_file, fetch_location

with logged(snakemake):
    params = snakemake.params
    if getattr(params, "location", None):
        fetch_location(params.name, params.location, snakemake.output[0], params.download)
    else:
        fields = dict(snakemake.wildcards.items())
        fetch_file(params.name, params.source, fields, snakemake.output[0], params.download)
