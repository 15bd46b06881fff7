"""Print and write the disk each encoder's model files need (sizes: its architecture at 4 bytes a parameter,
plus the tokenizer files saved beside each model)."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

import pandas as pd

from align_transfer.core.io import atomic_open
from align_transfer.core.tasks import TASKS
from align_transfer.ops.runner import logged
from align_transfer.ops.storage import disk_plan, encoder_architecture

with logged(snakemake) as log:
    frames = []
    for entry in snakemake.params.encoders:
        config, tokenizer_bytes = encoder_architecture(entry)
        rows = disk_plan(
            snakemake.params.counts[entry["name"]],
            config,
            tokenizer_bytes,
            {name: len(task.labels) for name, task in TASKS.items()},
            entry["mlm_head"],
        )
        frames.append(pd.DataFrame(rows).assign(encoder=entry["name"]))
    frame = pd.concat(frames, ignore_index=True)[["encoder", "what", "count", "bytes_each", "bytes"]]
    frame["GB"] = (frame["bytes"] / 1e9).round(2)
    with atomic_open(snakemake.output[0], newline="") as out:
        frame.to_csv(out, sep="\t", index=False)
    training = frame["what"].str.contains("resumable state")
    lines = [
        f"{r.encoder:12} {r.count:6d} x {r.bytes_each / 1e9:8.3f} GB = {r.GB:9.2f} GB  {r.what}"
        for r in frame.itertuples()
    ]
    log.info(
        "disk for this grid's model files:\n%s\nkept in results/: %.1f GB (plus up to %.1f GB per training job while "
        "it trains)",
        "\n".join(lines),
        frame[~training]["bytes"].sum() / 1e9,
        frame[training]["bytes_each"].max() / 1e9,
    )
