"""Joint alignment during fine-tuning (beyond the paper; docs/science.md, "Joint training"; docs/design.md §4).

The paper aligns first and fine-tunes after (§4.2, §4.3) and explains the weak transfer by near-orthogonal
task and alignment gradients, which full fine-tuning makes interfere (§6, Takeaway II). A joint run trains the
same pair's alignment loss L (the same loss code, ``alignment.align.AlignmentObjective``) together with the
task: after every ``every`` task batches, the next batch of parallel pairs adds λ·L, either in a step of its
own (``alternate``, as Liu & Niehues 2025 alternate task and alignment steps) or to the task step's loss
(``sum``). ``finetune.fit`` calls ``JointAlignment`` on each task step; its random generator, its log and its
place in the stream of parallel batches are saved with the run's resumable state.
"""

from __future__ import annotations

import csv
import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

import torch

from align_transfer.alignment.align import AlignmentObjective, ParallelBatches
from align_transfer.core.objectives import TERMS, active_terms
from align_transfer.core.precision import autocast
from align_transfer.core.settings import AlignmentSettings, JointSettings

log = logging.getLogger(__name__)

#: Where a joint run's MLM head (trained by the M and T terms) is kept beside its task model, for the gradients.
ALIGNMENT_HEAD = "alignment_head.safetensors"


@dataclass(frozen=True)
class JointRun:
    """What a joint run adds to full fine-tuning: its schedule, the alignment term's settings (the run's loss
    code), and the tokenized parallel pairs of its language pair (``pairs_dir``; ``pairs`` once ``loaded``)."""

    settings: JointSettings
    alignment: AlignmentSettings
    pairs_dir: str
    pairs: object = None

    def loaded(self) -> "JointRun":
        from align_transfer.core.modeling import load_tokens

        return dataclasses.replace(self, pairs=load_tokens(self.pairs_dir))


class JointAlignment:
    """λ·L on the parallel batches of one joint run, and the run's log of both losses.

    Alignment batch ``k`` is ``ParallelBatches[k]`` of the run's seed: a function of the seed and k alone,
    so a resumed run reads the batches it would have read. The log has a row every ``log_every`` task steps:
    the mean task loss and each alignment term's mean over the alignment batches of those steps."""

    def __init__(self, model, tokenizer, pairs, alignment: AlignmentSettings, joint: JointSettings, seed: int):
        self.settings, self.alignment = joint, alignment
        self.generator = torch.Generator().manual_seed(seed)
        self.objective = AlignmentObjective(model, tokenizer, alignment, self.generator)
        self.batches = ParallelBatches(list(pairs["src"]), list(pairs["tgt"]), alignment.batch_size, seed)
        self.device = model.device
        self.terms = [term.name for term in active_terms(alignment.losses)]
        self.columns = ["step", "loss_task", *(f"loss_{term}" for term in self.terms), "loss_alignment"]
        self.rows: list[dict] = []
        self._reset()

    def _reset(self) -> None:
        self.sums = {name: torch.zeros((), device=self.device) for name in ("task", *self.terms)}
        self.steps = self.aligned = 0

    @property
    def generators(self) -> dict:
        return {"alignment": self.generator}

    def due(self, done: int) -> bool:
        """Whether task step ``done + 1`` brings an alignment batch."""
        return done % self.settings.every == 0

    def loss(self, done: int) -> torch.Tensor:
        """λ·L on the alignment batch of task step ``done + 1`` (``due``), its terms added to the log's sums."""
        with autocast(self.device, self.alignment.bf16):
            losses, _ = self.objective(*self.batches[done // self.settings.every])
        for term, value in losses.items():
            self.sums[term] += value.detach()
        self.aligned += 1
        return self.settings.weight * sum(losses.values())

    def record(self, done: int, task_loss: torch.Tensor, final: bool) -> None:
        """Task step ``done`` finished with ``task_loss``: a log row every ``log_every`` steps and at the last."""
        self.sums["task"] += task_loss.detach()
        self.steps += 1
        if done % self.settings.log_every and not final:
            return
        means = {
            name: (value / (self.aligned if name != "task" else self.steps)).item()
            for name, value in self.sums.items()
            if name == "task" or self.aligned
        }
        row = {"step": done, "loss_task": f"{means['task']:.6f}"}
        if self.aligned:  # none where the rows come more often than the alignment batches (every > log_every)
            row |= {f"loss_{term}": f"{means[term]:.6f}" for term in self.terms}
            row["loss_alignment"] = f"{sum(means[term] for term in self.terms):.6f}"
        self.rows.append(row)
        shown = " ".join(f"{TERMS[term].symbol} {means[term]:.4f}" for term in self.terms if term in means)
        log.info("step %d: task loss %.4f | alignment %s", done, means["task"], shown or "none in these steps")
        self._reset()

    def state(self) -> dict:
        return {
            "rows": self.rows,
            "sums": {name: float(value) for name, value in self.sums.items()},
            "steps": self.steps,
            "aligned": self.aligned,
        }

    def load(self, state: dict) -> None:
        self.rows, self.steps, self.aligned = state["rows"], state["steps"], state["aligned"]
        self.sums = {name: torch.tensor(value, device=self.device) for name, value in state["sums"].items()}

    def write_log(self, path: Path) -> None:
        with Path(path).open("w", newline="") as handle:
            writer = csv.DictWriter(handle, self.columns)
            writer.writeheader()
            writer.writerows(self.rows)
