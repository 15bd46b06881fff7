"""Gradient cosines against gradients derived by hand, and one fine-tuned run analysed end to end."""

import dataclasses
import math

import numpy as np
import pytest
import torch
from torch import nn

from align_transfer.analysis.gradients import (
    flat_gradient,
    gradient_cosine,
    gram,
    mean_gradient,
    pairwise_cosines,
    task_batches,
)


@pytest.fixture
def tiny_model():
    torch.manual_seed(0)
    return nn.ModuleDict({"backbone": nn.Linear(3, 2), "head": nn.Linear(2, 1)})


def test_parallel_gradients_have_cosine_one_and_the_head_is_left_out(tiny_model):
    x = torch.tensor([1.0, 2.0, -1.0])
    backbone = list(tiny_model["backbone"].parameters())
    out = tiny_model["backbone"](x)
    loss_a = out.sum()
    # twice the same loss, plus a term that reaches only the head's parameters
    loss_b = 2 * out.sum() + 5 * tiny_model["head"].weight.sum()
    assert gradient_cosine(loss_a, loss_b, backbone) == pytest.approx(1.0)
    everything = list(tiny_model.parameters())
    assert (
        gradient_cosine(
            tiny_model["backbone"](x).sum(),
            2 * tiny_model["backbone"](x).sum() + 5 * tiny_model["head"].weight.sum(),
            everything,
        )
        < 0.99
    )


def test_orthogonal_gradients_have_cosine_zero_and_a_general_case_matches_numpy(tiny_model):
    x = torch.tensor([1.0, 2.0, -1.0])
    backbone = list(tiny_model["backbone"].parameters())
    # output unit 0 depends on weight row 0 and bias 0 only; unit 1 on row 1 and bias 1: disjoint gradients
    assert gradient_cosine(tiny_model["backbone"](x)[0], tiny_model["backbone"](x)[1], backbone) == pytest.approx(0.0)
    # by hand: loss = (w0.x + b0)^2 -> dW row 0 = 2 y0 x, db0 = 2 y0; loss = 3 (w1.x + b1) -> row 1 = 3 x, db1 = 3
    y = tiny_model["backbone"](x).detach().numpy()
    ga = np.concatenate([2 * y[0] * x.numpy(), np.zeros(3), [2 * y[0], 0.0]])
    gb = np.concatenate([np.zeros(3), 3 * x.numpy(), [0.0, 3.0]])
    gc = ga + gb
    out = tiny_model["backbone"](x)
    loss_a, loss_c = out[0] ** 2, out[0] ** 2 + 3 * out[1]
    expected = ga @ gc / (np.linalg.norm(ga) * np.linalg.norm(gc))
    assert gradient_cosine(loss_a, loss_c, backbone) == pytest.approx(expected, rel=1e-5)
    assert flat_gradient(3 * tiny_model["backbone"](x)[1], backbone).numpy() == pytest.approx(gb)


def test_mean_gradient_and_pairwise_cosines(tiny_model):
    layer = tiny_model["backbone"]
    params = list(layer.parameters())
    xs = [torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0])]
    mean = mean_gradient((layer(x).sum() for x in xs), params)
    # d sum(Wx + b)/dW = rows of x; the mean over the two inputs is rows of (0.5, 0.5, 0); db = (1, 1)
    assert mean.numpy() == pytest.approx([0.5, 0.5, 0, 0.5, 0.5, 0, 1, 1])
    rows = pairwise_cosines(
        {"a": torch.tensor([1.0, 0.0]), "b": torch.tensor([0.0, 2.0]), "c": torch.tensor([1.0, 1.0])}
    )
    cosines = {(r["lang_a"], r["lang_b"]): r["cosine"] for r in rows}
    assert len(rows) == 9 and cosines[("a", "a")] == pytest.approx(1.0)
    assert cosines[("a", "b")] == pytest.approx(0.0) and cosines[("b", "c")] == pytest.approx(2**-0.5)


def test_the_gram_matrix_summed_in_slices_is_the_float64_one():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3, 10)).astype(np.float32)
    by_hand = [[sum(float(a) * float(b) for a, b in zip(u, v)) for v in vectors] for u in vectors]
    matrix = gram([torch.from_numpy(v) for v in vectors], chunk=3)  # slices of 3, 3, 3 and 1 entries
    assert matrix.dtype == torch.float64 and matrix.numpy() == pytest.approx(np.array(by_hand), rel=1e-12)


def test_task_batches_are_seeded_and_capped():
    data = list(range(10))
    generator = lambda: torch.Generator().manual_seed(3)  # noqa: E731
    assert task_batches(data, 4, 2, generator()) == task_batches(data, 4, 2, generator())
    assert task_batches(data, 4, 5) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_a_fine_tuned_run_is_analysed_on_its_backbone_only(tiny, tiny_pairs, tmp_path):
    from conftest import tiny_alignment
    from datasets import load_from_disk
    from test_finetune import settings, write_task_files

    from align_transfer.analysis.gradients import analyse_run
    from align_transfer.data.tasks import tokenize_task
    from align_transfer.finetuning.finetune import finetune_full, save_run

    files = write_task_files(tiny)
    tokenize_task("sc", files["sc"], tiny / "encoder", tmp_path / "task", max_length=64)
    data = load_from_disk(str(tmp_path / "task"))
    task_settings = settings("sc", epochs=1)
    model, dev_log, _, _ = finetune_full(tiny / "encoder", data, task_settings, 15, ["de"], device="cpu")
    save_run(tmp_path / "run", model.head, dev_log, model, tokenizer_dir=tiny / "encoder")
    align_settings = tiny_alignment(losses="S1W0M1", steps=2, checkpoint_steps=[2])
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny / "encoder")
    flores = {
        lang: tokenizer(lines)["input_ids"]
        for lang, lines in {"en": ["a b c", "d e f g"], "de": ["x y z", "u v"]}.items()
    }
    tokens = load_from_disk(str(tiny_pairs))
    args = (
        tmp_path / "run",
        tiny / "encoder",
        data,
        tokens,
        flores,
        task_settings,
        align_settings,
        15,
        2,
        ["de", "ja"],
        "en",
    )
    table3_rows, language_rows = analyse_run(*args, device="cpu")
    assert [r["batch"] for r in table3_rows] == [0, 1]
    assert all(r["task_norm"] > 0 and r["alignment_norm"] > 0 for r in table3_rows)
    # the null baseline: batch 1's task gradient against batch 0's (none before batch 0)
    assert math.isnan(table3_rows[0]["baseline_cosine"]) and abs(table3_rows[1]["baseline_cosine"]) <= 1 + 1e-6
    assert all(abs(r["cosine"]) <= 1 + 1e-6 for r in table3_rows + language_rows)
    task = {(r["lang_a"], r["lang_b"]): r["cosine"] for r in language_rows if r["kind"] == "task"}
    mlm = {(r["lang_a"], r["lang_b"]): r["cosine"] for r in language_rows if r["kind"] == "mlm"}
    assert len(task) == 9 and task[("de", "de")] == pytest.approx(1.0) and task[("en", "de")] == task[("de", "en")]
    assert len(mlm) == 4 and mlm[("en", "de")] < 1
    assert analyse_run(*args, device="cpu") == (table3_rows, language_rows)  # same seed, same numbers
    # an encoder without an MLM head: its own alignment loss (no M) and no MLM gradients per language
    headless = (*args[:6], dataclasses.replace(align_settings, losses="S1W1M0"), *args[7:])
    table3_rows, language_rows = analyse_run(*headless, mlm_head=False, device="cpu")
    assert len(table3_rows) == 2 and {r["kind"] for r in language_rows} == {"task"} and len(language_rows) == 9
