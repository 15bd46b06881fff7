"""Train a mini encoder's tokenizer on the mini world's monolingual text: sentencepiece unigram (XLM-R type)
or WordPiece (BERT type)."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

from align_transfer.alignment.encoders import train_mini_tokenizer
from align_transfer.ops.runner import logged

with logged(snakemake):
    texts = sorted(Path(snakemake.input[0], "mono").glob("*.txt"))
    tokenizer = snakemake.params.tokenizer
    train_mini_tokenizer(
        texts, snakemake.output[0], tokenizer["vocab_size"], tokenizer["architecture"], snakemake.params.max_length
    )
