"""Linear-only fine-tuning of one encoder on one task, every seed, on features computed once."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.core.modeling import load_tokens
from align_transfer.core.results import keyed, write_frame
from align_transfer.finetuning.finetune import FinetuneSettings, linear_probes, save_run
from align_transfer.ops.runner import logged

with logged(snakemake) as log:
    wc = snakemake.wildcards
    settings = FinetuneSettings(task=snakemake.wildcards.task, **snakemake.params.settings)
    data = load_tokens(snakemake.input.data)
    outputs = dict(
        zip(snakemake.params.seeds, zip(snakemake.output.runs, snakemake.output.zeroshot, snakemake.output.item_scores))
    )
    for seed, head, dev_log, (rows, items) in linear_probes(
        snakemake.input.encoder, data, settings, list(outputs), snakemake.params.languages
    ):
        run_dir, zeroshot_csv, items_csv = outputs[seed]
        save_run(run_dir, head, dev_log)
        keys = dict(encoder=wc.encoder, task=wc.task, mode="linear", model=wc.model, seed=seed)
        write_frame(zeroshot_csv, keyed(rows, **keys))
        write_frame(items_csv, keyed(items, **keys))
        log.info("seed %d done", seed)
