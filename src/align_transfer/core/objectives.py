"""The terms of the alignment objective (paper §4.2), one registry entry each: the one owner of the loss codes.

L = Σ λ_t · L_t with λ_t in {0, 1}, read from a loss code such as ``S1W0M1``: each term's letter and its λ, in
the registry's order. The paper's terms (sentence, word, MLM) are named in every code; a term the paper did not
test (``in_paper=False``) is named only where it is on (``S1W0M0T1``), so that the paper's codes, paths and
numbers stay as they are. Everything that knows about the terms asks ``TERMS``: the code grammar
(``parse_loss_code``, ``CODE_PATTERN``, the schema's pattern), the alignment step (each term's ``step``, in
``align_transfer.alignment.terms``), the training log's columns, the check that an encoder without an MLM head
takes no term that needs one, the FLOP model (``work``) and the measured cost model (``compute.seconds``).

Adding a term: an entry here and its step function (``alignment/terms.py``, with its loss in
``alignment/losses.py``); then its codes are legal in the config (opt-in: ``alignment.losses`` or an encoder's
``losses``), its seconds in ``compute.seconds.align_step`` (``tools/measure_costs.py`` measures them).

Pure Python: the Snakefile reads it at parse time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Pass:
    """Sequences through the encoder: ``sequences`` of ``length`` tokens each (specials included), through
    ``layers`` layers (None: all of them); ``training`` passes also run backward."""

    sequences: float
    length: float
    layers: int | None = None
    training: bool = True


@dataclass(frozen=True)
class StepWork:
    """What one alignment step of a term computes: its passes through the encoder, the MLM head at
    ``head_positions`` positions, and ``dots`` dot products of hidden vectors (the similarities of a
    contrastive loss). The FLOP model (``ops/flops.py``) prices it on an encoder's shape."""

    passes: tuple[Pass, ...]
    head_positions: float = 0.0
    dots: float = 0.0


@dataclass(frozen=True)
class StepShape:
    """The shape of one alignment step: ``batch`` pairs whose sentences have ``length`` tokens each without
    specials, the specials of one text and of a pair, and the alignment settings the terms' work depends on."""

    batch: int
    length: float
    sentence_layer: int
    word_negatives: int
    mlm_probability: float
    bag: float | None = None  # a pair's distinct tokens (at most 2·length)
    single_specials: int = 2
    pair_specials: int = 4


@dataclass(frozen=True)
class LossTerm:
    letter: str  # its letter in a loss code
    name: str  # its name in the training log (loss_{name}) and in compute.seconds.align_step
    symbol: str  # as the paper writes it
    description: str  # what it is, as a model card says it
    step: str  # "module:function" of its step (align_transfer.alignment.terms)
    work: Callable[[StepShape], StepWork]  # what one step of it computes (the FLOP model)
    mlm_head: bool = False  # it needs the encoder's MLM head
    in_paper: bool = True  # named in every code; otherwise only where it is on


def _sentence(s: StepShape) -> StepWork:
    """L_S: the 2B sentences (with their specials) through the layers up to the sentence layer, and the
    2B x 2B similarity matrix."""
    return StepWork((Pass(2 * s.batch, s.length + s.single_specials, s.sentence_layer),), dots=(2 * s.batch) ** 2)


def _word(s: StepShape) -> StepWork:
    """L_W: the B concatenated pairs through every layer, and each pair's query against its bag of distinct
    tokens and the negatives."""
    bag = 2 * s.length if s.bag is None else s.bag
    return StepWork((Pass(s.batch, 2 * s.length + s.pair_specials),), dots=s.batch * (bag + s.word_negatives))


def _mlm(s: StepShape) -> StepWork:
    """L_M: the 2B sentences through every layer, and the MLM head at the masked positions only."""
    masked = s.mlm_probability * 2 * s.batch * s.length
    return StepWork((Pass(2 * s.batch, s.length + s.single_specials),), head_positions=masked)


def _tlm(s: StepShape) -> StepWork:
    """L_T: the B concatenated pairs through every layer, and the MLM head at their masked positions."""
    masked = s.mlm_probability * s.batch * 2 * s.length
    return StepWork((Pass(s.batch, 2 * s.length + s.pair_specials),), head_positions=masked)


TERMS = {
    term.name: term
    for term in (
        LossTerm(
            "S",
            "sentence",
            "L_S",
            "L_S, the sentence-level contrastive loss (InfoNCE over mean-pooled sentence vectors)",
            "align_transfer.alignment.terms:sentence",
            _sentence,
        ),
        LossTerm(
            "W",
            "word",
            "L_W",
            "L_W, HiCTL's word-level contrastive loss (the pair's first-token state against its bag of tokens)",
            "align_transfer.alignment.terms:word",
            _word,
        ),
        LossTerm(
            "M",
            "mlm",
            "L_M",
            "L_M, masked language modelling on each side",
            "align_transfer.alignment.terms:mlm",
            _mlm,
            mlm_head=True,
        ),
        LossTerm(
            "T",
            "tlm",
            "L_T",
            "L_T, translation language modelling (masked language modelling over the concatenated pair; "
            "Conneau & Lample 2019)",
            "align_transfer.alignment.terms:tlm",
            _tlm,
            mlm_head=True,
            in_paper=False,
        ),
    )
}

#: A loss code, as a regular expression without groups (the {losses} wildcard, the schema's pattern).
CODE_PATTERN = "".join(f"{term.letter}[01]" if term.in_paper else f"(?:{term.letter}1)?" for term in TERMS.values())
_CODE = re.compile(
    "".join(
        f"{term.letter}(?P<{term.name}>[01])" if term.in_paper else f"(?:{term.letter}(?P<{term.name}>1))?"
        for term in TERMS.values()
    )
)


def parse_loss_code(code: str) -> dict[str, int]:
    """``"S1W0M1"`` -> each term's λ (``{"sentence": 1, "word": 0, "mlm": 1, "tlm": 0}``); at least one is 1
    (§4.2)."""
    match = _CODE.fullmatch(code) if isinstance(code, str) else None
    weights = {name: int(value or 0) for name, value in match.groupdict().items()} if match else {}
    if not any(weights.values()):
        example = "".join(f"{t.letter}0" for t in TERMS.values() if t.in_paper)
        raise ValueError(
            f"loss code '{code}' is not of the form {example.replace('0', '?')} (then "
            f"{', '.join(t.letter + '1' for t in TERMS.values() if not t.in_paper)} where such a term is on) "
            "with at least one 1"
        )
    return weights


def loss_code(weights: dict[str, int]) -> str:
    """The code of ``weights`` (each term's λ): the inverse of ``parse_loss_code``."""
    return "".join(
        f"{term.letter}{weights.get(name, 0)}" for name, term in TERMS.items() if term.in_paper or weights.get(name, 0)
    )


def active_terms(code: str) -> list[LossTerm]:
    """The terms a code turns on, in the registry's order."""
    return [TERMS[name] for name, weight in parse_loss_code(code).items() if weight]


def named_terms(code: str) -> list[LossTerm]:
    """The terms a code names (every paper term, and the others it turns on): its training log's columns."""
    weights = parse_loss_code(code)
    return [term for name, term in TERMS.items() if term.in_paper or weights[name]]


def needs_mlm_head(code: str) -> bool:
    return any(term.mlm_head for term in active_terms(code))


def step_work(code: str, shape: StepShape) -> dict[str, StepWork]:
    """What one step of ``code`` computes, per active term."""
    return {term.name: term.work(shape) for term in active_terms(code)}
