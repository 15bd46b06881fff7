"""Phase I: alignment training with the modified HiCTL objective (paper §4.2, docs/design.md §4).

One run trains one encoder on one language pair with one loss code. It pads each batch only to
its longest sequence, computes MLM logits only at masked positions, reads batches from ids
tokenized once, and touches the host only when it logs. Its resumable state (weights, optimizer,
scheduler, random generators, step) lives in a work folder outside the rule's outputs, so a
killed, stopped or preempted run resumes and ends with the weights an uninterrupted run would have
(``state``).
"""

from __future__ import annotations

import csv
import json
import logging
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import torch

from align_transfer.alignment.losses import masked_positions_loss
from align_transfer.core import state
from align_transfer.core.config import ConfigError
from align_transfer.core.io import atomic_path, disk_full
from align_transfer.core.modeling import (
    adamw,
    device_of,
    load_encoder,
    load_tokens,
    mlm_head,
    pad,
    table_digest,
    write_digests,
)
from align_transfer.core.objectives import TERMS, active_terms, named_terms, needs_mlm_head
from align_transfer.core.precision import autocast
from align_transfer.core.progress import Progress
from align_transfer.core.registry import resolve
from align_transfer.core.settings import AlignmentSettings

log = logging.getLogger(__name__)


class TrainingInterrupted(RuntimeError):
    """Raised by ``interrupt_after``: stands in for a kill or a preemption in tests."""


def layer_stack(backbone) -> tuple[torch.nn.Module, str]:
    """The module holding a backbone's transformer layers and its attribute name (``encoder.layer`` in
    BERT and XLM-R): the one ModuleList with as many entries as the config has layers."""
    count = backbone.config.num_hidden_layers
    for module in backbone.modules():
        for attribute, child in module.named_children():
            if isinstance(child, torch.nn.ModuleList) and len(child) == count:
                return module, attribute
    raise ValueError(f"{type(backbone).__name__} has no list of {count} layers")


@contextmanager
def first_layers(backbone, count: int):
    """Run the backbone with its first ``count`` layers only: its last hidden state is then layer
    ``count``'s output (these encoders have no norm after their last layer)."""
    holder, attribute = layer_stack(backbone)
    layers = getattr(holder, attribute)
    if not 0 < count <= len(layers):
        raise ValueError(f"layer {count} is outside the encoder's {len(layers)} layers")
    setattr(holder, attribute, layers[:count])
    try:
        yield
    finally:
        setattr(holder, attribute, layers)


class SpecialTokens:
    """Wraps token ids in the encoder's special tokens as its tokenizer wraps text.

    The template (``<s> x </s>`` and ``<s> x </s></s> y </s>`` for XLM-R, ``[CLS] x [SEP] y [SEP]``
    for BERT) is read off the tokenizer once, by encoding two probe words with and without specials,
    and so are a pair's token types (BERT's second segment is type 1; XLM-R has one type).
    """

    def __init__(self, tokenizer):
        a, b = (tokenizer(w, add_special_tokens=False)["input_ids"] for w in ("a", "b"))
        single = tokenizer("a")["input_ids"]
        pair = tokenizer("a", "b", return_token_type_ids=True)
        start = _find(single, a)
        self.prefix, self.suffix = single[:start], single[start + len(a) :]
        rest = pair["input_ids"][len(self.prefix) + len(a) :]
        middle = _find(rest, b)
        self.middle, self.pair_suffix = rest[:middle], rest[middle + len(b) :]
        # the type of each part of a pair: first segment (with its specials), second segment (with its own)
        types = pair["token_type_ids"]
        self.first_type, self.second_type = types[0], types[-1]
        self.uses_types = "token_type_ids" in tokenizer.model_input_names
        self.pair_specials = len(self.prefix) + len(self.middle) + len(self.pair_suffix)

    def __call__(self, first: list, second: list | None = None) -> list:
        if second is None:
            return self.prefix + first + self.suffix
        return self.prefix + first + self.middle + second + self.pair_suffix

    def pair_types(self, first: list, second: list) -> list:
        """The token type of each position of ``self(first, second)``."""
        head = len(self.prefix) + len(first) + len(self.middle)
        return [self.first_type] * head + [self.second_type] * (len(second) + len(self.pair_suffix))

    def fit_pair(self, first: list, second: list, limit: int) -> tuple[list, list]:
        """Both sides cut, longest first (as the tokenizers' ``longest_first``), until the pair with its
        specials fits ``limit`` positions."""
        room = limit - self.pair_specials
        first, second = list(first), list(second)
        while len(first) + len(second) > room:
            (first if len(first) >= len(second) else second).pop()
        return first, second


def _find(sequence: list, part: list) -> int:
    for start in range(len(sequence) - len(part) + 1):
        if sequence[start : start + len(part)] == part:
            return start
    raise ValueError(f"cannot find {part} in {sequence}")


class ParallelBatches:
    """Batch ``step`` of a seeded stream of epochs: each epoch is a fresh permutation of the pairs.

    The stream wraps around (en-kk has fewer pairs than 6,000 steps need), and batch ``step`` is a
    function of the seed and the step alone, so a resumed run reads the same batches.
    """

    def __init__(self, src: list, tgt: list, batch_size: int, seed: int):
        if len(src) < batch_size:
            raise ValueError(f"the corpus has {len(src)} pairs, fewer than one batch of {batch_size}")
        self.src, self.tgt, self.batch_size, self.seed = src, tgt, batch_size, seed
        self._orders: dict[int, list[int]] = {}

    def _order(self, epoch: int) -> list[int]:
        if epoch not in self._orders:
            generator = torch.Generator().manual_seed(self.seed + epoch)
            self._orders = {epoch: torch.randperm(len(self.src), generator=generator).tolist()}
        return self._orders[epoch]

    def __getitem__(self, step: int) -> tuple[list, list]:
        n = len(self.src)
        positions = range(step * self.batch_size, (step + 1) * self.batch_size)
        indices = [self._order(p // n)[p % n] for p in positions]
        return [self.src[i] for i in indices], [self.tgt[i] for i in indices]


class AlignmentObjective:
    """L = Σ λ_t·L_t on one batch of parallel pairs (token ids without specials): each active term of the loss
    code (``core.objectives.TERMS``) computes its step (``alignment.terms``); terms with λ = 0 are not computed."""

    def __init__(self, model, tokenizer, settings: AlignmentSettings, generator: torch.Generator):
        from transformers import DataCollatorForLanguageModeling

        self.model, self.tokenizer, self.settings = model, tokenizer, settings
        self.terms = {term.name: resolve(term.step) for term in active_terms(settings.losses)}
        if needs_mlm_head(settings.losses) and model is model.base_model:
            needing = ", ".join(t.symbol for t in active_terms(settings.losses) if t.mlm_head)
            raise ValueError(f"{settings.losses} takes {needing}, which needs an MLM head; this encoder has none")
        self.head = mlm_head(model) if needs_mlm_head(settings.losses) else None
        self.special_ids = sorted(set(tokenizer.all_special_ids))
        self.special = torch.tensor(self.special_ids)
        self.vocab_size = min(len(tokenizer), model.get_input_embeddings().num_embeddings)
        self.generator = generator
        self.with_specials = SpecialTokens(tokenizer)
        self.masker = DataCollatorForLanguageModeling(tokenizer, mlm_probability=settings.mlm_probability)
        self.masker.generator = generator  # masking draws from the run's own, resumable generator

    def pad(self, sequences: list) -> tuple[torch.Tensor, torch.Tensor]:
        return pad(sequences, self.tokenizer.pad_token_id)

    def mask(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``ids`` with 15% of their non-special tokens masked (80/10/10), and the labels (-100 elsewhere)."""
        return self.masker.torch_mask_tokens(ids.clone(), torch.isin(ids, self.special))

    def mlm_loss(self, hidden: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return masked_positions_loss(self.head, hidden, labels)

    def encode(self, embeds: torch.Tensor, mask: torch.Tensor, token_types: torch.Tensor | None = None):
        """The backbone over input embeddings (the rows ``embedding_rows`` gathered)."""
        device = self.model.device
        types = None if token_types is None else token_types.to(device)
        return self.model.base_model(inputs_embeds=embeds, attention_mask=mask.to(device), token_type_ids=types)

    def sentence_states(self, embeds: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Layer ``sentence_layer``'s states: the layers above it are not run, since L_S reads none of them."""
        with first_layers(self.model.base_model, self.settings.sentence_layer):
            return self.model.base_model(inputs_embeds=embeds, attention_mask=mask).last_hidden_state

    def embedding_rows(self, id_tensors: list[torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The rows of the input embedding matrix a step reads, gathered once: a table of the distinct ids'
        vectors and each tensor's ids as rows of it. The matrix's gradient (250k x 768 for XLM-R) is then
        one scatter per step, not a dense matrix per pass and per gather (they took a third of a CPU step)."""
        rows, index = torch.unique(torch.cat([ids.flatten() for ids in id_tensors]), return_inverse=True)
        table = self.model.get_input_embeddings()(rows.to(self.model.device))
        parts = index.to(self.model.device).split([ids.numel() for ids in id_tensors])
        return table, [part.view(ids.shape) for part, ids in zip(parts, id_tensors)]

    def __call__(self, src: list, tgt: list) -> tuple[dict, int]:
        """The active loss terms and the number of real tokens encoded."""
        singles = [self.with_specials(x) for x in src + tgt]
        steps = {name: step(self, src, tgt, singles) for name, step in self.terms.items()}
        inputs = [ids for term in steps.values() for ids, _, _ in term.inputs]
        gathered = [ids for term in steps.values() for ids in term.gathered]
        table, rows = self.embedding_rows(inputs + gathered)
        embeds, rows = rows[: len(inputs)], rows[len(inputs) :]
        embeds = [table[row] for row in embeds]
        losses = {}
        for name, term in steps.items():
            taken, embeds = embeds[: len(term.inputs)], embeds[len(term.inputs) :]
            own, rows = rows[: len(term.gathered)], rows[len(term.gathered) :]
            losses[name] = term.loss(taken, own, table)
        return losses, sum(int(mask.sum()) for term in steps.values() for _, mask, _ in term.inputs)


def save_checkpoint(model, tokenizer, path) -> None:
    with atomic_path(path) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        write_digests(tmp)


class Window:
    """Loss sums, tokens, steps and seconds since the last log row. Saved with the state, so that
    the row after a resume covers the same steps as in an uninterrupted run."""

    def __init__(self, device, terms: list[str]):
        self.device, self.terms = device, terms
        self.reset()

    def reset(self) -> None:
        self.sums = {term: torch.zeros((), device=self.device) for term in (*self.terms, "total")}
        self.tokens, self.steps, self.seconds, self.clock = 0, 0, 0.0, time.perf_counter()

    def add(self, losses: dict, total: torch.Tensor, tokens: int) -> None:
        for term, value in losses.items():
            self.sums[term] += value.detach()
        self.sums["total"] += total.detach()
        self.tokens, self.steps = self.tokens + tokens, self.steps + 1

    def elapsed(self) -> float:
        return self.seconds + time.perf_counter() - self.clock

    def state(self) -> dict:
        return {
            "sums": {t: float(v) for t, v in self.sums.items()},
            "tokens": self.tokens,
            "steps": self.steps,
            "seconds": self.elapsed(),
        }

    def load(self, state: dict) -> None:
        self.sums = {t: torch.tensor(v, device=self.device) for t, v in state["sums"].items()}
        self.tokens, self.steps, self.seconds, self.clock = (
            state["tokens"],
            state["steps"],
            state["seconds"],
            time.perf_counter(),
        )


class TrainingLog:
    """Rows of step, each loss term the code names (empty where its λ is 0), the total and throughput, kept in a
    CSV that survives a resume."""

    def __init__(self, path: Path, resume_step: int, terms: list[str]):
        self.path = path
        self.columns = ["step", *(f"loss_{term}" for term in (*terms, "total")), "tokens_per_second", "learning_rate"]
        rows = []
        if path.exists() and resume_step:
            with path.open() as handle:
                rows = [r for r in csv.DictReader(handle) if int(r["step"]) <= resume_step]
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, self.columns)
            writer.writeheader()
            writer.writerows(rows)

    def write(self, row: dict) -> None:
        try:
            with self.path.open("a", newline="") as handle:
                csv.DictWriter(handle, self.columns).writerow(row)
        except OSError as error:
            raise disk_full(error, self.path) or error from None


def train_alignment(
    encoder_dir,
    tokens_dir,
    checkpoints: dict,
    log_csv,
    work_dir,
    settings: AlignmentSettings,
    *,
    mlm_head: bool = True,
    params: dict | None = None,
    device: str | None = None,
    interrupt_after: int | None = None,
) -> None:
    """Train and write a checkpoint (``save_pretrained``, with the MLM head where ``mlm_head``) at each
    configured step.

    ``checkpoints`` maps each step of ``settings.checkpoint_steps`` to its output folder. Every
    ``settings.state_every`` steps, and at SIGUSR1 or SIGTERM (``state.StopRequests``), the resumable state
    is saved under ``work_dir`` with the run's fingerprint (its settings, the tokenized corpus, the base
    encoder, the rule's ``params``, the code that trains); a rerun resumes from a state with the same fingerprint
    and starts fresh otherwise. Outputs appear only when training has finished; the work folder then keeps the
    checkpoints (hard links, read-only) and the log with their sha256, so that a rerun after the outputs were
    lost restores them without training, when it is provably the same work (``state.restorable``). One process
    trains a run (``state.RunLock``).
    """
    if sorted(checkpoints) != sorted(settings.checkpoint_steps) or max(checkpoints) > settings.steps:
        raise ValueError(f"checkpoints {sorted(checkpoints)} do not match the settings {settings.checkpoint_steps}")
    work_dir = Path(work_dir)
    what = f"alignment {settings.losses}"
    with state.RunLock(work_dir.parent, what):
        _train(
            encoder_dir,
            tokens_dir,
            checkpoints,
            log_csv,
            work_dir,
            settings,
            mlm_head,
            params or {},
            device_of(device),
            interrupt_after,
            what,
        )


def _train(
    encoder_dir, tokens_dir, checkpoints, log_csv, work_dir, settings, mlm_head, params, device, interrupt_after, what
) -> None:
    state_dir, staged, work_log = work_dir / "state", work_dir / "checkpoints", work_dir / "train_log.csv"
    tokens = load_tokens(tokens_dir)
    check_corpus_size(len(tokens), settings, tokens_dir)
    fingerprint = {
        "settings": settings.fingerprint(),
        "params": params,
        "corpus": table_digest(tokens),
        "encoder": state.folder_digest(encoder_dir),
        "code": state.code_digest("core", "alignment"),
    }
    restore, why = state.restorable(work_dir, fingerprint)
    if restore:
        log.info(state.RESTORED, what, work_dir)
        return _publish(checkpoints, staged, work_log, log_csv)
    if why:
        log.warning("%s: the finished work in %s is not restored (%s): it trains again", what, work_dir, why)
        shutil.rmtree(work_dir)
    state.matches(work_dir, fingerprint, what)

    torch.manual_seed(settings.seed)
    model, tokenizer = load_encoder(encoder_dir, device, mlm_head)
    model.train()
    generator = torch.Generator().manual_seed(settings.seed)
    optimizer = adamw(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)  # Table 4: a constant learning rate
    logged_terms = [term.name for term in named_terms(settings.losses)]
    window = Window(device, logged_terms)
    start = 0
    if (state_dir / "trainer.pt").exists():
        progress = state.load(state_dir, model, optimizer, scheduler, {"generator": generator})
        start = progress["step"]
        window.load(progress["window"])
        log.info("resuming %s from step %d (its state matches this run)", settings.losses, start)
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "fingerprint.json").write_text(json.dumps(fingerprint, indent=1, sort_keys=True))
    staged.mkdir(exist_ok=True)

    batches = ParallelBatches(list(tokens["src"]), list(tokens["tgt"]), settings.batch_size, settings.seed)
    objective = AlignmentObjective(model, tokenizer, settings, generator)
    training_log = TrainingLog(work_log, start, logged_terms)
    progress_line = Progress(log, what, settings.steps, every=0.0, first=start)
    finite = state.FiniteCheck(device)
    shown = {key: getattr(settings, key) for key in ("learning_rate", "temperature", "word_negatives", "batch_size")}
    advice = "Lower the learning rate or raise the temperature."
    try:
        with state.StopRequests() as stop:
            for step in range(start, settings.steps):
                src, tgt = batches[step]
                with autocast(device, settings.bf16):
                    losses, n_tokens = objective(src, tgt)
                    total = sum(losses.values())
                finite.add(step + 1, {f"the loss {TERMS[term].symbol}": value for term, value in losses.items()})
                optimizer.zero_grad(set_to_none=True)
                total.backward()
                optimizer.step()
                scheduler.step()
                window.add(losses, total, n_tokens)
                done = step + 1

                if done % settings.log_every == 0 or done == settings.steps:
                    finite.check(what, shown, advice)
                    elapsed = window.elapsed()
                    means = {
                        term: (value / window.steps).item() for term, value in window.sums.items()
                    }  # the one host sync
                    row = {
                        f"loss_{t}": (f"{means[t]:.6f}" if t in losses or t == "total" else "")
                        for t in (*logged_terms, "total")
                    }
                    row |= {"step": done, "tokens_per_second": f"{window.tokens / elapsed:.1f}"}
                    row["learning_rate"] = f"{scheduler.get_last_lr()[0]:.3g}"
                    training_log.write(row)
                    terms = " ".join(f"{TERMS[t].symbol} {means[t]:.4f}" for t in losses)
                    progress_line(
                        done, f"{terms} | total {means['total']:.4f} | {window.tokens / elapsed:.0f} tokens/s"
                    )
                    window.reset()
                if done in checkpoints:
                    finite.check(what, shown, advice)
                    save_checkpoint(model, tokenizer, staged / f"step{done}")
                    log.info("checkpoint at step %d", done)
                if done < settings.steps and (done % settings.state_every == 0 or stop.requested):
                    finite.check(what, shown, advice)
                    state.save(
                        state_dir,
                        model,
                        optimizer,
                        scheduler,
                        {"generator": generator},
                        {"step": done, "window": window.state()},
                        fingerprint,
                    )
                    if stop.requested:
                        raise stop.stop(what, state_dir)
                if interrupt_after == done:
                    raise TrainingInterrupted(f"interrupted after step {done}")
    except state.NonFiniteLoss:
        shutil.rmtree(work_dir, ignore_errors=True)  # nothing in it can give finite weights
        raise
    except BaseException:
        if not (state_dir / "trainer.pt").exists():  # nothing to resume from: leave no stray work folder
            shutil.rmtree(work_dir, ignore_errors=True)
        raise

    shutil.rmtree(state_dir, ignore_errors=True)  # the finished checkpoints stay: what a retry needs
    state.mark_finished(work_dir, fingerprint, [staged.name, work_log.name])
    _publish(checkpoints, staged, work_log, log_csv)


def check_corpus_size(pairs: int, settings: AlignmentSettings, tokens_dir) -> None:
    """A corpus smaller than one batch cannot train: a config error naming the key and both numbers."""
    if pairs < settings.batch_size:
        raise ConfigError(
            f"config error at alignment.batch_size: {settings.batch_size}, but {tokens_dir} holds {pairs} sentence "
            "pairs (the corpus after cleaning and its cap): lower alignment.batch_size or give the pair more text"
        )


def _publish(checkpoints: dict, staged: Path, work_log: Path, log_csv) -> None:
    """The finished run's checkpoints and log, from the work folder into the outputs (as hard links)."""
    for step, out in checkpoints.items():
        state.link_copy(staged / f"step{step}", out)
    state.link_copy(work_log, log_csv)
