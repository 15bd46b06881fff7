"""The claims on every encoder's aligned models together, each encoder's verdicts side by side, and whether
the encoders differ."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

import pandas as pd

from align_transfer.claims.claims import encoder_differences, join_encoders, pooled_claims, verdict_summary
from align_transfer.core.io import atomic_open
from align_transfer.core.results import write_frame
from align_transfer.ops.runner import logged
from align_transfer.tables.tables import write_table

with logged(snakemake) as log:
    params, settings, output = snakemake.params, snakemake.params.claims, snakemake.output
    join = pd.read_csv(snakemake.input.join)
    alpha = settings["alpha"]
    verdicts = pooled_claims(
        join,
        params.step,
        settings["permutations"],
        settings["seed"],
        settings["predicts_threshold"],
        settings["orthogonal_band"],
        alpha,
        snakemake.input.join,
        pd.concat(  # results/{encoder}/claims/item_noise.csv
            [pd.read_csv(path).assign(encoder=Path(path).parents[1].name) for path in snakemake.input.item_noise]
        ),
    )
    write_table(output.csv, output.md, verdicts, "claims", alpha=alpha)
    each = join_encoders([pd.read_csv(path) for path in snakemake.input.claims])  # each with its encoder column
    differences = encoder_differences(join, params.step, settings["permutations"], settings["seed"], alpha)
    write_frame(output.differences, differences)
    write_table(output.encoders_csv, output.encoders_md, each, "encoders", differences=differences, alpha=alpha)
    with atomic_open(output.summary) as out:
        out.write(verdict_summary(each))
    log.info(
        "across %d encoders: %s",
        join["encoder"].nunique(),
        ", ".join(f"{r.claim} ({r.scope}): {r.verdict}" for r in verdicts.itertuples()),
    )
