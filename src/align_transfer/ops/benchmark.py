"""Alignment throughput: this implementation against the naive way, in the same run.

The naive reference pads every sequence to the maximum length, runs the sentence pass through every
layer (L_S reads one), computes MLM logits over the whole vocabulary at every position, as a plain
``*ForMaskedLM`` forward with labels would, and updates with torch's default AdamW (a loop over the
parameters; this implementation fuses it). Both run the same S1W1M1 steps (forward, backward, AdamW)
on the same batches: the token ids of a real parallel corpus, or random ids.
"""

from __future__ import annotations

import random
import time

import torch
import torch.nn.functional as F

from align_transfer.alignment.align import AlignmentObjective, AlignmentSettings
from align_transfer.core.modeling import adamw, load_model, load_tokenizer, pad
from align_transfer.core.tasks import TASKS


class NaiveAlignmentObjective(AlignmentObjective):
    """The same losses with fixed padding to ``max_length`` and full-vocabulary MLM logits."""

    def pad(self, sequences):
        return pad(sequences, self.tokenizer.pad_token_id, width=self.settings.max_length)

    def mlm_loss(self, hidden, labels):
        logits = self.head(hidden)  # (N, T, V): every position, every vocabulary entry
        return F.cross_entropy(logits.flatten(0, 1).float(), labels.to(hidden.device).flatten(), ignore_index=-100)

    def sentence_states(self, embeds, mask):
        out = self.model.base_model(inputs_embeds=embeds, attention_mask=mask, output_hidden_states=True)
        return out.hidden_states[self.settings.sentence_layer]

    def embedding_rows(self, id_tensors):
        """Each pass and gather reads the whole matrix, as a model called with ids does."""
        return self.model.get_input_embeddings().weight, [ids.to(self.model.device) for ids in id_tensors]


def synthetic_tokenizer(vocab_size: int):
    """An XLM-R tokenizer with ``vocab_size`` entries; only its special tokens and size matter here."""
    from transformers import XLMRobertaTokenizer

    pieces = [(f"\u2581w{i}", -float(i)) for i in range(vocab_size - 5)]
    specials = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    return XLMRobertaTokenizer(vocab=specials + pieces + [("<mask>", 0.0)])


def random_pairs(count: int, vocab_size: int, lengths: tuple[int, int], seed: int) -> list[tuple[list, list]]:
    rng = random.Random(seed)

    def sentence():
        return [rng.randrange(4, vocab_size - 1) for _ in range(rng.randint(*lengths))]

    return [(sentence(), sentence()) for _ in range(count)]


def corpus_pairs(src: list[str], tgt: list[str], tokenizer_dir, max_length: int, count: int, seed: int = 0) -> list:
    """``count`` pairs drawn from a parallel corpus, tokenized as the workflow does (no specials, each side
    fitting ``max_length`` with its specials): real token ids with the corpus's length distribution."""
    from align_transfer.alignment.encoders import encode_sentences

    tokenizer = load_tokenizer(tokenizer_dir)
    rows = random.Random(seed).sample(range(len(src)), min(count, len(src)))
    sides = [encode_sentences(tokenizer, [texts[r] for r in rows], max_length) for texts in (src, tgt)]
    return list(zip(*sides))


def measure(objective, model, optimizer, batches, warmup: int = 1) -> tuple[float, float]:
    """Steps and real tokens per second over ``batches`` (after ``warmup`` untimed steps)."""

    def step(src, tgt):
        losses, tokens = objective(src, tgt)
        optimizer.zero_grad(set_to_none=True)
        sum(losses.values()).backward()
        optimizer.step()
        return tokens

    for src, tgt in batches[:warmup]:
        step(src, tgt)
    if model.device.type == "cuda":
        torch.cuda.synchronize()
    start, tokens = time.perf_counter(), 0
    for src, tgt in batches[warmup:]:
        tokens += step(src, tgt)
    if model.device.type == "cuda":
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    return (len(batches) - warmup) / elapsed, tokens / elapsed


def run_benchmark(
    *,
    hidden_size=768,
    layers=12,
    heads=12,
    intermediate_size=3072,
    vocab_size=250002,
    batch_size=16,
    max_length=128,
    steps=3,
    lengths=(10, 60),
    device="cpu",
    bf16=False,
    seed=0,
    pairs=None,
) -> dict:
    """Run both objectives at the given shapes on ``pairs`` of token ids (``corpus_pairs``; random ids of
    ``lengths`` tokens without them); returns steps/s, tokens/s and the ratio."""
    from transformers import XLMRobertaConfig, XLMRobertaForMaskedLM

    tokenizer = synthetic_tokenizer(vocab_size)
    config = XLMRobertaConfig(
        vocab_size=vocab_size,
        hidden_size=hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=2 * max_length + 4,
        type_vocab_size=1,
    )
    settings = AlignmentSettings(
        losses="S1W1M1",
        learning_rate=1e-5,
        batch_size=batch_size,
        max_length=max_length,
        word_negatives=512,
        temperature=0.1,
        steps=steps,
        checkpoint_steps=[steps],
        seed=seed,
        sentence_layer=min(8, layers),
    )
    pairs = (
        pairs[: batch_size * (steps + 1)]
        if pairs
        else random_pairs(batch_size * (steps + 1), vocab_size, lengths, seed)
    )
    if len(pairs) < batch_size * (steps + 1):
        raise ValueError(f"{len(pairs)} pairs are fewer than {steps + 1} batches of {batch_size}")
    batches = [tuple(map(list, zip(*pairs[i : i + batch_size]))) for i in range(0, len(pairs), batch_size)]
    results = {}
    # the naive way: the losses above and torch's default AdamW (a loop over the parameters)
    ways = (("naive", NaiveAlignmentObjective, torch.optim.AdamW), ("optimized", AlignmentObjective, adamw))
    for name, objective_class, optimizer_class in ways:
        torch.manual_seed(seed)
        model = XLMRobertaForMaskedLM._from_config(config, attn_implementation="sdpa").to(device).train()
        objective = objective_class(model, tokenizer, settings, torch.Generator().manual_seed(seed))
        autocast = torch.autocast(device, dtype=torch.bfloat16, enabled=bf16)
        with autocast:
            results[name] = measure(objective, model, optimizer_class(model.parameters(), lr=1e-5), batches)
        del model, objective
    naive, optimized = results["naive"], results["optimized"]
    return {
        "naive_steps_per_s": naive[0],
        "naive_tokens_per_s": naive[1],
        "optimized_steps_per_s": optimized[0],
        "optimized_tokens_per_s": optimized[1],
        "ratio": optimized[0] / naive[0],
    }


class UncachedFeatures:
    """The frozen backbone run on every batch of every epoch, as a linear probe without a feature cache."""

    def __init__(self, backbone, data, settings):
        self.backbone, self.data, self.settings = backbone, data, settings

    def __len__(self):
        return len(self.data)

    @torch.no_grad()
    def batch(self, rows, device):
        from align_transfer.finetuning.finetune import sentence_states

        (ids, mask), labels = self.data.batch(rows, device)
        hidden = self.backbone(ids, attention_mask=mask).last_hidden_state
        if TASKS[self.settings.task].token_level:
            scored = labels != -100
            return (hidden[scored],), labels[scored]
        return (sentence_states(hidden, mask, self.settings.pooling),), labels

    def per_item(self, rows, values):
        from align_transfer.finetuning.finetune import sum_per_item

        if not TASKS[self.settings.task].token_level:
            return values.long()
        return sum_per_item(values, [sum(label != -100 for label in self.data.labels[r]) for r in rows])


def run_linear_probe_benchmark(encoder_dir, data, settings, seeds, device="cpu") -> dict:
    """Seconds to train every seed's linear head, with features computed once against per batch."""
    from align_transfer.finetuning.finetune import TaskData, decayed_groups, extract_features, fit

    pad_id = load_tokenizer(encoder_dir).pad_token_id
    backbone = load_model(encoder_dir, device).eval()
    train, dev = (TaskData(data[name], settings.task, pad_id) for name in ("train", "dev"))

    def probe_all(train_split, dev_split):
        for seed in seeds:
            torch.manual_seed(seed)
            head = torch.nn.Linear(backbone.config.hidden_size, len(TASKS[settings.task].labels)).to(device)
            fit(
                head,
                decayed_groups(head, settings.linear_lr, settings.weight_decay),
                train_split,
                dev_split,
                settings,
                seed,
            )

    start = time.perf_counter()
    probe_all(extract_features(backbone, train, settings), extract_features(backbone, dev, settings))
    cached = time.perf_counter() - start
    start = time.perf_counter()
    probe_all(UncachedFeatures(backbone, train, settings), UncachedFeatures(backbone, dev, settings))
    uncached = time.perf_counter() - start
    return {"cached_seconds": cached, "uncached_seconds": uncached, "ratio": uncached / cached}


def run_finetune_benchmark(encoder_dir, data, settings, seeds, languages, device="cpu") -> dict:
    """Full fine-tuning jobs (training, then zero-shot evaluation) with random and with length-grouped
    batches, for every seed: seconds, padded tokens per epoch, English dev and mean zero-shot accuracy."""
    from dataclasses import replace

    from align_transfer.finetuning.finetune import TaskData, epoch_batches, finetune_full

    train = TaskData(data["train"], settings.task, load_tokenizer(encoder_dir).pad_token_id)
    warm_up = {name: split.select(range(min(settings.batch_size, len(split)))) for name, split in data.items()}
    finetune_full(encoder_dir, warm_up, replace(settings, epochs=1), seeds[0], languages, device)  # not timed
    results = {}
    for name, grouped in (("random", False), ("grouped", True)):
        runs = []
        for seed in seeds:
            batches = epoch_batches(
                len(train), settings.batch_size, torch.Generator().manual_seed(seed), train.lengths if grouped else None
            )
            start = time.perf_counter()
            _, dev_log, (rows, _), _ = finetune_full(
                encoder_dir, data, replace(settings, length_grouped=grouped), seed, languages, device
            )
            runs.append(
                {
                    "seconds": time.perf_counter() - start,
                    "padded_tokens": sum(len(b) * max(train.lengths[r] for r in b) for b in batches),
                    "dev_accuracy": dev_log[-1]["dev_accuracy"],
                    "zero_shot": sum(row["accuracy"] for row in rows) / len(rows),
                }
            )
        results[name] = runs
    return results
