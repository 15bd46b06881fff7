"""How much disk the workflow's model files need, from counts of what the rules keep and each encoder's size."""

from __future__ import annotations

from pathlib import Path

import torch

from align_transfer.core import layout
from align_transfer.core.config import ConfigError

TOKENIZER_FILES = ("tokenizer", "sentencepiece", "special", "vocab")


def encoder_architecture(encoder: dict, workdir=".", key: str | None = None) -> tuple[object, int]:
    """An encoder's transformers config and the bytes of its tokenizer files, before or after it exists:
    its prepared folder's config.json (``results/{name}/models/base``), its downloaded one
    (``resources/encoders/{name}``) or its local folder's (``mirror``) where there; else the mini world's
    settings, or the ``shape`` the config gives it (with the tokenizer bytes it states, 0 where unknown).
    Where none is known, a config error naming the key to set (``key``: the entry's, as
    ``encoders[1] (mBERT)``)."""
    from transformers import AutoConfig

    name, workdir = encoder["name"], Path(workdir)
    folders = [workdir / path.format(encoder=name) for path in (layout.BASE_MODEL, layout.ENCODER_DOWNLOAD)]
    folders += [Path(encoder["mirror"])] if encoder.get("mirror") else []
    for folder in folders:
        if (folder / "config.json").exists():
            tokenizer_files = [f for f in folder.iterdir() if f.name.startswith(TOKENIZER_FILES)]
            return AutoConfig.from_pretrained(folder), sum(f.stat().st_size for f in tokenizer_files)
    if encoder["source"] == "mini":
        from align_transfer.alignment.encoders import mini_config
        from align_transfer.core.architectures import ARCHITECTURES

        mini = encoder["mini"]
        config = mini_config(
            mini["architecture"],
            mini["vocab_size"] + ARCHITECTURES[mini["architecture"]].mini_extra_entries,
            hidden_size=mini["hidden_size"],
            layers=mini["layers"],
            heads=mini["heads"],
            intermediate_size=mini["intermediate_size"],
            dropout=mini.get("dropout", 0.1),
            max_length=encoder["max_length"],
        )
        return config, 0
    if shape := encoder.get("shape"):
        config = AutoConfig.for_model(
            shape["model_type"],
            vocab_size=shape["vocab_size"],
            hidden_size=shape["hidden_size"],
            num_hidden_layers=shape["layers"],
            num_attention_heads=shape["heads"],
            intermediate_size=shape["intermediate_size"],
            max_position_embeddings=shape["positions"],
        )
        return config, shape.get("tokenizer_bytes", 0)
    where = (
        f"its folder {encoder['mirror']} has no config.json (is it there yet?)"
        if encoder.get("mirror")
        else f"it is not downloaded yet ({workdir / 'resources/encoders' / name} has no config.json)"
    )
    raise ConfigError(
        f"config error at {key or f'encoder {name}'}.shape: its architecture is not known: {where}. Give it "
        "`shape:` (its config.json's model_type, layers, hidden_size, heads, intermediate_size, vocab_size, "
        "positions; docs/science.md, 'Encoders')"
        + ("" if encoder.get("mirror") else ", or run `snakemake data` first, which fetches its config.json")
    )


def parameter_counts(config) -> dict[str, int]:
    """Parameters of the masked-LM checkpoint and of the bare backbone (no pooler), counted without weights."""
    from transformers import AutoModelForMaskedLM

    from align_transfer.core.modeling import bare_backbone

    with torch.device("meta"):
        mlm = AutoModelForMaskedLM.from_config(config)
        backbone = bare_backbone(config)
    return {"masked_lm": mlm.num_parameters(), "backbone": backbone.num_parameters()}


#: What ``disk_plan`` prints for each kind of model file (``ops.work.kept_files``).
DISK_KINDS = {
    "checkpoint": "alignment checkpoints (model + tokenizer)",
    "backbone": "fully fine-tuned backbones kept for Table 3 and Figure 1",
    "head": "fine-tuning heads (every other run keeps only this)",
    "alignment_state": "alignment resumable state while a run trains (weights + AdamW moments; removed at the end)",
    "finetune_state": (
        "full fine-tuning resumable state while a run trains (weights + AdamW moments; removed at each seed's end)"
    ),
}


def disk_plan(
    counts: dict[str, float], config, tokenizer_bytes: int, num_labels: dict[str, int], mlm_head: bool = True
) -> list[dict]:
    """Rows of what is kept (``counts`` by kind, ``DISK_KINDS``), how many, bytes each (fp32 safetensors plus
    tokenizer files) and in all. An encoder without an MLM head keeps its checkpoints as bare backbones."""
    params = parameter_counts(config)
    checkpoint = params["masked_lm" if mlm_head else "backbone"]
    head = max(num_labels.values()) * (config.hidden_size + 1) * 4
    sizes = {
        "checkpoint": checkpoint * 4 + tokenizer_bytes,
        "backbone": params["backbone"] * 4 + tokenizer_bytes,
        "head": head,
        "alignment_state": checkpoint * 12,
        "finetune_state": (params["backbone"] + head // 4) * 12,
    }
    return [
        {"what": DISK_KINDS[kind], "count": int(counts.get(kind, 0)), "bytes_each": size}
        | {"bytes": int(counts.get(kind, 0)) * size}
        for kind, size in sizes.items()
    ]
