"""Fetch one file of a source from its URL or its mirror (or from an explicit location), checked
against the lock file of inputs."""

from pathlib import Path

from align_transfer.lock import lock_path
from align_transfer.runner import logged
from align_transfer.sources import fetch_file, fetch_location

with logged(snakemake):
    config, name, out = snakemake.config, snakemake.params.name, snakemake.output[0]
    download, lock = config["sources"]["download"], lock_path(config)
    if location := getattr(snakemake.params, "location", None):
        key = Path(out).relative_to("resources").as_posix()
        fetch_location(name, location, out, download, key=key, lock=lock)
    else:
        fetch_file(name, config["sources"][name], dict(snakemake.wildcards.items()), out, download, lock)
