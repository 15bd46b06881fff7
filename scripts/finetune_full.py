"""Full fine-tuning of one encoder on one task, each seed in turn, each followed by zero-shot evaluation."""

import torch
from datasets import load_from_disk

from align_transfer.finetune import FinetuneSettings, finetune_full, save_run, write_csv
from align_transfer.runner import logged

with logged(snakemake) as log:
    torch.set_num_threads(snakemake.threads)
    params = snakemake.params
    settings = FinetuneSettings(task=snakemake.wildcards.task, **params.settings)
    data = load_from_disk(snakemake.input.data)
    for seed, run_dir, zeroshot in zip(params.seeds, snakemake.output.runs, snakemake.output.zeroshot):
        model, dev_log, rows = finetune_full(snakemake.input.encoder, data, settings, seed, params.languages)
        backbone = model.backbone if seed in params.kept_seeds else None
        save_run(run_dir, model.head, dev_log, backbone=backbone, tokenizer_dir=snakemake.input.encoder)
        write_csv(zeroshot, rows)
        log.info("seed %d done", seed)
