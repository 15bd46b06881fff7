"""Print and write the disk the grid's model files need (sizes: the encoder's architecture at 4 bytes
a parameter, plus the tokenizer files saved beside each model)."""

from align_transfer.worker import delegate

delegate()  # in the warm worker, where one runs (README, "Speed of the mini world")

import pandas as pd

from align_transfer.io import atomic_open
from align_transfer.runner import logged
from align_transfer.storage import disk_plan, encoder_architecture
from align_transfer.tasks import LABEL_SETS

with logged(snakemake) as log:
    config, tokenizer_bytes = encoder_architecture(snakemake.params.encoder)
    rows = disk_plan(snakemake.params.counts, config, tokenizer_bytes, {k: len(v) for k, v in LABEL_SETS.items()})
    frame = pd.DataFrame(rows)
    frame["GB"] = (frame["bytes"] / 1e9).round(2)
    with atomic_open(snakemake.output[0], newline="") as out:
        frame.to_csv(out, sep="\t", index=False)
    kept = frame[~frame["what"].str.startswith("alignment resumable")]
    peak = frame[frame["what"].str.startswith("alignment resumable")]["bytes_each"].iloc[0] / 1e9
    lines = [f"{r.count:6d} x {r.bytes_each / 1e9:8.3f} GB = {r.GB:9.2f} GB  {r.what}" for r in frame.itertuples()]
    log.info("disk for this grid's model files:\n%s\nkept in results/: %.1f GB (plus %.1f GB per alignment run while it trains)",
             "\n".join(lines), kept["bytes"].sum() / 1e9, peak)  # fmt: skip
