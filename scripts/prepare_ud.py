"""Read each UD treebank file into words and UPOS per sentence (JSON lines)."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from align_transfer.core.io import all_or_nothing
from align_transfer.data.ud import read_conllu, write_jsonl
from align_transfer.ops.runner import logged

with logged(snakemake) as log, all_or_nothing(snakemake.output):
    for raw, out in zip(snakemake.input, snakemake.output):
        sentences = read_conllu(raw)
        write_jsonl(out, sentences)
        log.info("%s: %d sentences, %d words", raw, len(sentences), sum(len(s["words"]) for s in sentences))
