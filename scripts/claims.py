"""Does alignment predict transfer (correlations and their figure), and each claim's verdict."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

import pandas as pd

from align_transfer.claims.claims import claims, claims_layout, correlations, levels
from align_transfer.core.results import write_frame
from align_transfer.ops.runner import logged
from align_transfer.tables.figures import alignment_vs_transfer, subject
from align_transfer.tables.tables import write_table

with logged(snakemake) as log:
    params, settings, output = snakemake.params, snakemake.params.claims, snakemake.output
    join = pd.read_csv(snakemake.input[0])
    alpha = settings["alpha"]
    table = correlations(join, settings["resamples"], settings["permutations"], settings["seed"], alpha)
    write_frame(output.correlations, table)
    verdicts = claims(
        join,
        table,
        params.step,
        settings["resamples"],
        settings["seed"],
        settings["predicts_threshold"],
        settings["orthogonal_band"],
        alpha,
    )
    write_table(output.csv, output.md, verdicts, claims_layout(verdicts, alpha))
    alignment_vs_transfer(
        levels(join)["language"], output.png, output.pdf, subject(snakemake.wildcards.encoder, params.mini_world)
    )
    log.info("claims: %s", ", ".join(f"{r.claim} ({r.scope}): {r.verdict}" for r in verdicts.itertuples()))
