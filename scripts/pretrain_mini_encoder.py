"""Pretrain the mini world's small XLM-R-architecture encoder with MLM."""

from align_transfer.worker import delegate

delegate()  # in the warm worker, where one runs (README, "Speed of the mini world")

from pathlib import Path


from align_transfer.encoders import pretrain_mini_encoder
from align_transfer.runner import logged

with logged(snakemake):
    mini = {k: v for k, v in snakemake.params.mini.items() if k != "vocab_size"}  # the tokenizer's size rules
    texts = sorted(Path(snakemake.input.world, "mono").glob("*.txt"))
    pretrain_mini_encoder(snakemake.input.tokenizer, texts, snakemake.output[0], **mini)
