"""Gradient similarity (paper §4.5, §5.3, Table 3; docs/design.md §4).

On an aligned-then-fully-fine-tuned encoder, over the backbone's parameters only (no task head, no
MLM head; a decoder tied to the input embeddings is the embedding matrix, a backbone parameter):
- Table 3: the cosine between the task loss's gradient on an English training batch and the
  gradient of that encoder's own alignment loss L on a parallel batch, batch by batch;
- §4.5: the mean task-loss gradient of each language (English training data, each evaluation
  language's test data) and the mean MLM gradient on each language's FLORES text, compared
  pairwise by cosine.
The model is in eval mode (no dropout), so a gradient is a function of the weights and the batch.
"""

from __future__ import annotations

import logging
import math
import time
from itertools import islice

import torch
import torch.nn.functional as F

from align_transfer.core.progress import Progress

log = logging.getLogger(__name__)


def flat_gradient(loss: torch.Tensor, params: list[torch.Tensor], retain_graph: bool = False) -> torch.Tensor:
    """d loss / d params as one vector (zeros for parameters the loss does not reach)."""
    grads = torch.autograd.grad(loss, params, allow_unused=True, retain_graph=retain_graph)
    return torch.cat([(torch.zeros_like(p) if g is None else g).flatten() for p, g in zip(params, grads)]).float()


def gram(vectors: list[torch.Tensor], chunk: int | None = None) -> torch.Tensor:
    """The float64 Gram matrix of flat vectors: over hundreds of millions of entries float32 sums drift,
    and a float64 copy of a whole gradient would take gigabytes, so it is summed slice by slice, each
    vector's slice converted once for all its dot products. On a CPU the slices stay in its cache (three
    gradients of the stand-in's 118M entries: 3.2 s in slices of 16M, 0.8 s in slices of 262k); a GPU
    takes large slices, in fewer kernel launches."""
    chunk = chunk or (1 << 24 if vectors[0].device.type == "cuda" else 1 << 18)
    matrix = torch.zeros(len(vectors), len(vectors), dtype=torch.float64, device=vectors[0].device)
    for start in range(0, vectors[0].numel(), chunk):
        block = torch.stack([v[start : start + chunk] for v in vectors]).double()
        matrix += block @ block.T
    return matrix


def cosines(matrix: torch.Tensor) -> torch.Tensor:
    """Cosines from a Gram matrix."""
    norms = matrix.diagonal().sqrt().clamp_min(1e-12)
    return matrix / (norms[:, None] * norms[None, :])


def gradient_cosine(loss_a: torch.Tensor, loss_b: torch.Tensor, params: list[torch.Tensor]) -> float:
    """Cosine between the gradients of two losses (which may share a graph) with respect to ``params`` only."""
    vectors = [flat_gradient(loss_a, params, retain_graph=True), flat_gradient(loss_b, params)]
    return cosines(gram(vectors))[0, 1].item()


def mean_gradient(losses, params: list[torch.Tensor]) -> torch.Tensor:
    """The mean gradient over an iterable of losses (one per batch), summed in place."""
    total, count = None, 0
    for loss in losses:
        grad = flat_gradient(loss, params)
        total = grad if total is None else total.add_(grad)
        count += 1
    if not count:
        raise ValueError("no batches to take a gradient over")
    return total / count


def pairwise_cosines(gradients: dict[str, torch.Tensor]) -> list[dict]:
    """Rows of lang_a, lang_b, cosine for every ordered pair of named gradients."""
    names = list(gradients)
    matrix = cosines(gram([gradients[name] for name in names])).tolist()
    return [
        {"lang_a": a, "lang_b": b, "cosine": matrix[i][j]} for i, a in enumerate(names) for j, b in enumerate(names)
    ]


def task_batches(data, batch_size: int, count: int, generator: torch.Generator | None = None):
    """The first ``count`` batches of a split, in a seeded random order (or in file order)."""
    order = torch.randperm(len(data), generator=generator).tolist() if generator else list(range(len(data)))
    starts = range(0, len(order), batch_size)
    return [order[s : s + batch_size] for s in islice(starts, count)]


def analyse_run(
    run_dir,
    aligned_dir,
    data,
    tokens,
    flores: dict[str, list[list[int]]],
    task_settings,
    align_settings,
    seed: int,
    batches: int,
    languages: list[str],
    source_lang: str,
    mlm_head: bool = True,
    device=None,
    with_languages: bool = True,
) -> tuple[list, list]:
    """Gradient cosines of one fine-tuning run (``run_dir``) of the encoder aligned in ``aligned_dir``.

    ``flores`` holds each language's FLORES token ids (with specials, tokenized once per job).
    Returns the Table 3 rows (batch, cosine, the two gradients' norms, and the cosine of this batch's
    task gradient with the previous batch's, a null baseline for "orthogonal") and the §4.5 rows
    (kind, lang_a, lang_b, cosine); the MLM ones only where the encoder has an MLM head (``mlm_head``); none
    without ``with_languages``. A joint run's MLM head (``finetuning.joint.ALIGNMENT_HEAD``, trained with it)
    replaces the one ``aligned_dir`` brings.
    """
    from align_transfer.alignment.align import AlignmentObjective, ParallelBatches
    from align_transfer.core.modeling import device_of, load_encoder, load_model, load_tensors
    from align_transfer.core.modeling import mlm_head as head_of
    from align_transfer.finetuning.finetune import FullModel, TaskData
    from align_transfer.finetuning.joint import ALIGNMENT_HEAD

    device = device_of(device)
    # the aligned checkpoint brings its MLM head (where it has one); the backbone is the fine-tuned one
    model, tokenizer = load_encoder(aligned_dir, device, mlm_head)
    model.base_model.load_state_dict(load_model(run_dir / "model").state_dict())
    if (run_dir / ALIGNMENT_HEAD).exists():  # its weights but those tied to the backbone's, loaded above
        unexpected = (
            head_of(model).load_state_dict(load_tensors(run_dir / ALIGNMENT_HEAD), strict=False).unexpected_keys
        )
        if unexpected:
            raise ValueError(f"{run_dir / ALIGNMENT_HEAD} holds weights this encoder's MLM head lacks: {unexpected}")
    model.eval()
    backbone = model.base_model
    params = [p for p in backbone.parameters()]
    task_model = FullModel(backbone, task_settings).to(device)
    task_model.head.load_state_dict(load_tensors(run_dir / "head.safetensors"))
    generator = torch.Generator().manual_seed(seed)

    def task_losses(split, rows_list):
        for rows in rows_list:
            inputs, labels = split.batch(rows, device)
            logits = task_model(*inputs)
            yield F.cross_entropy(logits.flatten(0, -2).float(), labels.flatten(), ignore_index=-100)

    clock = time.perf_counter()
    splits = {name: TaskData(data[name], task_settings.task, tokenizer.pad_token_id) for name in data}
    train_batches = task_batches(splits["train"], task_settings.batch_size, batches, generator)
    objective = AlignmentObjective(model, tokenizer, align_settings, generator)
    parallel = ParallelBatches(list(tokens["src"]), list(tokens["tgt"]), align_settings.batch_size, seed)
    table3_rows, train_sum, previous = [], None, None
    for number, task_loss in enumerate(task_losses(splits["train"], train_batches)):
        task_grad = flat_gradient(task_loss, params)
        losses, _ = objective(*parallel[number])
        align_grad = flat_gradient(sum(losses.values()), params)
        # the previous batch's task gradient is the null baseline: two disjoint task batches of one model
        matrix = gram([task_grad, align_grad] + ([] if previous is None else [previous]))
        cosine = cosines(matrix)
        table3_rows.append(
            {
                "batch": number,
                "cosine": cosine[0, 1].item(),
                "task_norm": matrix[0, 0].sqrt().item(),
                "alignment_norm": matrix[1, 1].sqrt().item(),
                "baseline_cosine": math.nan if previous is None else cosine[0, 2].item(),
            }
        )
        previous = task_grad.clone()
        train_sum = task_grad if train_sum is None else train_sum.add_(task_grad)
    log.info(
        "task vs alignment (%s) gradients: %d batches in %.1f s",
        align_settings.losses,
        len(table3_rows),
        time.perf_counter() - clock,
    )

    if not with_languages:
        return table3_rows, []
    clock = time.perf_counter()
    per_language = {source_lang: train_sum / len(table3_rows)}  # the English batches above
    progress = Progress(log, f"{task_settings.task} task gradients per language", len(languages), unit="languages")
    for number, lang in enumerate(languages, 1):
        split = splits[f"test_{lang}"]
        per_language[lang] = mean_gradient(
            task_losses(split, task_batches(split, task_settings.batch_size, batches)), params
        )
        progress(number, lang)
    language_rows = [{"kind": "task"} | row for row in pairwise_cosines(per_language)]
    del per_language
    log.info("per-language task gradients: %d languages in %.1f s", len(languages) + 1, time.perf_counter() - clock)

    if mlm_head:
        language_rows += mlm_language_rows(model, tokenizer, flores, align_settings, batches, generator)
    return table3_rows, language_rows


def mlm_language_rows(
    model, tokenizer, flores: dict[str, list[list[int]]], align_settings, batches: int, generator: torch.Generator
) -> list[dict]:
    """§4.5: the mean MLM gradient of each language on its FLORES text (``batches`` batches), compared pairwise."""
    from transformers import DataCollatorForLanguageModeling

    from align_transfer.alignment.losses import masked_positions_loss
    from align_transfer.core.modeling import mlm_head, pad

    clock, device, backbone = time.perf_counter(), model.device, model.base_model
    params = list(backbone.parameters())
    head = mlm_head(model)
    masker = DataCollatorForLanguageModeling(tokenizer, mlm_probability=align_settings.mlm_probability)
    masker.generator = generator
    special = torch.tensor(sorted(set(tokenizer.all_special_ids)))

    def mlm_losses(sequences):
        for start in range(0, min(len(sequences), batches * align_settings.batch_size), align_settings.batch_size):
            ids, mask = pad(sequences[start : start + align_settings.batch_size], tokenizer.pad_token_id)
            inputs, labels = masker.torch_mask_tokens(ids.clone(), torch.isin(ids, special))
            hidden = backbone(inputs.to(device), attention_mask=mask.to(device)).last_hidden_state
            yield masked_positions_loss(head, hidden, labels)

    progress, per_language = Progress(log, "MLM gradients per language", len(flores), unit="languages"), {}
    for number, (lang, sequences) in enumerate(flores.items(), 1):
        per_language[lang] = mean_gradient(mlm_losses(sequences), params)
        progress(number, lang)
    log.info("per-language MLM gradients on FLORES: %d languages in %.1f s", len(flores), time.perf_counter() - clock)
    return [{"kind": "mlm"} | row for row in pairwise_cosines(per_language)]
