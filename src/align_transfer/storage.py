"""How much disk the workflow's model files need, from counts of what the rules keep and the encoder's size."""

from __future__ import annotations

from pathlib import Path

import torch

# What save_pretrained writes for XLM-R's tokenizer (tokenizer.json 17,082,735 + tokenizer_config.json 342
# bytes), measured on the offline stand-in, which carries that tokenizer.
XLMR_TOKENIZER_BYTES = 17_083_077


def encoder_architecture(encoder: dict, base_dir="results/models/base"):
    """The base encoder's config and the bytes of its tokenizer files, before or after it exists.

    Once ``base_dir`` exists, its own config.json; before that, the mini encoder's settings, or XLM-R
    base's shapes (its config.json at the pinned revision) for the hub encoder.
    """
    from transformers import AutoConfig, XLMRobertaConfig

    base = Path(base_dir)
    if (base / "config.json").exists():
        tokenizer_files = [f for f in base.iterdir() if f.name.startswith(("tokenizer", "sentencepiece", "special"))]
        return AutoConfig.from_pretrained(base), sum(f.stat().st_size for f in tokenizer_files)
    if encoder["source"] == "mini":
        mini = encoder["mini"]
        config = XLMRobertaConfig(vocab_size=mini["vocab_size"] + 4, hidden_size=mini["hidden_size"],
                                  num_hidden_layers=mini["layers"], num_attention_heads=mini["heads"],
                                  intermediate_size=mini["intermediate_size"], max_position_embeddings=514,
                                  type_vocab_size=1)  # fmt: skip
        return config, 0
    return XLMRobertaConfig(vocab_size=250002, max_position_embeddings=514, type_vocab_size=1), XLMR_TOKENIZER_BYTES


def parameter_counts(config) -> dict[str, int]:
    """Parameters of the masked-LM checkpoint and of the bare backbone (no pooler), counted without weights."""
    from transformers import AutoModel, AutoModelForMaskedLM

    with torch.device("meta"):
        mlm = AutoModelForMaskedLM.from_config(config)
        backbone = AutoModel.from_config(config, add_pooling_layer=False)
    return {"masked_lm": mlm.num_parameters(), "backbone": backbone.num_parameters()}


def disk_plan(counts: dict[str, int], config, tokenizer_bytes: int, num_labels: dict[str, int]) -> list[dict]:
    """Rows of what is kept, how many, bytes each (fp32 safetensors plus tokenizer files) and in all."""
    params = parameter_counts(config)
    head = max(num_labels.values()) * (config.hidden_size + 1) * 4
    sizes = {
        "alignment checkpoints (masked LM + tokenizer)": params["masked_lm"] * 4 + tokenizer_bytes,
        "fully fine-tuned backbones kept for Table 3 and Figure 1": params["backbone"] * 4 + tokenizer_bytes,
        "fine-tuning heads (every other run keeps only this)": head,
        "alignment resumable state while a run trains (weights + AdamW moments; removed at the end)": params["masked_lm"] * 12,
    }
    return [{"what": what, "count": counts[what], "bytes_each": size, "bytes": counts[what] * size} for what, size in sizes.items()]
