"""Prepare the downloaded files of a task's source (its reader's ``prepare``, ``core.tasks.Task.reader``)."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.core.io import all_or_nothing
from align_transfer.core.tasks import TASKS
from align_transfer.ops.runner import logged

with logged(snakemake) as log, all_or_nothing(snakemake.output):
    prepare = TASKS[snakemake.params.task].prepare
    for raw, out in zip(snakemake.input, snakemake.output):
        log.info("%s: %s", raw, prepare(raw, out))
