"""Does alignment predict transfer (correlations and their figure), and each claim's verdict."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

import pandas as pd

from align_transfer.claims.claims import claims, correlations, language_points
from align_transfer.claims.figure import alignment_vs_transfer
from align_transfer.core.results import write_frame
from align_transfer.ops.runner import logged
from align_transfer.tables.figures import save, subject
from align_transfer.tables.tables import write_table

with logged(snakemake) as log:
    params, settings, output = snakemake.params, snakemake.params.claims, snakemake.output
    source = snakemake.input.join
    join = pd.read_csv(source)
    alpha = settings["alpha"]
    table = correlations(join, settings["permutations"], settings["seed"], alpha, source)
    write_frame(output.correlations, table)
    threshold, band, noise = settings["predicts_threshold"], settings["orthogonal_band"], snakemake.input.item_noise
    verdicts = claims(join, table, params.step, threshold, band, alpha, pd.read_csv(noise), source)
    write_table(output.csv, output.md, verdicts, "claims", alpha=alpha)
    about = subject(snakemake.wildcards.encoder, params.mini_world)
    figure = alignment_vs_transfer(language_points(join), verdicts, about)
    save(figure, output.png, output.pdf, f"Alignment vs transfer within languages ({about})")
    log.info("claims: %s", ", ".join(f"{r.claim} ({r.scope}): {r.verdict}" for r in verdicts.itertuples()))
