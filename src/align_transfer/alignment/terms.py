"""One alignment step of each loss term (``core.objectives.TERMS`` names each term's function here).

A term's function takes the objective and a batch (token ids without specials, and each text wrapped in its
specials) and returns a ``TermStep``: the inputs it runs through the encoder, the other token ids whose input
embeddings its loss reads, and its loss once those are gathered. The objective gathers the embedding rows of
every term's inputs once per step (``AlignmentObjective.embedding_rows``) and calls the terms in the registry's
order, so that the random draws (word negatives, masks) come in that order too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import torch

from align_transfer.alignment.losses import (
    bags_of_words,
    mean_pool,
    sample_negatives,
    sentence_infonce,
    word_contrastive,
)
from align_transfer.core.modeling import pad

if TYPE_CHECKING:
    from align_transfer.alignment.align import AlignmentObjective


@dataclass
class TermStep:
    """``inputs``: (ids, attention mask) the encoder reads for this term, each with the token types of a pair
    where the encoder uses them (None otherwise); ``gathered``: other ids whose input-embedding rows the loss
    reads; ``loss(embeds, rows, table)``: the term's loss from the embeddings of its inputs, the rows of
    ``table`` (the step's gathered embedding vectors) that its ``gathered`` ids are."""

    inputs: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]]
    loss: Callable[[list[torch.Tensor], list[torch.Tensor], torch.Tensor], torch.Tensor]
    gathered: list[torch.Tensor] = field(default_factory=list)


def sentence(objective: AlignmentObjective, src: list, tgt: list, singles: list) -> TermStep:
    """L_S: the 2B texts alone, pooled at the sentence layer (docs/design.md §4)."""
    ids, mask = objective.pad(singles)
    settings = objective.settings

    def loss(embeds, rows, table):
        hidden = objective.sentence_states(embeds[0], mask.to(objective.model.device))
        if settings.sentence_pooling == "cls":
            z = hidden[:, 0]
        else:
            z = mean_pool(hidden, (mask.bool() & ~torch.isin(ids, objective.special)).to(objective.model.device))
        return sentence_infonce(z[: len(src)], z[len(src) :], settings.temperature)

    return TermStep([(ids, mask, None)], loss)


def pair_inputs(objective: AlignmentObjective, src: list, tgt: list) -> tuple[list, torch.Tensor | None]:
    """Each pair cut to fit the encoder's positions (``<s> x </s></s> y </s>``, without the specials), and its
    token types where the encoder uses them (BERT: y is segment B, as its tokenizer marks it)."""
    pairs = [objective.with_specials.fit_pair(x, y, objective.settings.position_limit) for x, y in zip(src, tgt)]
    types = None
    if objective.with_specials.uses_types:
        types = pad([objective.with_specials.pair_types(x, y) for x, y in pairs], 0)[0]
    return pairs, types


def word(objective: AlignmentObjective, src: list, tgt: list, singles: list) -> TermStep:
    """L_W: each pair's first-token state against its bag of words and negatives drawn from the vocabulary."""
    pairs, types = pair_inputs(objective, src, tgt)
    ids, mask = objective.pad([objective.with_specials(x, y) for x, y in pairs])
    bag_ids, bag_mask = bags_of_words([x + y for x, y in pairs], objective.special_ids)
    negatives = sample_negatives(
        bag_ids,
        bag_mask,
        objective.vocab_size,
        objective.special_ids,
        objective.settings.word_negatives,
        objective.generator,
    )

    def loss(embeds, rows, table):
        queries = objective.encode(embeds[0], mask, types).last_hidden_state[:, 0]
        device = objective.model.device
        return word_contrastive(queries, rows[0], bag_mask.to(device), rows[1], table, objective.settings.temperature)

    return TermStep([(ids, mask, types)], loss, [bag_ids, negatives])


def mlm(objective: AlignmentObjective, src: list, tgt: list, singles: list) -> TermStep:
    """L_M: 15% of each text's non-special tokens masked (80/10/10), each text alone."""
    ids, mask = objective.pad(singles)
    masked, labels = objective.mask(ids)

    def loss(embeds, rows, table):
        return objective.mlm_loss(objective.encode(embeds[0], mask).last_hidden_state, labels)

    return TermStep([(masked, mask, None)], loss)


def tlm(objective: AlignmentObjective, src: list, tgt: list, singles: list) -> TermStep:
    """L_T: translation language modelling (Conneau & Lample 2019): the pair concatenated as the encoder
    takes a pair, 15% of its non-special tokens masked on both sides (80/10/10), so that a masked word can be
    read off its translation."""
    pairs, types = pair_inputs(objective, src, tgt)
    ids, mask = objective.pad([objective.with_specials(x, y) for x, y in pairs])
    masked, labels = objective.mask(ids)

    def loss(embeds, rows, table):
        return objective.mlm_loss(objective.encode(embeds[0], mask, types).last_hidden_state, labels)

    return TermStep([(masked, mask, types)], loss)
