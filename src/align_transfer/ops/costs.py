"""Measure the per-unit costs of the compute plan's cost model on this machine's device.

Random weights with the config's encoder architecture (XLM-R base for the paper, the mini encoder
for the mini world) and random token ids of typical lengths: the time of a step depends on the
shapes, not on the values. Each figure is the mean over ``repeats`` timed calls after one warm-up.
"""

from __future__ import annotations

import resource
import time

import torch
import torch.nn.functional as F

from align_transfer.alignment.align import AlignmentObjective, AlignmentSettings
from align_transfer.core.modeling import adamw, load_tokenizer, pad
from align_transfer.core.objectives import TERMS, loss_code
from align_transfer.core.precision import autocast
from align_transfer.ops.benchmark import random_pairs, synthetic_tokenizer


def _timed(call, repeats: int, device) -> float:
    call()  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        call()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats


def measure_costs(
    architecture, alignment: dict, *, device="cpu", bf16=False, repeats=2, lengths=(8, 48), batch_size=16
) -> dict:
    """Seconds of one alignment step per loss term (batch ``batch_size``) and of its AdamW update, and per example of full
    fine-tuning (forward, backward, AdamW), of a forward pass, and of a gradient (forward, backward)."""
    from transformers import AutoModelForMaskedLM

    device = torch.device(device)
    torch.manual_seed(0)
    model = AutoModelForMaskedLM.from_config(architecture, attn_implementation="sdpa").to(device)
    tokenizer = synthetic_tokenizer(architecture.vocab_size)
    pairs = random_pairs(batch_size, architecture.vocab_size, lengths, seed=0)
    src, tgt = [p[0] for p in pairs], [p[1] for p in pairs]
    optimizer = adamw(model.parameters(), lr=1e-5)  # the fused AdamW training runs
    step_seconds = {}
    for term in TERMS.values():
        code = loss_code({term.name: 1})
        settings = AlignmentSettings.from_config(
            alignment | {"sentence_layer": min(alignment["sentence_layer"], architecture.num_hidden_layers)}, code
        )
        objective = AlignmentObjective(model, tokenizer, settings, torch.Generator().manual_seed(0))

        def step():
            with autocast(device, bf16):
                losses, _ = objective(src, tgt)
            optimizer.zero_grad(set_to_none=True)
            sum(losses.values()).backward()
            optimizer.step()

        step_seconds[term.name] = _timed(step, repeats, device)
    # every step above includes one AdamW update; the plan adds it once per step, so it is taken out
    step_seconds["optimizer"] = _timed(optimizer.step, repeats, device)
    for term in TERMS:
        step_seconds[term] = max(0.0, step_seconds[term] - step_seconds["optimizer"])

    backbone = model.base_model
    ids, mask = pad([s + t for s, t in zip(src, tgt)], tokenizer.pad_token_id)
    ids, mask = ids.to(device), mask.to(device)
    head = torch.nn.Linear(architecture.hidden_size, 17).to(device)

    def train_step():
        with autocast(device, bf16):
            logits = head(backbone(ids, attention_mask=mask).last_hidden_state)
        loss = F.cross_entropy(
            logits.flatten(0, 1).float(), torch.zeros(logits.shape[:2], dtype=torch.long, device=device).flatten()
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    def gradient():
        with autocast(device, bf16):
            loss = backbone(ids, attention_mask=mask).last_hidden_state.float().pow(2).mean()
        torch.autograd.grad(loss, list(backbone.parameters()), allow_unused=True)

    @torch.no_grad()
    def forward():
        with autocast(device, bf16):
            backbone(ids, attention_mask=mask, output_hidden_states=True)

    per_example = {
        "train_example": _timed(train_step, repeats, device) / batch_size,
        "gradient_example": _timed(gradient, repeats, device) / batch_size,
        "forward_example": _timed(forward, repeats, device) / batch_size,
    }
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "align_step": step_seconds,
        **per_example,
        "peak_rss_mb": peak_mb,
        "tokens_per_example": round(float(mask.sum()) / batch_size, 1),
    }


def mean_tokens(data_dir, tokenizer_dir, max_length: int = 128) -> dict[str, float]:
    """Mean tokens per example (no special tokens, truncated as the workflow truncates) of each kind of
    text the FLOP model counts, in a data folder laid out as ../shared/data (the mirror layout).

    ``parallel`` is measured on the FLORES sentences of the paper's pair languages: the alignment
    corpora (Europarl, MultiCCAligned) are full sentences of that kind.
    """
    from pathlib import Path

    from align_transfer.alignment.encoders import encode_sentences
    from align_transfer.data.lexicon import read_muse
    from align_transfer.data.sib200 import read_sib_tsv
    from align_transfer.data.tasks import first_subtoken_labels
    from align_transfer.data.ud import read_conllu

    data, tokenizer = Path(data_dir), load_tokenizer(tokenizer_dir)
    specials = tokenizer.num_special_tokens_to_add(pair=False)

    def mean(texts):
        ids = encode_sentences(tokenizer, texts, max_length)
        return sum(map(len, ids)) / len(ids)

    def lines(path):
        return path.read_text(encoding="utf-8").splitlines()

    flores = data / "flores200_dataset/devtest"
    pos = [
        len(first_subtoken_labels(s["words"], s["upos"], tokenizer, max_length)[0]) - specials
        for path in sorted(data.glob("ud/UD_*/*.conllu"))
        for s in read_conllu(path)
    ]
    return {
        "parallel": mean(
            [
                t
                for code in ("deu_Latn", "eng_Latn", "kaz_Cyrl", "jpn_Jpan", "kor_Hang")
                for t in lines(flores / f"{code}.devtest")
            ]
        ),
        "pos": sum(pos) / len(pos),
        "sc": mean(
            [row["text"] for path in sorted(data.glob("sib200/data/annotated/*/*.tsv")) for row in read_sib_tsv(path)]
        ),
        "flores": mean([t for path in sorted(flores.glob("*.devtest")) for t in lines(path)]),
        "words": mean(
            [w for path in sorted(data.glob("muse/dictionaries/*.txt")) for pair in read_muse(path) for w in pair]
        ),
    }
