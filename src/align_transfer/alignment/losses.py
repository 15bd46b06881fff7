"""The alignment objective's losses (paper §4.2), one plain function of tensors per term.

L = Σ λ_t·L_t with λ in {0, 1} read from a loss code such as ``S1W0M1`` (``core.objectives``); each term's step
(``alignment.terms``) calls its function here. docs/design.md §4 fixes what the paper leaves open; each function
says which choice it implements.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def mean_pool(hidden: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """Mean of ``hidden`` (N, T, H) over the positions where ``keep`` (N, T) is true."""
    keep = keep.to(hidden.dtype).unsqueeze(-1)
    return (hidden * keep).sum(1) / keep.sum(1).clamp_min(1.0)


def sentence_infonce(z_src: torch.Tensor, z_tgt: torch.Tensor, temperature: float) -> torch.Tensor:
    """L_S: InfoNCE over the 2B sentence vectors of B parallel pairs (paper eq. for L_S).

    The 2B vectors form one matrix; s = cosine / temperature; for each of the 2B anchors its
    translation is the positive and all 2B - 2 other sentences are negatives (the anchor itself is
    excluded from the denominator, "sum over j != k"); the result is the mean over the 2B anchors.
    """
    batch = z_src.shape[0]
    if batch < 2:
        raise ValueError(f"L_S needs at least 2 sentence pairs per batch to have negatives, got {batch}")
    z = F.normalize(torch.cat([z_src, z_tgt]).float(), dim=-1)
    logits = z @ z.T / temperature
    logits = logits.masked_fill(torch.eye(2 * batch, dtype=torch.bool, device=z.device), float("-inf"))
    partner = torch.cat([torch.arange(batch, 2 * batch), torch.arange(batch)]).to(z.device)
    return F.cross_entropy(logits, partner)


def word_contrastive(
    queries: torch.Tensor,
    bag_ids: torch.Tensor,
    bag_mask: torch.Tensor,
    negative_ids: torch.Tensor,
    embeddings: torch.Tensor,
    temperature: float,
) -> torch.Tensor:
    """L_W: HiCTL's word-level loss (paper eq. for L_W, as docs/design.md §4 defines it).

    ``queries`` (B, H) are the sentence-pair queries q; ``bag_ids`` (B, K) hold each pair's bag of
    distinct non-special token ids, padded, with ``bag_mask`` (B, K) true on real entries;
    ``negative_ids`` (B, N) are the negatives S drawn for each pair; ``embeddings`` holds the input
    embedding vectors e, indexed by those ids (the matrix itself, or the rows of it a step gathered
    once, with the ids mapped to those rows). With s = cosine / temperature, each bag word w_t contributes
    -log(exp(s(q, e(w_t))) / (exp(s(q, e(w_t))) + sum_j exp(s(q, e(w_j))))). The loss is the mean
    over each pair's bag, then over the batch.
    """
    q = F.normalize(queries.float(), dim=-1).unsqueeze(1)  # (B, 1, H)
    positives = F.normalize(embeddings[bag_ids].float(), dim=-1)  # (B, K, H)
    negatives = F.normalize(embeddings[negative_ids].float(), dim=-1)  # (B, N, H)
    s_pos = (q * positives).sum(-1) / temperature  # (B, K)
    s_neg = torch.logsumexp((q * negatives).sum(-1) / temperature, dim=1, keepdim=True)  # (B, 1)
    per_word = torch.logaddexp(s_pos, s_neg) - s_pos
    mask = bag_mask.to(per_word.dtype)
    return ((per_word * mask).sum(1) / mask.sum(1).clamp_min(1.0)).mean()


def masked_lm(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """L_M: cross-entropy of the MLM logits (M, V), taken only at the M masked positions."""
    return F.cross_entropy(logits.float(), labels)


def bags_of_words(ids: list[list[int]], special_ids) -> tuple[torch.Tensor, torch.Tensor]:
    """Each pair's bag: its distinct non-special token ids, as a padded (B, K) tensor and mask."""
    special = set(special_ids)
    bags = [sorted(set(seq) - special) for seq in ids]
    width = max(1, max(map(len, bags)))
    padded = torch.zeros(len(bags), width, dtype=torch.long)
    mask = torch.zeros(len(bags), width, dtype=torch.bool)
    for row, bag in enumerate(bags):
        padded[row, : len(bag)] = torch.tensor(bag, dtype=torch.long)
        mask[row, : len(bag)] = True
    return padded, mask


def sample_negatives(
    bag_ids: torch.Tensor, bag_mask: torch.Tensor, vocab_size: int, special_ids, count: int, generator: torch.Generator
) -> torch.Tensor:
    """Draw ``count`` distinct ids per pair, uniformly from the vocabulary without its bag and specials."""
    weights = torch.ones(bag_ids.shape[0], vocab_size)
    weights[:, list(special_ids)] = 0.0
    rows = torch.arange(bag_ids.shape[0]).unsqueeze(1).expand_as(bag_ids)
    weights[rows[bag_mask], bag_ids[bag_mask]] = 0.0
    available = int((weights > 0).sum(1).min())
    if available < count:
        raise ValueError(f"only {available} vocabulary ids are left to draw {count} word negatives from")
    return torch.multinomial(weights, count, replacement=False, generator=generator)


def masked_positions_loss(head: torch.nn.Module, hidden: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """L_M from the MLM head applied at the masked positions only (``labels`` on the CPU, -100 elsewhere)."""
    at = labels != -100
    if not at.any():  # a CPU tensor: no device sync
        return hidden.sum() * 0.0
    at = at.to(hidden.device)
    return masked_lm(head(hidden[at]), labels.to(hidden.device)[at])
