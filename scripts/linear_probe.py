"""Linear-only fine-tuning of one encoder on one task, every seed, on features computed once."""

from align_transfer.worker import delegate

delegate()  # in the warm worker, where one runs (README, "Speed of the mini world")

from datasets import load_from_disk

from align_transfer.finetune import FinetuneSettings, linear_probes, save_run, write_csv
from align_transfer.runner import logged

with logged(snakemake) as log:
    settings = FinetuneSettings(task=snakemake.wildcards.task, **snakemake.params.settings)
    data = load_from_disk(snakemake.input.data)
    outputs = dict(zip(snakemake.params.seeds, zip(snakemake.output.runs, snakemake.output.zeroshot, snakemake.output.item_scores)))
    for seed, head, dev_log, (rows, items) in linear_probes(
        snakemake.input.encoder, data, settings, list(outputs), snakemake.params.languages
    ):
        run_dir, zeroshot_csv, items_csv = outputs[seed]
        save_run(run_dir, head, dev_log)
        write_csv(zeroshot_csv, rows)
        write_csv(items_csv, items)
        log.info("seed %d done", seed)
