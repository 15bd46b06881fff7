"""Full fine-tuning of one encoder on one task, each seed in turn, each followed by zero-shot evaluation."""

from align_transfer.worker import delegate

delegate()  # in the warm worker, where one runs (README, "Speed of the mini world")

from datasets import load_from_disk

from align_transfer.finetune import FinetuneSettings, finetune_full, save_run
from align_transfer.results import keyed, write_frame
from align_transfer.runner import logged

with logged(snakemake) as log:
    wc = snakemake.wildcards
    params = snakemake.params
    settings = FinetuneSettings(task=snakemake.wildcards.task, **params.settings)
    data = load_from_disk(snakemake.input.data)
    outputs = zip(params.seeds, snakemake.output.runs, snakemake.output.zeroshot, snakemake.output.item_scores)
    for seed, run_dir, zeroshot, items_csv in outputs:
        model, dev_log, (rows, items) = finetune_full(snakemake.input.encoder, data, settings, seed, params.languages)
        backbone = model.backbone if seed in params.kept_seeds else None
        save_run(run_dir, model.head, dev_log, backbone=backbone, tokenizer_dir=snakemake.input.encoder)
        keys = dict(encoder=wc.encoder, task=wc.task, mode="full", model=wc.model, seed=seed)
        write_frame(zeroshot, keyed(rows, **keys))
        write_frame(items_csv, keyed(items, **keys))
        log.info("seed %d done", seed)
