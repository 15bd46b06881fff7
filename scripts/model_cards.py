"""Each aligned checkpoint of an encoder as a Hub repository: its files, its model card and its log."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

import pandas as pd

from align_transfer.core import layout
from align_transfer.core.results import read_results
from align_transfer.ops.runner import logged
from align_transfer.report.hub import model_card, publish_checkpoint, retrieval_summary
from align_transfer.report.report import code_version

with logged(snakemake) as log:
    params, encoder = snakemake.params, snakemake.wildcards.encoder
    retrieval = read_results(snakemake.input.retrieval, "retrieval", snakemake.params.steering.expected)
    base = retrieval[retrieval["model"] == layout.BASE]
    version = code_version(Path(snakemake.scriptdir).parent)
    for model in params.models:
        run = layout.parse_model(model)
        train_log = pd.read_csv(
            f"{layout.ALIGNMENT_RUN.format(encoder=encoder, **run)}/train_log.csv", dtype=str, keep_default_na=False
        )
        scores = retrieval_summary(retrieval[retrieval["model"] == model], base, params.layer)
        card = model_card(
            model, params.encoder, params.pairs[run["pair"]], params.alignment, train_log, scores, version
        )
        checkpoint = layout.checkpoint(encoder, **run)
        publish_checkpoint(checkpoint, Path(snakemake.output[0]) / model, card, train_log, run["step"])
    log.info("%d checkpoints with their model cards in %s", len(params.models), snakemake.output[0])
