"""Encode FLORES and the lexicon words once per encoder: an aligned (or base) encoder, or each kept
fine-tuned run of an aligned encoder."""

import torch
from transformers import AutoTokenizer

from align_transfer.flores import read_flores
from align_transfer.lexicon import read_lexicon
from align_transfer.representations import embed_encoder, tokenize_inputs
from align_transfer.runner import logged

with logged(snakemake):
    torch.set_num_threads(snakemake.threads)
    params = snakemake.params
    flores = read_flores(params.flores)
    lexicons = {pair: read_lexicon(path, params.lexicon_size) for pair, path in params.lexicons.items()}
    if snakemake.rule == "embed":
        encoders = {snakemake.output[0]: snakemake.input.encoder}
    else:
        encoders = {out: f"{snakemake.input[variant]}/model" for variant, out in zip(params.variants, snakemake.output)}
    # every encoder shares the base tokenizer: the text is tokenized once for all of them
    inputs = tokenize_inputs(AutoTokenizer.from_pretrained(next(iter(encoders.values()))), flores, lexicons)
    for out, encoder in encoders.items():
        embed_encoder(encoder, inputs, params.layers, out)
