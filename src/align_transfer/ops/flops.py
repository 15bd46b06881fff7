"""FLOPs of the workflow's jobs, from the encoder's shape and the tokens each job processes.

What is counted: the matrix multiplications of a transformer encoder, which is where the time of a
GPU goes at these shapes. A multiply-add is 2 FLOPs. A layer over a sequence of T tokens with hidden
size H and feed-forward size F takes T·(8H² + 4HF) for its projections and 4T²H for attention.
A backward pass takes twice its forward (gradients for inputs and for weights), so a training pass
is 3 forward passes. Left out: embeddings lookups, softmax, layer norms, dropout and the optimizer
(elementwise, a few percent here), and padding, which is waste that the stated utilisation covers.
Tokens are real tokens: the counts in ``compute.tokens`` are means per example.
"""

from __future__ import annotations

from dataclasses import dataclass

from align_transfer.core.objectives import StepShape, StepWork, step_work
from align_transfer.ops.work import Units, job_work

TRAIN = 3  # forward + backward (twice the forward)


@dataclass(frozen=True)
class EncoderShape:
    layers: int
    hidden: int
    intermediate: int
    vocab: int

    @classmethod
    def of(cls, architecture) -> EncoderShape:
        """The shape of a transformers config (BERT, XLM-R and their kin name these fields alike)."""
        a = architecture
        return cls(a.num_hidden_layers, a.hidden_size, a.intermediate_size, a.vocab_size)


def encoder_forward(shape: EncoderShape, sequences: float, length: float, layers: int | None = None) -> float:
    """Forward FLOPs of ``sequences`` sequences of ``length`` tokens through the first ``layers`` layers."""
    h, f = shape.hidden, shape.intermediate
    per_layer = sequences * (length * (8 * h * h + 4 * h * f) + 4 * h * length * length)
    return (shape.layers if layers is None else layers) * per_layer


def mlm_head_forward(shape: EncoderShape, positions: float) -> float:
    """The MLM head (a dense H x H transform, then the decoder to the vocabulary) at ``positions`` tokens."""
    return positions * (2 * shape.hidden * shape.hidden + 2 * shape.hidden * shape.vocab)


def step_flops(shape: EncoderShape, work: StepWork) -> float:
    """FLOPs of one term's step (``core.objectives.StepWork``): its passes (a training pass thrice its forward),
    its dot products of hidden vectors, and the MLM head at its positions."""
    passes = sum(
        (TRAIN if p.training else 1) * encoder_forward(shape, p.sequences, p.length, p.layers) for p in work.passes
    )
    return TRAIN * (passes / TRAIN + 2 * work.dots * shape.hidden + mlm_head_forward(shape, work.head_positions))


def alignment_step(
    shape: EncoderShape,
    losses: str,
    batch: int,
    length: float,
    *,
    sentence_layer: int,
    word_negatives: int,
    mlm_probability: float,
    bag: float | None = None,
    single_specials: int = 2,
    pair_specials: int = 4,
) -> dict[str, float]:
    """Training FLOPs of one alignment step per active loss term (``losses`` such as ``S1W0M1``), for
    ``batch`` pairs whose sentences have ``length`` tokens without special tokens: what each term's ``work``
    says it computes (``core.objectives.TERMS``; docs/design.md §4)."""
    step = StepShape(
        batch, length, sentence_layer, word_negatives, mlm_probability, bag, single_specials, pair_specials
    )
    return {name: step_flops(shape, work) for name, work in step_work(losses, step).items()}


def job_flops(job: dict, config: dict, shape: EncoderShape, encoder: dict) -> float:
    """FLOPs one job of a dry run performs on an encoder of ``shape`` (``encoder``: its entry of the
    config's ``encoders``): its work (``ops.work``) counted unit by unit; 0 for the jobs that run no encoder."""
    tokens, alignment = config["compute"]["tokens"], config["alignment"]

    def flops(units: Units) -> float:
        if units.kind in ("align_step", "alignment_gradient"):
            return units.count * sum(
                alignment_step(
                    shape,
                    units.losses,
                    alignment["batch_size"],
                    tokens["parallel"],
                    sentence_layer=min(encoder["sentence_layer"], shape.layers),
                    word_negatives=alignment["word_negatives"],
                    mlm_probability=alignment["mlm_probability"],
                ).values()
            )
        if units.text is None:  # tokenizing, and the small jobs
            return 0.0
        forward = encoder_forward(shape, units.count, tokens[units.text] + 2)  # with a single text's 2 specials
        if units.kind == "forward_example":
            return forward
        head = mlm_head_forward(shape, units.count * alignment["mlm_probability"] * tokens[units.text])
        return TRAIN * (forward + (head if units.kind == "mlm_gradient_example" else 0.0))

    return sum(flops(units) for units in job_work(job, config, encoder).units)


def gpu_hours(flops: float, peak_tflops: float, utilisation: float) -> float:
    """Hours at ``utilisation`` of a GPU's peak (dense TFLOP/s)."""
    return flops / (peak_tflops * 1e12 * utilisation) / 3600
