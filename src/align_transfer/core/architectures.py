"""The encoder families the workflow takes, one registry entry each: the one owner of what differs between them.

Everything else goes through the Hugging Face Auto classes and is the same for every family. What is not:
how to load a bare backbone (BERT and XLM-R build a pooler unless told not to), where absolute positions
start (RoBERTa's after the padding id), which weights are an MLM head, where the Auto sequence-classification
head keeps its layers (a fine-tuned model is saved in that form), and, for the mini world, the config class
and the tokenizer a small model of the family is built with.

Adding a family (DeBERTa-v3, ModernBERT): an entry here with its ``model_type``; then its models load, plan,
align, fine-tune and are saved as Auto models. A family without an entry is taken as it is: no pooler
argument, positions from 0, its MLM head by the config's ``architectures`` only, and no sequence-head form.

Pure Python: the Snakefile reads it at parse time (the schema's enums).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Architecture:
    model_types: tuple[str, ...]  # config.json's model_type of each member
    pooler: bool  # AutoModel builds a pooler, left out with add_pooling_layer=False (never trained here)
    positions_after_padding: bool  # absolute positions start after the padding id (RoBERTa)
    mlm_head_keys: tuple[str, ...]  # weight names that only its MLM head has
    sequence_head: tuple[str, str] | None  # (dense, out) of AutoModelForSequenceClassification: out(tanh(dense(h)))
    mini_config: str | None = None  # the transformers config class a mini-world model of it is built with
    mini_tokenizer: str | None = None  # "unigram" (sentencepiece) or "wordpiece"
    mini_special_ids: dict = field(default_factory=dict)  # fixed by the order of the mini tokenizer's specials
    mini_extra_entries: int = 0  # vocabulary entries beyond the tokenizer's trained size


ARCHITECTURES = {
    "xlm-roberta": Architecture(
        ("xlm-roberta", "roberta", "camembert"),
        pooler=True,
        positions_after_padding=True,
        mlm_head_keys=("lm_head.",),
        sequence_head=("classifier.dense", "classifier.out_proj"),
        mini_config="XLMRobertaConfig",
        mini_tokenizer="unigram",
        mini_special_ids={"bos_token_id": 0, "pad_token_id": 1, "eos_token_id": 2},
        mini_extra_entries=4,  # the unigram model's pieces less its <unk>, plus XLM-R's five specials
    ),
    "bert": Architecture(
        ("bert",),
        pooler=True,
        positions_after_padding=False,
        mlm_head_keys=("cls.predictions.",),
        sequence_head=("bert.pooler.dense", "classifier"),
        mini_config="BertConfig",
        mini_tokenizer="wordpiece",
        mini_special_ids={"pad_token_id": 0},
    ),
}

#: The families a mini-world encoder can be built as (``encoders[].mini.architecture``).
MINI_ARCHITECTURES = [name for name, family in ARCHITECTURES.items() if family.mini_config]


def family_of(model_type: str | None) -> Architecture | None:
    """The registry's entry of a ``model_type``, or None for a family it does not know."""
    return next((family for family in ARCHITECTURES.values() if model_type in family.model_types), None)


def backbone_options(model_type: str | None) -> dict:
    """Keyword arguments of ``AutoModel`` for the bare backbone: no pooler where the family builds one."""
    family = family_of(model_type)
    return {"add_pooling_layer": False} if family and family.pooler else {}


def position_offset(config) -> int:
    """Where a model's absolute positions start: after the padding id for RoBERTa's family, else at 0."""
    family = family_of(config.model_type)
    return config.pad_token_id + 1 if family and family.positions_after_padding else 0


def mlm_head_keys() -> tuple[str, ...]:
    """Weight names that only an MLM head has, in every known family."""
    return tuple(key for family in ARCHITECTURES.values() for key in family.mlm_head_keys)
