"""Print and write the disk the grid's model files need.

Sizes come from the encoder's architecture (its config.json once results/models/base exists; before
that XLM-R base's shapes for the hub encoder, or the mini encoder's settings) at 4 bytes a parameter,
plus the tokenizer files saved beside each model.
"""

from pathlib import Path

import pandas as pd
from transformers import AutoConfig, XLMRobertaConfig

from align_transfer.io import atomic_open
from align_transfer.runner import logged
from align_transfer.storage import disk_plan
from align_transfer.tasks import LABEL_SETS

# What save_pretrained writes for XLM-R's tokenizer (tokenizer.json 17,082,735 + tokenizer_config.json 342
# bytes), measured on the offline stand-in, which carries that tokenizer.
XLMR_TOKENIZER_BYTES = 17_083_077

with logged(snakemake) as log:
    encoder = snakemake.params.encoder
    base = Path("results/models/base")
    if (base / "config.json").exists():
        config = AutoConfig.from_pretrained(base)
        tokenizer_bytes = sum(f.stat().st_size for f in base.iterdir() if f.name.startswith(("tokenizer", "sentencepiece", "special")))
    elif encoder["source"] == "mini":
        mini = encoder["mini"]
        config = XLMRobertaConfig(vocab_size=mini["vocab_size"] + 4, hidden_size=mini["hidden_size"],
                                  num_hidden_layers=mini["layers"], num_attention_heads=mini["heads"],
                                  intermediate_size=mini["intermediate_size"], max_position_embeddings=514,
                                  type_vocab_size=1)  # fmt: skip
        tokenizer_bytes = 0
    else:
        # XLM-R base's shapes (its config.json at the pinned revision)
        config = XLMRobertaConfig(vocab_size=250002, max_position_embeddings=514, type_vocab_size=1)
        tokenizer_bytes = XLMR_TOKENIZER_BYTES
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
