"""Snakemake as the SLURM test runs it: the SLURM executor plugin asks for job states every
``--slurm-init-seconds-before-status-checks`` seconds, without its back-off.

The plugin waits 10 s longer after each status check that finds no job finished (up to 3 minutes),
which spares a busy cluster's scheduler; the test's single-node cluster answers sacct at once, and the
back-off would add 10 to 40 s to each job of the narrowed DAG's chain. Only when snakemake asks
changes: what it submits, where, and what it reads back is the plugin's own.

    python tests/slurm_snakemake.py <snakemake arguments>
"""

import sys

import snakemake_executor_plugin_slurm as slurm
from snakemake.cli import main

checked = slurm.Executor.check_active_jobs


async def check_active_jobs(self, active_jobs):
    async for job in checked(self, active_jobs):
        yield job
    self.next_seconds_between_status_checks = self.workflow.executor_settings.init_seconds_before_status_checks


slurm.Executor.check_active_jobs = check_active_jobs

if __name__ == "__main__":
    sys.exit(main())
