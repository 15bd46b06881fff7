"""Phase II and III (paper §4.3, §4.4; docs/design.md §4): fine-tune an encoder on English POS or SIB-200
topics, fully or linear-only, and evaluate it zero-shot on the evaluation languages.

POS: a linear layer over the last layer's states, scored on each word's first sub-token. SC: a
linear layer over the last layer's first-token state (or the mean of its tokens). Linear-only
freezes the backbone in eval mode: its features are computed once per encoder and task and every
seed and epoch reuses them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from align_transfer.alignment.losses import mean_pool
from align_transfer.core import state
from align_transfer.core.architectures import family_of
from align_transfer.core.metrics import METRICS
from align_transfer.core.modeling import (
    adamw,
    device_of,
    load_model,
    load_tensors,
    load_tokenizer,
    mlm_head,
    pad,
    write_digests,
)
from align_transfer.core.objectives import needs_mlm_head
from align_transfer.core.precision import autocast
from align_transfer.core.progress import Progress
from align_transfer.core.registry import resolve
from align_transfer.core.settings import FinetuneSettings
from align_transfer.core.tasks import TASKS
from align_transfer.finetuning.joint import ALIGNMENT_HEAD, JointAlignment, JointRun

log = logging.getLogger(__name__)


def sentence_states(hidden: torch.Tensor, mask: torch.Tensor, pooling: str) -> torch.Tensor:
    return hidden[:, 0] if pooling == "first" else mean_pool(hidden, mask.bool())


class TaskData:
    """One split of token ids and labels (per token for POS, per example for SC), batched with dynamic padding."""

    def __init__(self, split, task: str, pad_id: int):
        columns = split[:]  # one read of the Arrow columns (a row at a time takes ten times longer)
        self.ids, self.labels, self.task, self.pad_id = columns["input_ids"], columns["labels"], task, pad_id
        self.token_level = TASKS[task].token_level
        self.lengths = [len(ids) for ids in self.ids]

    def __len__(self):
        return len(self.ids)

    def batch(self, rows, device):
        ids, mask = pad([self.ids[r] for r in rows], self.pad_id)
        if self.token_level:
            labels, _ = pad([self.labels[r] for r in rows], -100)
        else:
            labels = torch.tensor([self.labels[r] for r in rows])
        return (ids.to(device), mask.to(device)), labels.to(device)

    def per_item(self, rows, values: torch.Tensor) -> torch.Tensor:
        """Per-label values of a batch summed per example."""
        return values.sum(1) if values.dim() == 2 else values.long()

    def item_labels(self, rows, predicted: torch.Tensor, labels: torch.Tensor) -> list[tuple[list, list]]:
        """Per example of a token-level batch: its predicted and gold label ids at its scored tokens, in order."""
        scored = labels != -100
        return [(predicted[b][scored[b]].tolist(), labels[b][scored[b]].tolist()) for b in range(len(rows))]


class FullModel(nn.Module):
    """Backbone and linear head, trained together."""

    def __init__(self, backbone, settings: FinetuneSettings):
        super().__init__()
        self.backbone, self.task, self.pooling = backbone, settings.task, settings.pooling
        self.token_level = TASKS[settings.task].token_level
        self.head = nn.Linear(backbone.config.hidden_size, len(TASKS[settings.task].labels))

    def forward(self, ids, mask):
        hidden = self.backbone(ids, attention_mask=mask).last_hidden_state
        return self.head(hidden if self.token_level else sentence_states(hidden, mask, self.pooling))


#: The scale that writes a linear head into a sequence-classification head of the form out(tanh(dense(h)))
#: (XLM-R's classifier, BERT's pooler and classifier): dense = SCALE * identity, out = W / SCALE, so tanh works
#: where it is linear (tanh x = x - x^3/3 + ...: a relative error below 1e-6 for states up to 10^1.)
SCALE = 1e-4


def task_model(model: FullModel):
    """A fully fine-tuned backbone and its linear head as the Hugging Face model of its task, with the same
    logits: ``AutoModelForTokenClassification`` (POS) or ``AutoModelForSequenceClassification`` (SC), with the
    task's labels in its config, so that the saved folder loads with that Auto class on the Hub or anywhere.

    A token-level head is the Auto model's classifier as it is. A sequence-level one pools the first token,
    as the Auto models do, but their head puts a tanh layer before the output (the family's ``sequence_head``), which
    takes the linear head exactly up to ``SCALE``'s rounding. Mean pooling has no Auto form: ``ValueError``.
    """
    import copy

    from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification

    labels = TASKS[model.task].labels
    config = copy.deepcopy(model.backbone.config)
    config.id2label = dict(enumerate(labels))
    config.label2id = {label: i for i, label in enumerate(labels)}
    config.num_labels = len(labels)
    head = {"weight": model.head.weight.detach().float(), "bias": model.head.bias.detach().float()}
    if model.token_level:
        auto = AutoModelForTokenClassification.from_config(config)
        weights = {f"classifier.{key}": value for key, value in head.items()}
    else:
        family = family_of(config.model_type)
        if model.pooling != "first" or not (family and family.sequence_head):
            raise ValueError(
                f"a sequence head over {model.pooling!r} pooling of a {config.model_type} encoder has no "
                "AutoModelForSequenceClassification form (first-token pooling of XLM-R or BERT types has)"
            )
        auto = AutoModelForSequenceClassification.from_config(config)
        dense, out = family.sequence_head
        width = config.hidden_size
        weights = {
            f"{dense}.weight": SCALE * torch.eye(width),
            f"{dense}.bias": torch.zeros(width),
            f"{out}.weight": head["weight"] / SCALE,
            f"{out}.bias": head["bias"],
        }
    prefix = auto.base_model_prefix
    weights |= {f"{prefix}.{key}": value for key, value in model.backbone.state_dict().items()}
    missing, unexpected = auto.load_state_dict(weights, strict=False)
    if missing or unexpected:
        raise ValueError(
            f"{type(auto).__name__} does not take these weights: missing {missing}, unexpected {unexpected}"
        )
    return auto.to(model.head.weight.device).eval()


class Features:
    """Frozen features of one split: one row per scored token (POS) or per example (SC)."""

    def __init__(self, states: torch.Tensor, labels: torch.Tensor, offsets: list[int]):
        self.states, self.labels, self.offsets = states, labels, offsets

    def __len__(self):
        return len(self.offsets) - 1

    def batch(self, rows, device):
        spans = [slice(self.offsets[r], self.offsets[r + 1]) for r in rows]
        states = torch.cat([self.states[s] for s in spans]).to(device)
        return (states,), torch.cat([self.labels[s] for s in spans]).to(device)

    def per_item(self, rows, values: torch.Tensor) -> torch.Tensor:
        return sum_per_item(values, [self.offsets[r + 1] - self.offsets[r] for r in rows])

    def item_labels(self, rows, predicted: torch.Tensor, labels: torch.Tensor) -> list[tuple[list, list]]:
        sizes = [self.offsets[r + 1] - self.offsets[r] for r in rows]
        return [(p.tolist(), g.tolist()) for p, g in zip(predicted.split(sizes), labels.split(sizes))]


def sum_per_item(values: torch.Tensor, sizes: list[int]) -> torch.Tensor:
    """Per-label values of a batch whose examples' labels are concatenated (``sizes`` each), summed per example."""
    owner = torch.repeat_interleave(torch.arange(len(sizes)), torch.tensor(sizes)).to(values.device)
    return torch.zeros(len(sizes), dtype=torch.long, device=values.device).index_add_(0, owner, values.long())


@torch.no_grad()
def extract_features(
    backbone, data: TaskData, settings: FinetuneSettings, batch_size: int = 64, name: str = ""
) -> Features:
    """Run the frozen backbone (eval mode) over a split once."""
    backbone.eval()
    states, labels, offsets = [], [], [0]
    progress = Progress(log, f"features of {name or 'a split'}", len(data), unit="examples")
    for start in range(0, len(data), batch_size):
        rows = list(range(start, min(start + batch_size, len(data))))
        (ids, mask), gold = data.batch(rows, backbone.device)
        with autocast(backbone.device, settings.bf16):
            hidden = backbone(ids, attention_mask=mask).last_hidden_state.float()
        if TASKS[settings.task].token_level:
            for row in range(len(rows)):
                scored = gold[row] != -100
                states.append(hidden[row][scored].cpu())
                labels.append(gold[row][scored].cpu())
                offsets.append(offsets[-1] + int(scored.sum()))
        else:
            states.append(sentence_states(hidden, mask, settings.pooling).cpu())
            labels.append(gold.cpu())
            end = offsets[-1]
            offsets.extend(range(end + 1, end + len(rows) + 1))
        progress(rows[-1] + 1)
    return Features(torch.cat(states), torch.cat(labels), offsets)


def decayed_groups(module: nn.Module, lr: float, weight_decay: float) -> list[dict]:
    """AdamW groups as the Hugging Face Trainer builds them: no decay on biases and LayerNorm weights."""
    decay, no_decay = [], []
    for param in module.parameters():
        if param.requires_grad:
            (no_decay if param.ndim < 2 else decay).append(param)
    return [
        {"params": decay, "lr": lr, "weight_decay": weight_decay},
        {"params": no_decay, "lr": lr, "weight_decay": 0.0},
    ]


@torch.no_grad()
def item_scores(model: nn.Module, data, batch_size: int = 64, bf16: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Correct and scored labels of ``model`` per item of a split (TaskData or Features) in split order:
    a sentence's tokens for POS, one label for SC. The bootstrap of the claims layer resamples items."""
    was_training = model.training
    model.eval()
    correct, total = [], []
    device = next(model.parameters()).device
    for start in range(0, len(data), batch_size):
        rows = range(start, min(start + batch_size, len(data)))
        inputs, labels = data.batch(rows, device)
        scored = labels != -100
        with autocast(device, bf16):
            predicted = model(*inputs).argmax(-1)
        hits = (predicted == labels) & scored
        correct.append(data.per_item(rows, hits).cpu())
        total.append(data.per_item(rows, scored).cpu())
    model.train(was_training)
    return torch.cat(correct), torch.cat(total)


@torch.no_grad()
def item_statistics(model: nn.Module, data, task: str, batch_size: int = 64, bf16: bool = False) -> dict[str, list]:
    """Each item's statistics of its task's metric (``core.metrics``), in split order: accuracy's correct and
    scored labels counted on tensors (``item_scores``); a metric of the tag sequences (span F1) from each item's
    predicted and gold tags at its scored tokens."""
    metric = METRICS[TASKS[task].metric]
    if metric.item_counts is None:
        correct, total = item_scores(model, data, batch_size, bf16)
        return {"correct": correct.tolist(), "total": total.tolist()}
    counts, names = resolve(metric.item_counts), TASKS[task].labels
    was_training = model.training
    model.eval()
    statistics = {name: [] for name in metric.statistics}
    device = next(model.parameters()).device
    for start in range(0, len(data), batch_size):
        rows = range(start, min(start + batch_size, len(data)))
        inputs, labels = data.batch(rows, device)
        with autocast(device, bf16):
            predicted = model(*inputs).argmax(-1)
        for guessed, gold in data.item_labels(rows, predicted.cpu(), labels.cpu()):
            for name, value in counts([names[i] for i in guessed], [names[i] for i in gold]).items():
                statistics[name].append(value)
    model.train(was_training)
    return statistics


def evaluate(model: nn.Module, data, batch_size: int = 64, bf16: bool = False) -> tuple[int, int]:
    """Correct and scored labels of ``model`` on a split (TaskData or Features)."""
    correct, total = item_scores(model, data, batch_size, bf16)
    return int(correct.sum()), int(total.sum())


#: batches per bucket of length-grouped sampling (as in the Hugging Face Trainer's LengthGroupedSampler)
BUCKET_BATCHES = 50


def epoch_batches(
    size: int, batch_size: int, generator: torch.Generator, lengths: list[int] | None = None
) -> list[list]:
    """One epoch's batches of row indices: a seeded shuffle cut into batches. With ``lengths``, grouped by
    length: the shuffle is cut into buckets of ``BUCKET_BATCHES`` batches, each bucket sorted by length
    (longest first) and cut into batches, and the batches are shuffled, so that a batch pads little and
    the order of batches stays random."""
    order = torch.randperm(size, generator=generator).tolist()
    if lengths is None:
        return [order[start : start + batch_size] for start in range(0, size, batch_size)]
    batches, bucket = [], batch_size * BUCKET_BATCHES
    for start in range(0, size, bucket):
        rows = sorted(order[start : start + bucket], key=lambda row: -lengths[row])
        batches += [rows[first : first + batch_size] for first in range(0, len(rows), batch_size)]
    return [batches[i] for i in torch.randperm(len(batches), generator=generator).tolist()]


@dataclass
class Resume:
    """Where a fine-tuning run keeps its resumable state, whose run it is, how often it saves it (steps), and
    the stop requests that make it save at once (``state.StopRequests``)."""

    folder: Path
    fingerprint: dict
    every: int
    stop: state.StopRequests


def fit(
    model: nn.Module,
    groups: list[dict],
    train,
    dev,
    settings: FinetuneSettings,
    seed: int,
    resume: Resume | None = None,
    alongside=None,
) -> list[dict]:
    """Train with AdamW and a linear decay to zero (the Hugging Face Trainer's default schedule), on
    batches grouped by length where ``settings.length_grouped`` and the data pads (``epoch_batches``).

    Logs the English dev score every epoch (the task's metric: accuracy, span F1) and returns that log; with
    model selection ``best_dev`` the model ends with its best epoch's weights, otherwise with the last. With ``resume``,
    the state (weights, optimizer, schedule, random generators, the epoch and batch reached, the log so
    far) is saved every ``resume.every`` steps and at a stop request, and a run resumes from it: it ends
    with the weights an uninterrupted run would have. ``alongside`` (a ``joint.JointAlignment``) trains the
    alignment loss with the task on its schedule; its generator and log are part of the state.
    """
    device = next(model.parameters()).device
    generator = torch.Generator().manual_seed(seed)
    steps_per_epoch = math.ceil(len(train) / settings.batch_size)
    optimizer = adamw(groups)
    total = settings.epochs * steps_per_epoch
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: max(0.0, 1 - step / total))
    metric = METRICS[TASKS[settings.task].metric]
    dev_log, best = [], {"score": -1.0, "weights": None}
    generators = {"batches": generator} | (alongside.generators if alongside else {})
    done, first_epoch, skip, epoch_generator, resumed_loss = 0, 1, 0, None, 0.0
    if resume and (resume.folder / "trainer.pt").exists():
        progress = state.load(resume.folder, model, optimizer, scheduler, generators)
        done, first_epoch, skip = progress["done"], progress["epoch"], progress["batch"]
        epoch_generator, resumed_loss, dev_log = progress["epoch_generator"], progress["loss_sum"], progress["dev_log"]
        best = progress["best"] | {"weights": _load_best(resume.folder)}
        alongside.load(progress["joint"]) if alongside else None
        log.info(
            "resuming %s training (seed %d) at epoch %d, step %d of %d (its state matches this run)",
            settings.task,
            seed,
            first_epoch,
            done,
            total,
        )
    progress_line = Progress(log, f"{settings.task} training (seed {seed})", total, first=done)
    finite = state.FiniteCheck(device)
    what = f"{settings.task} fine-tuning (seed {seed})"
    shown = {
        key: getattr(settings, key)
        for key in ("backbone_lr", "head_lr", "linear_lr", "batch_size")
        if getattr(settings, key)
    }
    model.train()
    lengths = getattr(train, "lengths", None) if settings.length_grouped else None  # frozen features do not pad
    for epoch in range(first_epoch, settings.epochs + 1):
        if epoch == first_epoch and epoch_generator is not None:
            generator.set_state(epoch_generator)  # the resumed epoch's batches, drawn again as they were
        epoch_generator = generator.get_state()
        loss_sum = torch.full((), resumed_loss if epoch == first_epoch else 0.0, device=device)
        for index, rows in enumerate(epoch_batches(len(train), settings.batch_size, generator, lengths)):
            if epoch == first_epoch and index < skip:
                continue
            inputs, labels = train.batch(rows, device)
            with autocast(device, settings.bf16):
                logits = model(*inputs)
            loss = F.cross_entropy(logits.flatten(0, -2).float(), labels.flatten(), ignore_index=-100)
            aligning = alongside is not None and alongside.due(done)
            summed = aligning and alongside.settings.schedule == "sum"
            aligned = alongside.loss(done) if summed else None
            optimizer.zero_grad(set_to_none=True)
            (loss if aligned is None else loss + aligned).backward()
            optimizer.step()
            scheduler.step()
            if aligning and not summed:  # alternate: a step of its own, at the task step's learning rate
                optimizer.zero_grad(set_to_none=True)
                aligned = alongside.loss(done)
                aligned.backward()
                optimizer.step()
            loss_sum += loss.detach()
            done += 1
            alongside.record(done, loss, done == total) if alongside else None
            finite.add(done, {"the task loss": loss} | ({} if aligned is None else {"the alignment loss": aligned}))
            progress_line(done) if done < total else None  # the epoch line below reports the last step
            if resume and done < total and (done % resume.every == 0 or resume.stop.requested):
                finite.check(what, shown)
                progress = {
                    "done": done,
                    "epoch": epoch,
                    "batch": index + 1,
                    "epoch_generator": epoch_generator,
                    "loss_sum": float(loss_sum),
                    "dev_log": dev_log,
                    "best": {"score": best["score"]},
                } | ({"joint": alongside.state()} if alongside else {})
                state.save(
                    resume.folder,
                    model,
                    optimizer,
                    scheduler,
                    generators,
                    progress,
                    resume.fingerprint,
                    best=best["weights"],
                )
                if resume.stop.requested:
                    raise resume.stop.stop(what, resume.folder)
        finite.check(what, shown)
        score = metric.score(item_statistics(model, dev, settings.task, bf16=settings.bf16))
        dev_log.append({"epoch": epoch, "train_loss": (loss_sum / steps_per_epoch).item(), f"dev_{metric.name}": score})
        log.info(
            "epoch %d/%d: train loss %.4f, English dev %s %.4f",
            epoch,
            settings.epochs,
            dev_log[-1]["train_loss"],
            metric.label,
            score,
        )
        if settings.model_selection == "best_dev" and score > best["score"]:
            best = {
                "score": score,
                "weights": {k: v.detach().clone() for k, v in model.state_dict().items()},
            }
    if settings.model_selection == "best_dev":
        model.load_state_dict(best["weights"])
    return dev_log


def _load_best(folder: Path):

    path = folder / "best.safetensors"  # state.save's ``best``
    return load_tensors(path) if path.exists() else None


def zero_shot(model: nn.Module, test_sets: dict, task: str, bf16: bool = False) -> tuple[list[dict], list[dict]]:
    """Each evaluation language's test split: rows of language, n (scored labels), the task's metric
    (``core.metrics``: accuracy, span F1); and the per-item rows of language, item (its row in the split) and
    the metric's statistics (correct, total; true positives, predicted, gold)."""
    metric = METRICS[TASKS[task].metric]
    rows, items = [], []
    for language, data in test_sets.items():
        statistics = item_statistics(model, data, task, bf16=bf16)
        score, labelled = metric.score(statistics), scored_labels(data)
        rows.append({"language": language, "n": labelled, metric.name: score})
        items += [
            {"language": language, "item": item} | dict(zip(statistics, values))
            for item, values in enumerate(zip(*statistics.values()))
        ]
        log.info("zero-shot %s: %s %.4f on %d labels", language, metric.label, score, labelled)
    return rows, items


def scored_labels(data) -> int:
    """The labels of a split that are scored (-100 marks the rest)."""
    if isinstance(data, Features):
        return int((data.labels != -100).sum())
    return sum(
        sum(x != -100 for x in label) if isinstance(label, list) else int(label != -100) for label in data.labels
    )


def finetune_full(
    encoder_dir,
    data,
    settings: FinetuneSettings,
    seed: int,
    languages,
    device=None,
    resume: Resume | None = None,
    joint: JointRun | None = None,
):
    """Fine-tune backbone and head together; returns the model, the dev log, the zero-shot rows and, for a
    ``joint`` run, its ``JointAlignment`` (whose log the run keeps). A joint run's model also holds the MLM head
    its alignment terms train (``alignment_head``), at the backbone's learning rate."""

    device = device_of(device)
    tokenizer = load_tokenizer(encoder_dir)
    torch.manual_seed(seed)
    alongside = None
    if joint is None:
        model = FullModel(load_model(encoder_dir, device), settings).to(device)
    else:
        encoder = load_model(encoder_dir, device, mlm_head=needs_mlm_head(joint.alignment.losses))
        model = FullModel(encoder.base_model, settings).to(device)
        if encoder is not encoder.base_model:
            model.alignment_head = mlm_head(encoder)
        alongside = JointAlignment(encoder, tokenizer, joint.pairs, joint.alignment, joint.settings, seed)
    groups = decayed_groups(model.backbone, settings.backbone_lr, settings.weight_decay)
    groups += decayed_groups(model.head, settings.head_lr, settings.weight_decay)
    if hasattr(model, "alignment_head"):  # less what it shares with the backbone (a decoder tied to the embeddings)
        shared = {id(param) for param in model.backbone.parameters()}
        own = [param for param in model.alignment_head.parameters() if id(param) not in shared]
        groups += decayed_groups(nn.ParameterList(own), settings.backbone_lr, settings.weight_decay)
    split = {name: TaskData(data[name], settings.task, tokenizer.pad_token_id) for name in data}
    dev_log = fit(model, groups, split["train"], split["dev"], settings, seed, resume, alongside)
    test_sets = {lang: split[f"test_{lang}"] for lang in languages}
    return model, dev_log, zero_shot(model, test_sets, settings.task, settings.bf16), alongside


def full_finetuning_job(
    encoder_dir,
    data_dir,
    settings: FinetuneSettings,
    outputs: dict,
    languages: list[str],
    keys: dict,
    kept_seeds,
    work_dir,
    state_every: int = 500,
    device=None,
    params: dict | None = None,
    joint: JointRun | None = None,
) -> None:
    """Every seed of a full (or ``joint``: ``finetune_full``) fine-tuning job in turn (``outputs``: seed -> (run folder, zero-shot CSV, per-item
    CSV)), losing nothing to a kill, a time limit or a preemption. A seed's resumable state lives in
    ``work_dir/seed{seed}/state`` (``Resume``); a finished seed's results wait in ``work_dir/seed{seed}``, so a
    rerun trains only what is not finished; the outputs appear when every seed is done (hard links of the
    finished results, read-only, which stay in ``work_dir`` with their sha256 for a retry after the fact:
    ``state.restorable``). One process trains the job's seeds (``state.RunLock``)."""
    from align_transfer.core.modeling import MANIFEST, load_tokens
    from align_transfer.core.results import keyed, write_frame

    data = load_tokens(data_dir)
    work_dir = Path(work_dir)
    common = {
        "settings": settings.__dict__,
        "params": params or {},
        "data": json.loads((Path(data_dir) / MANIFEST).read_text()),
        "encoder": state.folder_digest(encoder_dir),
        "languages": list(languages),
        "code": state.code_digest("core", "data", "finetuning", *(["alignment"] if joint else [])),
    } | ({"pairs": json.loads((Path(joint.pairs_dir) / MANIFEST).read_text())} if joint else {})
    results = ["run", "zeroshot.csv", "items.csv"]
    if joint:
        joint = joint.loaded()
    what = f"{settings.task} {'joint' if joint else 'full'} fine-tuning"
    with state.RunLock(work_dir.parent, what), state.StopRequests() as stop:
        for seed in outputs:
            folder = work_dir / f"seed{seed}"
            fingerprint = common | {"seed": seed, "keeps_backbone": seed in kept_seeds}
            restore, why = state.restorable(folder, fingerprint)
            if restore:
                log.info(state.RESTORED, f"seed {seed}", folder)
                continue
            if why:
                log.warning("seed %d: the finished work in %s is not restored (%s): it trains again", seed, folder, why)
                shutil.rmtree(folder)
            state.matches(folder, fingerprint, f"seed {seed}")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "fingerprint.json").write_text(json.dumps(fingerprint, indent=1, sort_keys=True))
            resume = Resume(folder / "state", fingerprint, state_every, stop)
            model, dev_log, (rows, items), alongside = finetune_full(
                encoder_dir, data, settings, seed, languages, device, resume, joint
            )
            save_run(folder / "run", model.head, dev_log, model if seed in kept_seeds else None, encoder_dir, alongside)
            write_frame(folder / "zeroshot.csv", keyed(rows, **keys, seed=seed))
            write_frame(folder / "items.csv", keyed(items, **keys, seed=seed))
            shutil.rmtree(folder / "state", ignore_errors=True)
            state.mark_finished(folder, fingerprint, results)
            log.info("seed %d done", seed)
    for seed, (run_dir, zeroshot_csv, items_csv) in outputs.items():
        folder = work_dir / f"seed{seed}"
        state.link_copy(folder / "run", run_dir)
        state.link_copy(folder / "zeroshot.csv", zeroshot_csv)
        state.link_copy(folder / "items.csv", items_csv)


def same_splits(data) -> dict[str, str]:
    """Each split's name -> the first split with the same examples, so that features are extracted once
    per distinct text (a mirror may train and tune POS on one file: `pos.train_split: dev`)."""
    first_with, same = {}, {}
    for name in data:
        columns = data[name][:]
        content = hashlib.sha256(json.dumps([columns["input_ids"], columns["labels"]]).encode()).digest()
        same[name] = first_with.setdefault(content, name)
    return same


def linear_probes(encoder_dir, data, settings: FinetuneSettings, seeds, languages, device=None):
    """Linear-only fine-tuning for every seed on features computed once; yields (seed, head, dev log, rows)."""

    device = device_of(device)
    pad_id = load_tokenizer(encoder_dir).pad_token_id
    backbone = load_model(encoder_dir, device)
    features = {}
    for name, same_as in same_splits(data).items():
        features[name] = (
            features[same_as]
            if same_as in features
            else extract_features(backbone, TaskData(data[name], settings.task, pad_id), settings, name=name)
        )
    hidden_size = backbone.config.hidden_size
    del backbone
    for seed in seeds:
        torch.manual_seed(seed)
        head = nn.Linear(hidden_size, len(TASKS[settings.task].labels)).to(device)
        dev_log = fit(
            head,
            decayed_groups(head, settings.linear_lr, settings.weight_decay),
            features["train"],
            features["dev"],
            settings,
            seed,
        )
        yield (
            seed,
            head,
            dev_log,
            zero_shot(head, {lang: features[f"test_{lang}"] for lang in languages}, settings.task),
        )


def own_weights(head: nn.Module, backbone: nn.Module) -> dict:
    """A head's weights less those it shares with the backbone (a decoder tied to the input embeddings, which
    the backbone's own file holds), each cloned (XLM-R's head ties two biases to each other)."""
    shared = {param.data_ptr() for param in backbone.parameters()}
    return {key: value.detach().clone() for key, value in head.state_dict().items() if value.data_ptr() not in shared}


def save_run(
    out_dir, head: nn.Module, dev_log: list[dict], model: FullModel | None = None, tokenizer_dir=None, alongside=None
) -> None:
    """A run's folder: the head (safetensors), the dev log and, where an analysis needs it, the fully
    fine-tuned model with its tokenizer (``model/``): the task's Auto model (``task_model``) where there is
    one, so that it loads with ``AutoModelFor{Token,Sequence}Classification``, its backbone otherwise. A joint
    run (``alongside``) adds its log of both losses (``train_log.csv``) and, with its model, the MLM head
    its alignment terms trained (``joint.ALIGNMENT_HEAD``)."""
    import pandas as pd
    from safetensors.torch import save_file

    from align_transfer.core.io import atomic_path
    from align_transfer.core.results import write_frame

    with atomic_path(out_dir) as tmp:
        tmp.mkdir()
        save_file({k: v.contiguous() for k, v in head.state_dict().items()}, tmp / "head.safetensors")
        write_frame(tmp / "dev_log.csv", pd.DataFrame(dev_log))
        if alongside is not None:
            alongside.write_log(tmp / "train_log.csv")
        if model is not None and hasattr(model, "alignment_head"):
            save_file(own_weights(model.alignment_head, model.backbone), tmp / ALIGNMENT_HEAD)
        if model is not None:
            try:
                hub_model = task_model(model)
            except ValueError as reason:
                log.info("the fine-tuned model is saved as its backbone: %s", reason)
                hub_model = model.backbone
            hub_model.save_pretrained(tmp / "model", safe_serialization=True)
            load_tokenizer(tokenizer_dir).save_pretrained(tmp / "model")
            write_digests(tmp / "model")
