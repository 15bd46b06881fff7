"""Full fine-tuning of one encoder on one task with one seed, then zero-shot evaluation."""

import torch
from datasets import load_from_disk

from align_transfer.finetune import FinetuneSettings, finetune_full, save_run, write_csv
from align_transfer.runner import logged

with logged(snakemake):
    torch.set_num_threads(snakemake.threads)
    settings = FinetuneSettings.from_config(snakemake.params.finetune, snakemake.wildcards.task)
    data = load_from_disk(snakemake.input.data)
    model, dev_log, rows = finetune_full(
        snakemake.input.encoder, data, settings, int(snakemake.wildcards.seed), snakemake.params.languages
    )
    backbone = model.backbone if snakemake.params.keep_weights else None
    save_run(snakemake.output.run, model.head, dev_log, backbone=backbone, tokenizer_dir=snakemake.input.encoder)
    write_csv(snakemake.output.zeroshot, rows)
