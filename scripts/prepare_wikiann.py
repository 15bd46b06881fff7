"""WikiANN's parquet files as the prepared sentences of named-entity recognition: words and IOB2 tags."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.core.io import all_or_nothing
from align_transfer.data.ud import write_jsonl
from align_transfer.data.wikiann import read_wikiann
from align_transfer.ops.runner import logged

with logged(snakemake) as log, all_or_nothing(snakemake.output):
    for raw, out in zip(snakemake.input, snakemake.output):
        sentences = read_wikiann(raw)
        write_jsonl(out, sentences)
        entities = sum(tag.startswith("B-") for s in sentences for tag in s["tags"])
        log.info("%s: %d sentences, %d entities", raw, len(sentences), entities)
