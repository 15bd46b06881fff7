"""The instance level: SIB-200 accuracy on items an encoder retrieves the English translation of, minus on the rest."""

from align_transfer.worker import delegate

delegate()  # in the warm worker, where one runs (README, "Speed of the mini world")

from align_transfer.claims import instance_level, instance_level_markdown, read_runs
from align_transfer.runner import logged
from align_transfer.tables import read_per_model, write_table

with logged(snakemake) as log:
    claims = snakemake.params.claims
    table = instance_level(read_runs(snakemake.input.item_scores), read_per_model(snakemake.input.retrieved), claims["resamples"],
                           claims["seed"], claims["alpha"])  # fmt: skip
    write_table(snakemake.output.csv, snakemake.output.md, table, instance_level_markdown(table))
    log.info("instance level: %d model x mode x language rows", len(table))
