"""Remove the work folders of finished training jobs (their resumable state and the copies of their
results kept for a retry after the fact): `snakemake clean_state`."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.core.state import clean_finished
from align_transfer.ops.runner import logged

with logged(snakemake) as log:
    removed = clean_finished(snakemake.params.jobs)
    for folder, alone in removed:
        log.info("removed %s (%.1f MB not shared with its outputs)", folder, alone / 1e6)
    print(
        f"clean_state: removed {len(removed)} work folders of finished jobs, "
        f"{sum(alone for _, alone in removed) / 1e9:.2f} GB not shared with their outputs"
    )
