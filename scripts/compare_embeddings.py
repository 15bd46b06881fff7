"""Retrieval and translation similarity of one encoder's embeddings (or its fine-tuned runs')."""

import time
from pathlib import Path

import pandas as pd

from align_transfer.representations import load_embeddings, retrieval_rows, similarity_rows
from align_transfer.runner import logged
from align_transfer.tables import write_frame

with logged(snakemake) as log:
    params = snakemake.params
    retrieval, similarity = [], []
    for path in map(Path, snakemake.input):
        clock = time.perf_counter()
        embeddings, variant = load_embeddings(path), path.name.removesuffix(".safetensors")
        rows = retrieval_rows(embeddings, params.groups, params.codes, params.retrieval_layer, params.recall_at)
        retrieval += [{"variant": variant} | row for row in rows]
        rows = similarity_rows(embeddings, params.groups, params.codes, params.lexicons, params.layers)
        similarity += [{"variant": variant} | row for row in rows]
        log.info("%s: retrieval and similarity in %.2f s", path, time.perf_counter() - clock)
    write_frame(snakemake.output.retrieval, pd.DataFrame(retrieval))
    write_frame(snakemake.output.similarity, pd.DataFrame(similarity))
