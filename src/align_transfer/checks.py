"""Settings that are each legal but impossible together, refused before any job runs, naming the key.

The schema checks each value alone; these check values against each other and against what the data and
the encoders hold where that is known when the workflow is parsed (the mini world's sizes, a mirror's or a
downloaded encoder's ``config.json``, a base encoder prepared earlier). Pure Python: the Snakefile calls
``impossible_settings`` at parse time. Each problem is ``(key, message)``.
"""

from __future__ import annotations

import json
from pathlib import Path

#: The paper's FLORES-200 devtest: the sentences retrieval ranks among (when no smaller sample is asked for).
FLORES_DEVTEST = 1012


def encoder_shape(entry: dict, workdir=".") -> tuple[dict | None, str]:
    """What is known of an encoder's architecture before it runs: its ``config.json`` (a prepared base, a
    download, a mirror), or the ``mini`` or ``shape`` its entry states; and where that came from."""
    for folder in (f"results/{entry['name']}/models/base", f"resources/encoders/{entry['name']}", entry.get("mirror")):
        if folder and (path := Path(workdir, folder, "config.json")).is_file():
            config = json.loads(path.read_text())
            return {"layers": config.get("num_hidden_layers"), "hidden_size": config.get("hidden_size"),
                    "heads": config.get("num_attention_heads"), "vocab_size": config.get("vocab_size"),
                    "model_type": config.get("model_type")}, str(path)  # fmt: skip
    if entry.get("mini"):
        return dict(entry["mini"]), "its mini settings"
    if entry.get("shape"):
        return dict(entry["shape"]), "its shape"
    return None, ""


def impossible_settings(config: dict, workdir=".") -> list[tuple[str, str]]:
    problems = []
    alignment, analysis = config["alignment"], config["analysis"]
    for index, entry in enumerate(config["encoders"]):
        key = f"encoders[{index}] ({entry['name']})"
        shape, where = encoder_shape(entry, workdir)
        if shape is None:
            continue
        if shape.get("hidden_size") and shape.get("heads") and shape["hidden_size"] % shape["heads"]:
            problems.append((f"{key}.{'mini' if where == 'its mini settings' else 'shape'}.heads",
                             f"{shape['heads']} heads do not divide the width, {shape['hidden_size']} (from {where})"))  # fmt: skip
        vocabulary = shape.get("vocab_size")
        # a pair's bag of words (at most both sides' tokens) and the specials are never negatives
        room = vocabulary - 2 * alignment["max_length"] - 8 if vocabulary else None
        codes = entry.get("losses") or alignment["losses"]
        if room is not None and any(code[3] == "1" for code in codes) and alignment["word_negatives"] > room:
            problems.append(("alignment.word_negatives", f"{alignment['word_negatives']} negatives are more than "
                             f"{key}'s vocabulary of {vocabulary} holds beside a pair's bag of words (at most {room}; {where})"))  # fmt: skip
        if entry.get("shape") and where.endswith("config.json"):
            for name, stated in entry["shape"].items():
                if shape.get(name) is not None and stated != shape[name]:
                    problems.append((f"{key}.shape.{name}", f"{stated!r}, but {where} says {shape[name]!r}"))
        if where.endswith("config.json") and shape.get("layers"):
            deepest = max([*entry["layers"], entry["sentence_layer"], entry["retrieval_layer"]])
            if deepest > shape["layers"]:
                problems.append((key, f"layer {deepest} (layers, sentence_layer, retrieval_layer) is beyond its "
                                      f"{shape['layers']} layers ({where})"))  # fmt: skip
    masked = alignment.get("mlm_probability", 0.15) * 2 * alignment["batch_size"] * alignment["max_length"]
    if masked < 1 and any(code.endswith("M1") for entry in config["encoders"] for code in (entry.get("losses") or alignment["losses"])):
        problems.append(("alignment.mlm_probability", f"{alignment['mlm_probability']} masks fewer than one token of a "
                         f"batch of {alignment['batch_size']} pairs even at {alignment['max_length']} tokens: L_M would learn nothing"))  # fmt: skip
    sentences = analysis.get("flores_examples") or ((config.get("mini_world") or {}).get("sizes", {}).get("flores"))
    sentences = sentences or FLORES_DEVTEST
    if max(analysis["recall_at"]) > sentences:
        problems.append(("analysis.recall_at", f"R@{max(analysis['recall_at'])} ranks among more sentences than the "
                         f"{sentences} FLORES sentences retrieval has"))  # fmt: skip
    return problems
