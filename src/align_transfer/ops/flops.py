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

from align_transfer.core.layout import parse_model

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
    ``batch`` pairs whose sentences have ``length`` tokens without special tokens (docs/design.md §4):

    - L_S: the 2B sentences (with their specials) through the layers up to ``sentence_layer``, and the
      2B x 2B similarity matrix;
    - L_W: the B concatenated pairs through every layer, and each pair's query against its bag of
      distinct tokens (``bag``, at most 2·length) and ``word_negatives`` negatives;
    - L_M: the 2B sentences through every layer, and the MLM head at the masked positions only.
    """
    active = dict(zip(("sentence", "word", "mlm"), (losses[1] == "1", losses[3] == "1", losses[5] == "1")))
    h, single = shape.hidden, length + single_specials
    flops = {}
    if active["sentence"]:
        similarity = 2 * (2 * batch) ** 2 * h
        flops["sentence"] = TRAIN * (encoder_forward(shape, 2 * batch, single, sentence_layer) + similarity)
    if active["word"]:
        dots = 2 * batch * ((2 * length if bag is None else bag) + word_negatives) * h
        flops["word"] = TRAIN * (encoder_forward(shape, batch, 2 * length + pair_specials) + dots)
    if active["mlm"]:
        masked = mlm_probability * 2 * batch * length
        flops["mlm"] = TRAIN * (encoder_forward(shape, 2 * batch, single) + mlm_head_forward(shape, masked))
    return flops


def job_flops(job: dict, config: dict, shape: EncoderShape, encoder: dict) -> float:
    """FLOPs one job of a dry run performs on an encoder of ``shape`` (``encoder``: its entry of the
    config's ``encoders``), 0 for the jobs that run no encoder."""
    rule, wildcards = job["rule"], job["wildcards"]
    tokens, items = config["compute"]["tokens"], config["compute"]["items"]
    alignment, finetune, analysis = config["alignment"], config["finetune"], config["analysis"]

    def forward(examples, kind):
        return encoder_forward(shape, examples, tokens[kind] + 2)  # with the two specials of a single text

    def step(losses):
        return sum(
            alignment_step(
                shape,
                losses,
                alignment["batch_size"],
                tokens["parallel"],
                sentence_layer=min(encoder["sentence_layer"], shape.layers),
                word_negatives=alignment["word_negatives"],
                mlm_probability=alignment["mlm_probability"],
            ).values()
        )

    if rule == "align":
        return alignment["steps"] * step(wildcards["losses"])
    if rule in ("finetune_full", "linear_probe"):
        task, counts = wildcards["task"], items[wildcards["task"]]
        if rule == "linear_probe":  # the frozen backbone runs once over every split
            return forward(counts["train"] + counts["dev"] + counts["test"], task)
        epochs = finetune[task]["epochs"]
        per_seed = epochs * (TRAIN * forward(counts["train"], task) + forward(counts["dev"], task))
        return len(finetune["seeds"]) * (per_seed + forward(counts["test"], task))
    if rule in ("embed", "embed_finetuned"):
        flores = forward(items["flores_languages"] * items["flores"], "flores") + forward(items["words"], "words")
        if rule == "embed":  # and the SIB-200 test texts of every evaluation language and of the source
            return flores + forward(items["sc"]["test"] * (1 + 1 / len(config["evaluation"]["languages"])), "sc")
        return len(finetune["tasks"]) * len(analysis["finetuned_seeds"]) * flores
    if rule == "gradients":
        batches, languages = analysis["gradient_batches"], len(config["evaluation"]["languages"])
        total = 0.0
        for task in finetune["tasks"]:
            task_batch = TRAIN * forward(finetune[task]["batch_size"], task)
            losses = parse_model(job["wildcards"]["model"])["losses"]
            # per batch: an English task gradient and the alignment gradient; then each evaluation
            # language's task gradient, and the MLM gradient of each language and the source on FLORES
            # (where the encoder has an MLM head)
            masked = alignment["mlm_probability"] * alignment["batch_size"] * tokens["flores"]
            mlm = TRAIN * (forward(alignment["batch_size"], "flores") + mlm_head_forward(shape, masked))
            mlm *= encoder["mlm_head"]  # none without an MLM head
            total += batches * (task_batch + step(losses) + languages * task_batch + (languages + 1) * mlm)
        return len(analysis["finetuned_seeds"]) * total
    return 0.0


def gpu_hours(flops: float, peak_tflops: float, utilisation: float) -> float:
    """Hours at ``utilisation`` of a GPU's peak (dense TFLOP/s)."""
    return flops / (peak_tflops * 1e12 * utilisation) / 3600
