"""How much disk the workflow's model files need, from counts of what the rules keep and the encoder's size."""

from __future__ import annotations

import torch


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
