"""What one job of the workflow computes and keeps: the one model of a job's work, which the compute plan
prices three ways (FLOPs on an encoder's shape, seconds on the cost model's device, bytes on disk).

A job's work is a list of ``Units``: alignment steps of a loss code, or examples of a kind of text through
the encoder (training: forward, backward and the optimizer; a gradient: forward and backward; a forward
pass), parallel pairs through the tokenizer, or one job of the small kind; and the model files it keeps.
Pure Python: it reads the config and a dry run's job (rule and wildcards).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from align_transfer.core.layout import parse_model
from align_transfer.core.tasks import TASKS

#: The tasks whose test items are the same texts in every language: each model embeds them (the instance level).
PARALLEL = [name for name, task in TASKS.items() if task.parallel_items]

#: The kinds of unit, with the entry of ``compute.seconds`` that prices one (align_step: its terms').
UNIT_SECONDS = {
    "align_step": "align_step",
    "alignment_gradient": "align_step",  # an alignment step without its optimizer update
    "train_example": "train_example",
    "gradient_example": "gradient_example",
    "mlm_gradient_example": "gradient_example",
    "forward_example": "forward_example",
    "tokenize_example": "tokenize_example",
    "job": "other_job",
}


@dataclass(frozen=True)
class Units:
    kind: str  # a key of UNIT_SECONDS
    count: float
    text: str | None = None  # the kind of text (a key of compute.tokens), for its tokens per example
    losses: str | None = None  # the loss code of alignment steps


@dataclass
class Work:
    units: list[Units] = field(default_factory=list)
    kept: dict[str, float] = field(default_factory=dict)  # model files kept, by kind (ops.plan.model_sizes)
    state: dict[str, float] = field(default_factory=dict)  # resumable state held while it trains, by kind


def kept_files(jobs: list[dict], config: dict, encoder: dict) -> dict[str, float]:
    """How many model files of each kind ``jobs`` keep, and how many resumable states they hold while they
    train (at most one a running job): what ``snakemake disk_plan`` prices."""
    counts: dict[str, float] = {}
    for job in jobs:
        work = job_work(job, config, encoder)
        for kind, count in (work.kept | work.state).items():
            counts[kind] = counts.get(kind, 0) + count
    return counts


def job_work(job: dict, config: dict, encoder: dict) -> Work:
    """What one job of a dry run computes and keeps (``encoder``: its entry of the config's ``encoders``)."""
    rule, wildcards = job["rule"], job["wildcards"]
    items, alignment, finetune, analysis = (config[key] for key in ("compute", "alignment", "finetune", "analysis"))
    items = items["items"]
    if rule == "align":
        steps = alignment["steps"]
        return Work(
            [Units("align_step", steps, losses=wildcards["losses"])],
            {"checkpoint": len(alignment["checkpoint_steps"])},
            {"alignment_state": 1},
        )
    seeds, kept_seeds = len(finetune["seeds"]), len(analysis["finetuned_seeds"])
    languages = config["evaluation"]["languages"]

    def embedded(runs: int = 1) -> list[Units]:  # the FLORES sentences of every language, and the lexicon's words
        return [
            Units("forward_example", runs * items["flores_languages"] * items["flores"], "flores"),
            Units("forward_example", runs * items["words"], "words"),
        ]

    if rule == "linear_probe":  # the frozen backbone runs once over every split; the heads train on features
        task = wildcards["task"]
        counts = items[task]
        return Work([Units("forward_example", counts["train"] + counts["dev"] + counts["test"], task)], {"head": seeds})
    if rule in ("finetune_full", "finetune_joint"):
        task = wildcards["task"]
        counts, epochs = items[task], finetune[task]["epochs"]
        units = [
            Units("train_example", seeds * epochs * counts["train"], task),
            Units("forward_example", seeds * (epochs * counts["dev"] + counts["test"]), task),
        ]
        if rule == "finetune_joint":  # an alignment step (with its optimizer update) every `every` task steps
            task_steps = seeds * epochs * math.ceil(counts["train"] / finetune[task]["batch_size"])
            losses = parse_model(wildcards["model"])["losses"]
            units.append(Units("align_step", task_steps / finetune["joint"]["every"], losses=losses))
        table_step = f"_{config['evaluation']['table_step']}"
        backbones = kept_seeds if wildcards["model"].endswith(table_step) else 0
        return Work(units, {"head": seeds, "backbone": backbones}, {"finetune_state": 1})
    if (
        rule == "embed"
    ):  # and the test texts of the tasks with parallel items, in every evaluation language and the source
        parallel = [Units("forward_example", items[t]["test"] * (1 + 1 / len(languages)), t) for t in PARALLEL]
        return Work(embedded() + parallel, {"embeddings": 1})
    if rule == "embed_finetuned":
        runs = len(finetune["tasks"]) * kept_seeds
        return Work(embedded(runs), {"embeddings": runs})
    if rule == "gradients":
        # per batch of each kept run: an English task gradient and the alignment gradient; then each evaluation
        # language's task gradient, and the MLM gradient of each language and the source on FLORES (where the
        # encoder has an MLM head)
        batches, units = analysis["gradient_batches"], []
        losses = parse_model(wildcards["model"])["losses"]
        for task in finetune["tasks"]:
            examples = kept_seeds * batches * (1 + len(languages)) * finetune[task]["batch_size"]
            units.append(Units("gradient_example", examples, task))
        runs = len(finetune["tasks"]) * kept_seeds
        units.append(Units("alignment_gradient", runs * batches, losses=losses))
        if encoder.get("mlm_head", True):
            examples = runs * batches * (len(languages) + 1) * alignment["batch_size"]
            units.append(Units("mlm_gradient_example", examples, "flores"))
        return Work(units)
    if rule == "gradients_joint":  # Table 3's batches only: an English task gradient and an alignment gradient
        batches, losses = analysis["gradient_batches"], parse_model(wildcards["model"])["losses"]
        units = [
            Units("gradient_example", kept_seeds * batches * finetune[task]["batch_size"], task)
            for task in finetune["tasks"]
        ]
        return Work(units + [Units("alignment_gradient", len(finetune["tasks"]) * kept_seeds * batches, losses=losses)])
    if rule == "tokenize_parallel":
        pair = next(p for p in alignment["pairs"] if p["pair"] == wildcards["pair"])
        return Work([Units("tokenize_example", pair["cap"])])
    return Work([Units("job", 1)])
