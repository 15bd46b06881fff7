"""Pretrain a mini encoder (XLM-R or BERT type) with MLM on the mini world."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

from align_transfer.alignment.encoders import pretrain_mini_encoder
from align_transfer.ops.runner import logged

with logged(snakemake):
    texts = sorted(Path(snakemake.input.world, "mono").glob("*.txt"))
    # the vocabulary is the tokenizer's: its size is read off it
    settings = {key: value for key, value in snakemake.params.mini.items() if key != "vocab_size"}
    pretrain_mini_encoder(
        snakemake.input.tokenizer, texts, snakemake.output[0], **settings, max_length=snakemake.params.max_length
    )
