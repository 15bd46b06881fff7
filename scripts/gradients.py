"""Table 3's gradient cosines and §4.5's per-language gradients for every kept full fine-tuning run
of one aligned encoder; for its kept joint runs (rule gradients_joint), Table 3's cosines alone."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

from align_transfer.alignment.align import AlignmentSettings
from align_transfer.analysis.gradients import analyse_run
from align_transfer.core.layout import parse_model
from align_transfer.core.modeling import load_tokenizer, load_tokens
from align_transfer.core.results import keyed, write_frame
from align_transfer.core.sampling import limit_of
from align_transfer.data.flores import read_flores
from align_transfer.finetuning.finetune import FinetuneSettings
from align_transfer.ops.runner import logged

with logged(snakemake) as log:
    params, losses = snakemake.params, parse_model(snakemake.wildcards.model)["losses"]
    per_language = hasattr(snakemake.output, "languages")
    align_settings = AlignmentSettings.from_config(params.alignment, losses)
    tokens = load_tokens(snakemake.input.tokens)
    # FLORES (the MLM gradients' text) tokenized once for every run: they share the encoder's tokenizer
    tokenizer = load_tokenizer(snakemake.input.aligned)
    flores = (
        {
            lang: tokenizer(lines, truncation=True, max_length=align_settings.max_length)["input_ids"]
            for lang, lines in read_flores(params.flores, *limit_of(params.flores_sample, "flores")).items()
        }
        if per_language and params.mlm_head
        else {}
    )
    alignment, languages = [], []
    for variant, (task, seed) in params.variants.items():
        data = load_tokens(next(path for path in snakemake.input.tasks if Path(path).name == task))
        log.info("%s, seed %d", task, seed)
        table3_rows, language_rows = analyse_run(
            Path(snakemake.input[variant]),
            snakemake.input.aligned,
            data,
            tokens,
            flores,
            FinetuneSettings(task=task, **params.finetune[task]),
            align_settings,
            seed,
            params.batches,
            params.languages if per_language else [],
            params.source_lang if per_language else "",
            params.mlm_head,
            with_languages=per_language,
        )
        alignment += [{"task": task, "seed": seed} | row for row in table3_rows]
        languages += [{"task": task, "seed": seed} | row for row in language_rows]
    keys = dict(encoder=snakemake.wildcards.encoder, model=snakemake.wildcards.model)
    write_frame(snakemake.output.alignment, keyed(alignment, **keys))
    if per_language:
        write_frame(snakemake.output.languages, keyed(languages, **keys))
