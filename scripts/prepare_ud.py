"""Read one UD treebank file into words and UPOS per sentence (JSON lines)."""

from align_transfer.runner import logged
from align_transfer.ud import read_conllu, write_jsonl

with logged(snakemake) as log:
    sentences = read_conllu(snakemake.input[0])
    write_jsonl(snakemake.output[0], sentences)
    log.info("%s: %d sentences, %d words", snakemake.input[0], len(sentences), sum(len(s["words"]) for s in sentences))
