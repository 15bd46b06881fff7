"""Fetch the files of one source from its URL or its mirror (or from a file's own location),
each checked against the lock file of inputs."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

from align_transfer.core.tasks import SOURCE_LAYOUTS
from align_transfer.data.sources import fetch_file, fetch_location
from align_transfer.ops.runner import logged

with logged(snakemake) as log:
    params = snakemake.params
    name, download, lock = params.name, params.steering.download, params.steering.inputs_lock
    if name == "opus":  # one job per corpus: its fields are the job's wildcards
        files = {snakemake.output[0]: dict(snakemake.wildcards.items())}
    else:
        files = params.source["files"]
    locations = getattr(params, "locations", {})
    for out, fields in files.items():
        if out in locations:
            fetch_location(
                name, locations[out], out, download, key=Path(out).relative_to("resources").as_posix(), lock=lock
            )
        else:
            fetch_file(name, params.steering.source, fields, out, download, lock)
    log.info("%s: %d files, layout %s", name, len(files), SOURCE_LAYOUTS[name])
