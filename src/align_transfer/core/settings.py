"""The settings of alignment and fine-tuning runs, and which config values determine a run's output.

A rule's params are exactly the values that determine its output (``determining``), so that a
config edit reruns what it changes; logging and state cadence only steer how a run goes and come
from the config at run time. Pure Python: the Snakefile reads these at parse time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from align_transfer.core.config import pick
from align_transfer.core.objectives import parse_loss_code

OPERATIONAL = {"operational": True}


@dataclass(frozen=True)
class Steering:
    """What a job reads at run time that never determines what it writes: logging and state cadence, where
    a source is fetched from and how, the lock of inputs, the facts a job only checks, the languages its
    result files must cover. A rule hands it to its script as the param ``steering``: snakemake's params
    trigger leaves out a value that is not a builtin, and a run's fingerprint leaves it out too
    (``determining_params``), so changing one reruns nothing. The values that determine an output are the
    rule's other params."""

    log_every: int = 50
    state_every: int = 500
    source: dict | None = None  # sources.<name>: its URL or mirror
    download: dict | None = None  # sources.download: retries and timeouts
    inputs_lock: str | None = None
    encoder: dict | None = None  # the job's entry of encoders, with where it is in the config
    encoder_key: str = ""
    expected: dict | None = None  # what every result file read must cover (core.results.expected)


def determining_params(params) -> dict:
    """A rule's params without its ``Steering``: what a run's fingerprint records."""
    return {name: value for name, value in params.items() if not isinstance(value, Steering)}


@dataclass
class AlignmentSettings:
    losses: str
    learning_rate: float
    batch_size: int
    max_length: int
    word_negatives: int
    temperature: float
    steps: int
    checkpoint_steps: list
    seed: int
    sentence_layer: int
    sentence_pooling: str = "mean"
    mlm_probability: float = 0.15
    weight_decay: float = 0.01
    position_limit: int = 512  # the encoder's: L_W's concatenated pair is cut to fit it
    bf16: bool = True
    log_every: int = field(default=50, metadata=OPERATIONAL)
    state_every: int = field(default=500, metadata=OPERATIONAL)

    #: the facts of the encoder (``encoders[]``) that shape its alignment runs
    ENCODER_FACTS = ("sentence_layer", "sentence_pooling")

    @classmethod
    def determining(cls, alignment: dict, encoder: dict) -> dict:
        """The values that determine a run's weights: the config's ``alignment`` section and the encoder's
        facts, with ``max_length`` cut to the encoder's position limit."""
        values = alignment | pick(encoder, cls.ENCODER_FACTS)
        values["max_length"] = min(alignment["max_length"], encoder["max_length"])
        values["position_limit"] = encoder["max_length"]
        return pick(values, [f.name for f in fields(cls) if f.name != "losses" and not f.metadata])

    @classmethod
    def from_config(cls, alignment: dict, losses: str, operational: dict | None = None) -> "AlignmentSettings":
        """Settings from the ``determining`` values (or a whole section), plus logging and state
        cadence from ``operational`` (the config's ``alignment`` section at run time)."""
        names = {f.name for f in fields(cls)} - {"losses"}
        values = {k: v for k, v in {**(operational or {}), **alignment}.items() if k in names}
        return cls(losses=losses, **values)

    def fingerprint(self) -> dict:
        """Everything of these settings that determines the run's weights (not its cadence)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.metadata}

    @property
    def weights(self) -> dict[str, int]:
        """Each loss term's λ (``core.objectives``)."""
        return parse_loss_code(self.losses)


#: Learning rates that a mode does not use: changing them must not rerun it.
UNUSED_BY_MODE = {"full": {"linear_lr"}, "linear": {"backbone_lr", "head_lr", "length_grouped"}}


@dataclass
class FinetuneSettings:
    task: str
    batch_size: int
    epochs: int
    max_length: int
    backbone_lr: float | None = None
    head_lr: float | None = None
    linear_lr: float | None = None
    weight_decay: float = 0.0
    pooling: str = "first"
    model_selection: str = "last"
    bf16: bool = True
    length_grouped: bool = False

    #: the values of the ``finetune`` section that hold for every task
    SHARED = ("model_selection", "bf16", "length_grouped")

    @classmethod
    def determining(cls, finetune: dict, task: str, mode: str, position_limit: int) -> dict:
        """The values of the config's ``finetune`` section that determine a ``mode`` run of ``task``, with
        ``max_length`` cut to the encoder's ``position_limit``."""
        values = finetune[task] | {name: finetune[name] for name in cls.SHARED}
        values["max_length"] = min(values["max_length"], position_limit)
        names = {f.name for f in fields(cls)} - {"task"} - UNUSED_BY_MODE[mode]
        return pick(values, sorted(names))

    @classmethod
    def from_config(cls, finetune: dict, task: str) -> "FinetuneSettings":
        """Settings from the config's whole ``finetune`` section."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in finetune[task].items() if k in names}
        return cls(task=task, **{name: finetune[name] for name in cls.SHARED}, **values)


@dataclass(frozen=True)
class JointSettings:
    """How a joint run interleaves alignment with full fine-tuning (beyond the paper; docs/science.md, "Joint
    training"): an alignment batch of the run's pair and loss code after every ``every`` task batches, either
    an optimizer step of its own on λ·L_align after the task's (``alternate``) or one step on L_task + λ·L_align
    (``sum``); the run starts from the base encoder or the aligned checkpoint (``start``). ``alignment`` is
    what determines the alignment term (``AlignmentSettings.determining``); ``log_every`` steers only."""

    schedule: str
    weight: float
    every: int
    start: str
    alignment: dict
    log_every: int = field(default=50, metadata=OPERATIONAL)

    SCHEDULES = ("alternate", "sum")

    def __post_init__(self):
        if self.schedule not in self.SCHEDULES:
            raise ValueError(f"joint schedule {self.schedule!r}: expected one of {', '.join(self.SCHEDULES)}")

    @classmethod
    def determining(cls, joint: dict, alignment: dict) -> dict:
        """What determines a joint run beyond full fine-tuning: ``finetune.joint`` but its codes and cadence,
        and the alignment term's settings."""
        return pick(joint, ["schedule", "weight", "every", "start"]) | {"alignment": alignment}


def grid_values(config: dict, encoder: dict) -> dict[str, str]:
    """The settings of this run's grid that the paper states (workflow/data/paper_grid.csv), as text: the
    scorecard names every one that departs from the paper's."""
    if encoder["source"] == "mini":
        source = f"{encoder['name']}, the mini world's own"
    elif encoder.get("mirror"):
        source = f"the folder {encoder['mirror']}" + (f" ({encoder['hub_id']})" if encoder.get("hub_id") else "")
    else:
        source = encoder["hub_id"]

    def listed(values) -> str:
        return ", ".join(map(str, values))

    def amount(value) -> str:
        return "all" if value is None else str(value)

    return {
        "encoder": source,
        "pairs": listed(entry["pair"] for entry in config["alignment"]["pairs"]),
        "loss codes": listed(encoder.get("losses") or config["alignment"]["losses"]),
        "checkpoint steps": listed(config["finetune"]["checkpoint_steps"]),
        "evaluation languages": listed(config["evaluation"]["languages"]),
        "test items per language": amount(config["evaluation"]["test_examples"]),
        "FLORES sentences per language": amount(config["analysis"]["flores_examples"]),
        "training examples": amount(config["finetune"]["train_examples"]),
    }


def encoder_label(encoder: dict) -> str:
    """How the report names an encoder and where it came from."""
    if encoder["source"] == "mini":
        mini = encoder["mini"]
        return (
            f"{encoder['name']} (the mini world's own, {mini['architecture']} type: {mini['layers']} layers of "
            f"width {mini['hidden_size']})"
        )
    if encoder.get("mirror"):
        return f"{encoder['name']} (the folder {encoder['mirror']})"
    return f"{encoder['name']} ({encoder['hub_id']} at {encoder['revision']})"
