"""Train the mini world's sentencepiece unigram tokenizer on its monolingual text."""

from align_transfer.worker import delegate

delegate()  # in the warm worker, where one runs (README, "Speed of the mini world")

from pathlib import Path

from align_transfer.encoders import train_mini_tokenizer
from align_transfer.runner import logged

with logged(snakemake):
    texts = sorted(Path(snakemake.input[0], "mono").glob("*.txt"))
    train_mini_tokenizer(texts, snakemake.output[0], snakemake.params.vocab_size)
