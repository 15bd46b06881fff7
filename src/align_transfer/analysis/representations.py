"""Representation analyses (paper §4.5, docs/design.md §4): embeddings computed once per encoder, then
sentence retrieval and the cosine similarity of translations, read from those embeddings.

Layer k is ``hidden_states[k]`` (0 = the embedding layer). A sentence's vector is the mean of its
non-special tokens' states; a lexicon word, encoded alone, is the mean of its sub-tokens' states.
An embeddings file (safetensors) holds, per layer:
- ``flores/{code}/layer{k}``: one row per FLORES sentence, rows line-parallel across languages;
- ``words/{lang}/layer{k}``: one row per distinct lexicon word of a language;
- ``lexicon/{pair}/{src,tgt}``: for each word pair, its row in the two languages' word matrices;
- ``sib/{lang}/layer{k}`` (base and aligned encoders): one row per SIB-200 test item.
Every language's text is encoded once, whichever pairs use it.
"""

from __future__ import annotations

import json
import logging

import numpy as np

from align_transfer.core.progress import Progress

log = logging.getLogger(__name__)


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = vectors.astype(np.float64)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-12)


def cosine_matrix(queries: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Cosine of every query (rows) with every candidate (columns)."""
    return normalise(queries) @ normalise(candidates).T


def translation_cosine(src: np.ndarray, tgt: np.ndarray) -> float:
    """Table 2: the mean cosine of row i of ``src`` with its translation, row i of ``tgt``."""
    return float(np.mean(np.sum(normalise(src) * normalise(tgt), axis=1)))


def cosine_gap(src: np.ndarray, tgt: np.ndarray) -> float:
    """The anisotropy-aware similarity of docs/design.md §7: the mean cosine of translation pairs (row i with
    row i) minus the mean cosine of the non-translation pairs (row i with row j != i). A space that
    spreads or collapses as a whole moves both means; the gap moves only with the translations."""
    a, b = normalise(src), normalise(tgt)
    n = len(a)
    matched = float(np.sum(a * b))
    everything = float(a.sum(axis=0) @ b.sum(axis=0))  # the sum of all n x n cosines, without the matrix
    return matched / n - (everything - matched) / (n * n - n)


def recall_at(similarity: np.ndarray, ks) -> dict[int, float]:
    """R@k of retrieving row i's translation, column i, among all columns (one matrix product upstream).

    A query's rank is the number of candidates that score at least as high as its translation, so a
    tie with a wrong candidate counts against the query.
    """
    gold = np.diagonal(similarity)[:, None]
    ranks = (similarity >= gold).sum(axis=1)
    return {k: float(np.mean(ranks <= k)) for k in ks}


def retrieval_rows(embeddings: dict, groups: list[dict], codes: dict, layer: int, ks) -> list[dict]:
    """R@k in both directions for each pair of ``groups`` (Table 2's groups, short codes like ``deu``)."""
    from align_transfer.core.config import ConfigError

    sentences = len(next(value for key, value in embeddings.items() if key.startswith("flores/")))
    if max(ks) > sentences:
        raise ConfigError(
            f"config error at analysis.recall_at: R@{max(ks)} ranks among more sentences than the "
            f"{sentences} FLORES sentences embedded; use k of {sentences} or less"
        )
    rows = []
    for group in groups:
        for pair in group["pairs"]:
            a, b = pair.split("-")
            similarity = cosine_matrix(*(embeddings[f"flores/{codes[x]}/layer{layer}"] for x in (a, b)))
            for direction, matrix in ((f"{a}->{b}", similarity), (f"{b}->{a}", similarity.T)):
                for k, value in recall_at(matrix, ks).items():
                    rows.append(
                        {
                            "group": group["group"],
                            "pair": pair,
                            "direction": direction,
                            "k": k,
                            "layer": layer,
                            "recall": value,
                        }
                    )
    return rows


def similarity_rows(embeddings: dict, groups: list[dict], codes: dict, lexicons: list[str], layers) -> list[dict]:
    """Mean cosine of translation pairs per layer: sentences (FLORES, Table 2's pairs) and words (lexicons)."""
    rows = []
    for layer in layers:
        for group in groups:
            for pair in group["pairs"]:
                a, b = (embeddings[f"flores/{codes[x]}/layer{layer}"] for x in pair.split("-"))
                rows.append(
                    {
                        "level": "sentence",
                        "group": group["group"],
                        "pair": pair,
                        "layer": layer,
                        "cosine": translation_cosine(a, b),
                        "gap": cosine_gap(a, b),
                    }
                )
        for pair in lexicons:
            src, tgt = pair.split("-")
            a = embeddings[f"words/{src}/layer{layer}"][embeddings[f"lexicon/{pair}/src"]]
            b = embeddings[f"words/{tgt}/layer{layer}"][embeddings[f"lexicon/{pair}/tgt"]]
            rows.append(
                {
                    "level": "token",
                    "group": "",
                    "pair": pair,
                    "layer": layer,
                    "cosine": translation_cosine(a, b),
                    "gap": cosine_gap(a, b),
                }
            )
    return rows


def word_tables(lexicons: dict[str, list[tuple[str, str]]]) -> tuple[dict, dict]:
    """Each language's distinct words (first-seen order) and each pair's rows into them."""
    words: dict[str, dict[str, int]] = {}
    index = {}
    for pair, entries in lexicons.items():
        src, tgt = pair.split("-")
        for side, lang in ((0, src), (1, tgt)):
            table = words.setdefault(lang, {})
            for entry in entries:
                table.setdefault(entry[side], len(table))
            index[f"lexicon/{pair}/{'src' if side == 0 else 'tgt'}"] = np.array(
                [table[entry[side]] for entry in entries], dtype=np.int64
            )
    return {lang: list(table) for lang, table in words.items()}, index


def sib_retrieval_rows(embeddings: dict, index_ids: dict[str, list[str]], source: str, layer: int) -> list[dict]:
    """The instance level of docs/design.md §7: for each SIB-200 test item of every language but ``source``
    (``index_ids``: each language's items in file order), whether the source item with the same
    ``index_id`` (its translation: SIB-200 items are FLORES-200 sentences) ranks first among all source
    items by cosine at ``layer``. A tie with a wrong candidate counts as a miss, as in ``recall_at``."""
    candidates = embeddings[f"sib/{source}/layer{layer}"]
    position = {index_id: row for row, index_id in enumerate(index_ids[source])}
    rows = []
    for lang, ids in index_ids.items():
        if lang == source:
            continue
        similarity = cosine_matrix(embeddings[f"sib/{lang}/layer{layer}"], candidates)
        for item, index_id in enumerate(ids):
            if index_id in position:
                gold = similarity[item, position[index_id]]
                rows.append(
                    {
                        "language": lang,
                        "item": item,
                        "index_id": index_id,
                        "retrieved": int((similarity[item] >= gold).sum() == 1),
                    }
                )
    return rows


def tokenize_inputs(
    tokenizer, flores: dict[str, list[str]], lexicons: dict, sib: dict | None = None, max_length: int = 512
) -> tuple[dict, dict]:
    """Token ids of every text an embeddings file holds, tokenized once for every checkpoint of a job
    (they all share the base tokenizer), each cut to ``max_length`` (the encoder's position limit):
    ``flores/{code}``, ``words/{lang}`` and ``sib/{lang}`` (SIB-200 test texts, for the instance
    level) -> ids, and the lexicons' row indices."""
    words, index = word_tables(lexicons)
    texts = {f"flores/{code}": lines for code, lines in flores.items()}
    texts |= {f"words/{lang}": entries for lang, entries in words.items()}
    texts |= {f"sib/{lang}": lines for lang, lines in (sib or {}).items()}
    ids = {key: tokenizer(lines, truncation=True, max_length=max_length)["input_ids"] for key, lines in texts.items()}
    return ids, index


def encode(
    model, tokenizer, ids: list[list[int]], layers, batch_size: int = 64, bf16: bool = False
) -> dict[int, np.ndarray]:
    """Mean-pooled states of ``hidden_states[k]`` for each layer k, over each sequence's non-special tokens
    (the encoder under bf16 autocast where ``bf16`` applies; the pooling in fp32)."""
    import torch

    from align_transfer.alignment.losses import mean_pool
    from align_transfer.core.modeling import pad
    from align_transfer.core.precision import autocast

    special = torch.tensor(sorted(set(tokenizer.all_special_ids)))
    out = {layer: [] for layer in layers}
    # longest first: batches of similar length pad little
    order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
    with torch.no_grad():
        for start in range(0, len(order), batch_size):
            batch, mask = pad([ids[i] for i in order[start : start + batch_size]], tokenizer.pad_token_id)
            keep = (mask.bool() & ~torch.isin(batch, special)).to(model.device)
            with autocast(model.device, bf16):
                hidden = model(batch.to(model.device), attention_mask=mask.to(model.device), output_hidden_states=True)
            for layer in layers:
                out[layer].append(mean_pool(hidden.hidden_states[layer].float(), keep).cpu())
    inverse = torch.empty(len(order), dtype=torch.long)
    inverse[torch.tensor(order)] = torch.arange(len(order))
    return {layer: torch.cat(parts)[inverse].numpy() for layer, parts in out.items()}


def embed_encoder(encoder_dir, inputs: tuple[dict, dict], layers, out_path, device=None, bf16: bool = False) -> None:
    """Encode the token ids of ``tokenize_inputs`` at each layer into one safetensors file."""
    import time

    from safetensors.numpy import save_file

    from align_transfer.core.io import atomic_path
    from align_transfer.core.modeling import device_of, load_model, load_tokenizer

    device = device_of(device)
    model = load_model(encoder_dir, device).eval()
    tokenizer = load_tokenizer(encoder_dir)
    depth = model.config.num_hidden_layers
    if max(layers) > depth:
        raise ValueError(
            f"the encoder's layers / retrieval_layer (encoders[]): layer {max(layers)} is beyond the {depth} "
            f"layers of {encoder_dir}"
        )
    ids, index = inputs
    tensors, clock = dict(index), time.perf_counter()
    progress, done = Progress(log, f"embedding with {encoder_dir}", sum(map(len, ids.values())), unit="texts"), 0
    for key, sequences in ids.items():
        for layer, vectors in encode(model, tokenizer, sequences, layers, bf16=bf16).items():
            tensors[f"{key}/layer{layer}"] = vectors
        done += len(sequences)
        progress(done, key)
    metadata = {"encoder": str(encoder_dir), "layers": json.dumps(sorted(layers))}
    with atomic_path(out_path) as tmp:
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(tmp), metadata=metadata)
    log.info(
        "%s: %d texts in %d sets, layers %s in %.1f s",
        encoder_dir,
        sum(map(len, ids.values())),
        len(ids),
        sorted(layers),
        time.perf_counter() - clock,
    )


def load_embeddings(path) -> dict[str, np.ndarray]:
    from align_transfer.core.modeling import load_tensors

    return load_tensors(path, "np")


def compare(
    embeddings_files: dict, groups: list[dict], codes: dict, lexicons: list[str], layers, retrieval_layer: int, ks
) -> tuple[list[dict], list[dict]]:
    """Retrieval rows (R@k both ways at the retrieval layer) and similarity rows (mean translation
    cosine per layer, sentences and words) of each ``{variant: embeddings file}``."""
    retrieval, similarity = [], []
    for variant, path in embeddings_files.items():
        embeddings = load_embeddings(path)
        retrieval += [
            {"variant": variant} | row for row in retrieval_rows(embeddings, groups, codes, retrieval_layer, ks)
        ]
        similarity += [
            {"variant": variant} | row for row in similarity_rows(embeddings, groups, codes, lexicons, layers)
        ]
    return retrieval, similarity
