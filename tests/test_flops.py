"""The FLOP model against a count by hand and against torch's own count of a real alignment step."""

import pytest
import torch

from align_transfer.ops.flops import EncoderShape, alignment_step, encoder_forward, gpu_hours, job_flops

TINY = EncoderShape(layers=2, hidden=4, intermediate=8, vocab=10)


def test_one_alignment_step_matches_a_count_by_hand():
    flops = alignment_step(
        TINY, "S1W1M1", batch=2, length=3, sentence_layer=1, word_negatives=5, mlm_probability=0.5, bag=4
    )
    # per token and layer, the projections: 8·H² + 4·H·F = 128 + 128 = 256; attention 4·H·T² per sequence
    # L_S: 4 sentences of 3 + 2 tokens, 1 layer: 4·(5·256 + 16·25) = 6720; similarity 2·4²·4 = 128; x3
    assert flops["sentence"] == 3 * (6720 + 128)
    # L_W: 2 pairs of 3 + 3 + 4 tokens, 2 layers: 2·2·(10·256 + 16·100) = 16640; dots 2·2·(4 + 5)·4 = 144; x3
    assert flops["word"] == 3 * (16640 + 144)
    # L_M: 4 sentences of 5 tokens, 2 layers: 13440; head at 0.5·4·3 = 6 positions: 6·(2·16 + 2·4·10) = 672; x3
    assert flops["mlm"] == 3 * (13440 + 672)
    assert alignment_step(TINY, "S0W0M1", 2, 3, sentence_layer=1, word_negatives=5, mlm_probability=0.5) == {
        "mlm": flops["mlm"]
    }
    # L_T: 2 pairs of 3 + 3 + 4 tokens, 2 layers: 16640; head at 0.5·2·6 = 6 positions: 672; x3
    tlm = alignment_step(TINY, "S0W0M0T1", 2, 3, sentence_layer=1, word_negatives=5, mlm_probability=0.5)
    assert tlm == {"tlm": 3 * (16640 + 672)}


def test_torch_counts_the_same_flops_in_a_real_alignment_step(tiny):
    """torch's FlopCounterMode counts every matrix multiplication of one S1W1M1 step (forward and backward)
    of the real objective; the model's count, less the word loss's elementwise dots, must equal it."""
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    from align_transfer.alignment.align import AlignmentObjective
    from align_transfer.core.settings import AlignmentSettings

    model = AutoModelForMaskedLM.from_pretrained(tiny / "encoder", attn_implementation="eager")
    model.train()
    tokenizer = AutoTokenizer.from_pretrained(tiny / "encoder")
    settings = AlignmentSettings(
        losses="S1W1M1",
        learning_rate=1e-5,
        batch_size=3,
        max_length=32,
        word_negatives=7,
        temperature=0.1,
        steps=1,
        checkpoint_steps=[1],
        seed=0,
        sentence_layer=1,
        mlm_probability=1.0,
    )  # every token masked: a known number of masked positions
    # equal lengths (no padding) and distinct ids (each pair's bag is all its 2 x 6 tokens)
    first = len(tokenizer.all_special_ids) + 5
    ids = iter(range(first, first + 36))
    src, tgt = [[next(ids) for _ in range(6)] for _ in range(3)], [[next(ids) for _ in range(6)] for _ in range(3)]
    objective = AlignmentObjective(model, tokenizer, settings, torch.Generator().manual_seed(0))
    with FlopCounterMode(display=False) as counter:
        losses, _ = objective(src, tgt)
        sum(losses.values()).backward()
    shape = EncoderShape.of(model.config)
    expected = alignment_step(
        shape,
        "S1W1M1",
        3,
        6,
        sentence_layer=1,
        word_negatives=7,
        mlm_probability=1.0,
        pair_specials=len(objective.with_specials([], [])),
    )
    word_dots = 3 * 2 * 3 * (12 + 7) * shape.hidden  # elementwise products, which FlopCounterMode does not count
    assert counter.get_total_flops() == pytest.approx(sum(expected.values()) - word_dots, rel=1e-9)


def test_a_job_counts_its_steps_and_gpu_hours_follow_from_the_peak():
    config = {
        "alignment": {
            "batch_size": 2,
            "steps": 10,
            "checkpoint_steps": [10],
            "word_negatives": 5,
            "mlm_probability": 0.5,
        },
        "compute": {"tokens": {"parallel": 3}, "items": {}},
        "finetune": {"seeds": [1]},
        "analysis": {"finetuned_seeds": [1]},
        "evaluation": {"languages": ["de"]},
    }
    job = {"rule": "align", "wildcards": {"pair": "de-en", "losses": "S1W0M0", "encoder": "E"}}
    encoder = {"name": "E", "sentence_layer": 1, "mlm_head": True}
    assert job_flops(job, config, TINY, encoder) == 10 * 3 * (6720 + 128)
    assert job_flops({"rule": "prepare_ud", "wildcards": {}}, config, TINY, encoder) == 0.0
    # the gradient analysis of one model: 1 task, 1 kept seed, 2 batches, 1 evaluation language
    config |= {
        "finetune": {"tasks": ["pos"], "seeds": [1], "pos": {"batch_size": 2}},
        "analysis": {"finetuned_seeds": [1], "gradient_batches": 2},
        "compute": {"tokens": {"parallel": 3, "pos": 3, "flores": 3}, "items": {}},
    }
    job = {"rule": "gradients", "wildcards": {"model": "de-en_S1W0M0_10", "encoder": "E"}}
    # task gradients: 2 batches x (English + de) x 2 sentences of 3 + 2 tokens, 2 layers: 8·(5·256 + 16·25) x3;
    # 2 alignment gradients (one L_S step each); MLM gradients: 2 batches x 2 languages x 2 sentences of 5
    # tokens, 2 layers, and the head at 0.5·3 positions each: 8·(2·(5·256 + 16·25) + 1.5·(2·16 + 2·4·10)), x3
    task = 3 * 8 * 2 * (5 * 256 + 16 * 25)
    mlm = 3 * 8 * (2 * (5 * 256 + 16 * 25) + 1.5 * (2 * 16 + 2 * 4 * 10))
    assert job_flops(job, config, TINY, encoder) == pytest.approx(task + 2 * 3 * (6720 + 128) + mlm, rel=1e-12)
    assert gpu_hours(3.6e15, peak_tflops=100, utilisation=0.5) == pytest.approx(0.02)  # 3.6e15 / 5e13 / 3600
    assert encoder_forward(TINY, 1, 1, layers=0) == 0
