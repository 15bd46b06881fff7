"""Encode FLORES and the lexicon words once per encoder (an aligned or the base encoder, or each kept
fine-tuned run of an aligned encoder), then compare the embeddings: retrieval and translation similarity;
for an aligned or the base encoder also the SIB-200 test items' retrieval (the instance level)."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

from align_transfer.analysis.representations import (
    compare,
    embed_encoder,
    load_embeddings,
    sib_retrieval_rows,
    tokenize_inputs,
)
from align_transfer.core.modeling import load_tokenizer
from align_transfer.core.results import keyed, write_frame
from align_transfer.core.sampling import limit_of, sample_rows
from align_transfer.data.flores import read_flores
from align_transfer.data.lexicon import read_lexicon
from align_transfer.data.sib200 import read_prepared_sib
from align_transfer.ops.runner import logged

with logged(snakemake):
    params, output = snakemake.params, snakemake.output
    flores = read_flores(params.flores, *limit_of(params.flores_sample, "flores"))
    lexicons = {pair: read_lexicon(path, params.lexicon_size) for pair, path in params.lexicons.items()}
    sib = {}
    if snakemake.rule == "embed":
        encoders = {output.embeddings: snakemake.input.encoder}
        # the zero-shot SC items (the sample evaluation.test_examples keeps, as tokenize_task keeps it), for the instance level
        limit, seed = limit_of(params.sib_sample, "test")
        sib = {}
        for lang, path in params.sib.items():
            rows = read_prepared_sib(path)
            sib[lang] = [rows[row] for row in sample_rows(len(rows), limit, seed, [r["label"] for r in rows])]
    else:
        encoders = {
            out: f"{snakemake.input[variant]}/model" for variant, out in zip(params.variants, output.embeddings)
        }
    # every checkpoint of an encoder shares its base tokenizer: the text is tokenized once for all of them
    facts = params.encoder  # the encoder's layers and its longest input
    tokenizer = load_tokenizer(next(iter(encoders.values())))
    texts = {lang: [r["text"] for r in rows] for lang, rows in sib.items()}
    inputs = tokenize_inputs(tokenizer, flores, lexicons, texts, max_length=facts["max_length"])
    for out, encoder in encoders.items():
        embed_encoder(encoder, inputs, facts["layers"], out, bf16=params.bf16)
    files = {Path(out).name.removesuffix(".safetensors"): out for out in encoders}
    retrieval, similarity = compare(
        files,
        params.groups,
        params.codes,
        list(params.lexicons),
        facts["compared_layers"],
        facts["retrieval_layer"],
        params.recall_at,
    )
    keys = dict(encoder=snakemake.wildcards.encoder, model=snakemake.wildcards.model)
    write_frame(output.retrieval, keyed(retrieval, **keys))
    write_frame(output.similarity, keyed(similarity, **keys))
    if snakemake.rule == "embed":
        index_ids = {lang: [r["index_id"] for r in rows] for lang, rows in sib.items()}
        found = (  # none without a task of parallel items: the instance level is not planned then
            sib_retrieval_rows(load_embeddings(output.embeddings), index_ids, params.source, facts["retrieval_layer"])
            if sib
            else []
        )
        write_frame(output.sib_items, keyed(found, **keys))
