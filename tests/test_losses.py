"""Each loss against an independent computation by hand: plain loops and formulas on tiny tensors."""

import math
import re

import pytest
import torch

from align_transfer.alignment.losses import (
    bags_of_words,
    masked_lm,
    mean_pool,
    sample_negatives,
    sentence_infonce,
    word_contrastive,
)


def cos(a, b):
    return float(a @ b) / (math.sqrt(float(a @ a)) * math.sqrt(float(b @ b)))


def test_sentence_infonce_matches_a_loop_over_the_anchors():
    torch.manual_seed(0)
    src, tgt, tau = torch.randn(3, 5), torch.randn(3, 5), 0.1
    z = list(src) + list(tgt)
    total = 0.0
    for k in range(6):
        positive = (k + 3) % 6
        denominator = sum(math.exp(cos(z[k], z[j]) / tau) for j in range(6) if j != k)
        total += -math.log(math.exp(cos(z[k], z[positive]) / tau) / denominator)
    assert sentence_infonce(src, tgt, tau).item() == pytest.approx(total / 6, rel=1e-5)


def test_sentence_infonce_refuses_a_batch_of_one():
    with pytest.raises(ValueError, match="at least 2 sentence pairs"):
        sentence_infonce(torch.randn(1, 4), torch.randn(1, 4), 0.1)


def test_word_contrastive_matches_a_loop_over_the_bag():
    torch.manual_seed(1)
    emb, tau = torch.randn(12, 4), 0.1
    queries = torch.randn(2, 4)
    bags = [[3, 5, 7], [2, 9]]
    negatives = torch.tensor([[0, 1, 4, 6], [0, 1, 4, 8]])
    bag_ids = torch.tensor([[3, 5, 7], [2, 9, 0]])
    bag_mask = torch.tensor([[True, True, True], [True, True, False]])
    per_pair = []
    for i, bag in enumerate(bags):
        negative_sum = sum(math.exp(cos(queries[i], emb[j]) / tau) for j in negatives[i].tolist())
        terms = []
        for w in bag:
            positive = math.exp(cos(queries[i], emb[w]) / tau)
            terms.append(-math.log(positive / (positive + negative_sum)))
        per_pair.append(sum(terms) / len(terms))
    expected = sum(per_pair) / len(per_pair)
    got = word_contrastive(queries, bag_ids, bag_mask, negatives, emb, tau)
    assert got.item() == pytest.approx(expected, rel=1e-5)


def test_bags_hold_distinct_non_special_tokens():
    # token 5 repeats within and across the sentences of pair 0; 0 and 2 are special
    ids, mask = bags_of_words([[0, 5, 5, 7, 2, 2, 5, 9, 2], [0, 4, 2]], special_ids=[0, 1, 2])
    assert ids[0][mask[0]].tolist() == [5, 7, 9]
    assert ids[1][mask[1]].tolist() == [4]


def test_repeated_bag_tokens_count_once():
    torch.manual_seed(2)
    emb, q, neg = torch.randn(10, 3), torch.randn(1, 3), torch.tensor([[0, 1]])
    ids, mask = bags_of_words([[4, 4, 4, 6]], special_ids=[])
    once, _ = bags_of_words([[4, 6]], special_ids=[])
    assert torch.equal(ids, once)
    assert word_contrastive(q, ids, mask, neg, emb, 0.1) == word_contrastive(q, once, mask, neg, emb, 0.1)


def test_negatives_avoid_the_bag_and_the_special_tokens():
    ids, mask = bags_of_words([[5, 6, 7], [8]], special_ids=[0, 1, 2])
    generator = torch.Generator().manual_seed(0)
    negatives = sample_negatives(ids, mask, vocab_size=20, special_ids=[0, 1, 2], count=12, generator=generator)
    assert negatives.shape == (2, 12)
    assert not set(negatives[0].tolist()) & {0, 1, 2, 5, 6, 7}
    assert not set(negatives[1].tolist()) & {0, 1, 2, 8}
    assert all(len(set(row.tolist())) == 12 for row in negatives)  # a set: no id twice
    with pytest.raises(ValueError, match="only 14 vocabulary ids are left"):
        sample_negatives(ids, mask, vocab_size=20, special_ids=[0, 1, 2], count=15, generator=generator)


def test_mean_pool_ignores_masked_positions():
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    keep = torch.tensor([[True, True, False]])
    assert mean_pool(hidden, keep).tolist() == [[2.0, 3.0]]


def test_masked_lm_is_the_mean_negative_log_likelihood():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    labels = torch.tensor([0, 2])
    by_hand = [-math.log(math.exp(2) / (math.exp(2) + 2)), -math.log(1 / (math.e + 2))]
    assert masked_lm(logits, labels).item() == pytest.approx(sum(by_hand) / 2, rel=1e-6)


def test_loss_codes():
    from align_transfer.core.objectives import CODE_PATTERN, loss_code, parse_loss_code

    assert parse_loss_code("S1W0M1") == {"sentence": 1, "word": 0, "mlm": 1, "tlm": 0}
    assert parse_loss_code("S0W0M0T1") == {"sentence": 0, "word": 0, "mlm": 0, "tlm": 1}
    # a term beyond the paper is named only where it is on: the paper's codes stay as they are
    for bad in ("S0W0M0", "S2W0M1", "s1w0m1", "S1W0M1T0", "S1W0", "T1", "S1W0M1T1T1"):
        with pytest.raises(ValueError):
            parse_loss_code(bad)
    paper = ["S0W0M1", "S0W1M0", "S0W1M1", "S1W0M0", "S1W0M1", "S1W1M0", "S1W1M1"]
    every = [loss_code(dict(zip(["sentence", "word", "mlm", "tlm"], map(int, f"{n:04b}")))) for n in range(1, 16)]
    assert set(paper) < set(every) and len(set(every)) == 15
    assert all(loss_code(parse_loss_code(code)) == code for code in every)
    assert all(re.fullmatch(CODE_PATTERN, code) for code in every)
    assert not any(re.fullmatch(CODE_PATTERN, code) for code in ("S1W0M1T0", "S1W0M1T"))
