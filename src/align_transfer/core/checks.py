"""Settings that are each legal but wrong or impossible together, refused before any job runs, naming the key.

The schema checks each value alone; these check values against each other (``inconsistent_settings``) and
against what the data and the encoders hold where that is known when the workflow is parsed
(``impossible_settings``: the mini world's sizes, a mirror's or a downloaded encoder's ``config.json``, a
base encoder prepared earlier). Pure Python: the Snakefile calls ``config_problems`` at parse time. Each
problem is ``(key, message)``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from align_transfer.core import layout
from align_transfer.core.architectures import mlm_head_keys
from align_transfer.core.objectives import active_terms, needs_mlm_head, parse_loss_code
from align_transfer.core.tasks import TASKS

#: The paper's FLORES-200 devtest: the sentences retrieval ranks among (when no smaller sample is asked for).
FLORES_DEVTEST = 1012


def encoder_shape(entry: dict, workdir=".") -> tuple[dict | None, str]:
    """What is known of an encoder's architecture before it runs: a mini encoder's ``mini`` settings (what its
    base will be rebuilt from, whatever an earlier build's ``config.json`` says), else its ``config.json`` (a
    prepared base, a download, a mirror), or the ``shape`` its entry states; and where that came from."""
    if entry.get("mini"):
        return dict(entry["mini"]), "its mini settings"
    prepared, downloaded = (path.format(encoder=entry["name"]) for path in (layout.BASE_MODEL, layout.ENCODER_DOWNLOAD))
    for folder in (prepared, downloaded, entry.get("mirror")):
        if folder and (path := Path(workdir, folder, "config.json")).is_file():
            config = json.loads(path.read_text())
            return {
                "layers": config.get("num_hidden_layers"),
                "hidden_size": config.get("hidden_size"),
                "heads": config.get("num_attention_heads"),
                "vocab_size": config.get("vocab_size"),
                "model_type": config.get("model_type"),
            }, str(path)
    if entry.get("shape"):
        return dict(entry["shape"]), "its shape"
    return None, ""


def has_mlm_head(folder) -> bool | None:
    """Whether a Hugging Face model folder holds an MLM head: its config.json's ``architectures`` name a
    masked-LM (or pre-training) model, or its safetensors weights hold an MLM head's names (read from the
    file's header only). None where the folder has no config.json."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        return None
    architectures = json.loads((folder / "config.json").read_text()).get("architectures") or []
    if any("MaskedLM" in name or "PreTraining" in name for name in architectures):
        return True
    from safetensors import safe_open

    keys = mlm_head_keys()
    for weights in folder.glob("*.safetensors"):
        with safe_open(str(weights), framework="np") as handle:
            if any(key.startswith(keys) or any(f".{key_}" in key for key_ in keys) for key in handle.keys()):
                return True
    return False


def encoder_folder(entry: dict, workdir=".") -> Path | None:
    """Where an encoder's Hugging Face folder is before it is prepared: its mirror, or its download."""
    for folder in (entry.get("mirror"), Path(workdir, layout.ENCODER_DOWNLOAD.format(encoder=entry["name"]))):
        if folder and (Path(folder) / "config.json").is_file():
            return Path(folder)
    return None


def encoder_losses(config: dict, entry: dict) -> list[str]:
    """The loss codes an encoder is aligned with: its own ``losses``, or every code of ``alignment.losses``."""
    return entry.get("losses") or config["alignment"]["losses"]


def inconsistent_settings(config: dict, mini_languages=()) -> list[tuple[str, str]]:
    """Values that contradict each other: a language or FLORES code that is not defined, steps and seeds
    that are not among those trained, a corpus cap below a batch, encoders that share a name or cannot take
    their losses."""
    problems = []
    batch = config["alignment"]["batch_size"]
    for index, entry in enumerate(config["alignment"]["pairs"]):
        if entry.get("cap") is not None and entry["cap"] < batch:
            problems.append(
                (
                    f"alignment.pairs[{index}].cap",
                    f"{entry['cap']} pairs are fewer than one batch (alignment.batch_size: {batch})",
                )
            )
        if config.get("mini_world") and mini_languages:
            unknown = [code for code in entry["pair"].split("-") if code not in mini_languages]
            if unknown:
                problems.append(
                    (
                        f"alignment.pairs[{index}].pair",
                        f"'{entry['pair']}': the mini world has no language {', '.join(map(repr, unknown))} "
                        f"(it has {', '.join(sorted(mini_languages))})",
                    )
                )
    languages, finetune, analysis = config["languages"], config["finetune"], config["analysis"]
    for key, codes in (
        ("finetune.source", [finetune["source"]]),
        ("evaluation.languages", config["evaluation"]["languages"]),
    ):
        problems += [
            (key, f"'{code}' is not in `languages` (its UD treebank and SIB-200 code)")
            for code in codes
            if code not in languages
        ]
    short_codes = dict.fromkeys(
        code for group in analysis["retrieval_groups"] for pair in group["pairs"] for code in pair.split("-")
    )
    problems += [
        ("analysis.flores_codes", f"'{code}' (used in analysis.retrieval_groups) has no FLORES code")
        for code in short_codes
        if code not in analysis["flores_codes"]
    ]
    steps = config["alignment"]["checkpoint_steps"]
    if max(steps) > config["alignment"]["steps"]:
        problems.append(("alignment.checkpoint_steps", f"{max(steps)} is beyond alignment.steps"))
    if not set(finetune["checkpoint_steps"]) <= set(steps):
        problems.append(("finetune.checkpoint_steps", "must be steps of alignment.checkpoint_steps"))
    if config["evaluation"]["table_step"] not in finetune["checkpoint_steps"]:
        problems.append(("evaluation.table_step", "must be one of finetune.checkpoint_steps"))
    if not set(analysis["finetuned_seeds"]) <= set(finetune["seeds"]):
        problems.append(("analysis.finetuned_seeds", "must be seeds of finetune.seeds"))
    for task in finetune["tasks"]:
        if TASKS[task].source not in config["sources"]:
            problems.append(
                (f"sources.{TASKS[task].source}", f"is not set, and finetune.tasks has {task}, which reads it")
            )
        for part in ("items", "tokens"):
            if task not in config["compute"][part]:
                problems.append(
                    (f"compute.{part}", f"has no entry for {task} (finetune.tasks runs it; the plan counts it)")
                )
    names = [entry["name"] for entry in config["encoders"]]
    if len(set(names)) < len(names):
        problems.append(("encoders", "two encoders share a name (each names a folder under results/)"))
    minis = [entry["name"] for entry in config["encoders"] if entry["source"] == "mini"]
    if minis and not config["mini_world"]:
        problems.append(("encoders", f"{', '.join(minis)}: source: mini needs a mini_world to pretrain on"))
    for index, entry in enumerate(config["encoders"]):
        key, codes = f"encoders[{index}] ({entry['name']})", encoder_losses(config, entry)
        if not entry["mlm_head"] and (needs_head := [code for code in codes if needs_mlm_head(code)]):
            without = [code for code in codes if not needs_mlm_head(code)]
            problems.append(
                (
                    key,
                    f"mlm_head: false, so it cannot take the MLM-head losses of {', '.join(needs_head)}; leave "
                    f"those codes out for it (losses: [{', '.join(without)}])",
                )
            )
        measured = config["compute"]["seconds"]["align_step"]
        if unpriced := sorted({t.name for code in codes for t in active_terms(code)} - set(measured)):
            problems.append(
                (
                    "compute.seconds.align_step",
                    f"has no seconds for {', '.join(unpriced)}, a term of {key}'s codes; measure them with "
                    "`python tools/measure_costs.py` (docs/performance.md)",
                )
            )
        if entry["source"] == "mini":
            depth = entry["mini"]["layers"]
            deepest = max(entry["layers"] + [entry["sentence_layer"], entry["retrieval_layer"]])
            if deepest > depth:
                problems.append(
                    (key, f"layer {deepest} (layers, sentence_layer, retrieval_layer) is beyond its {depth} layers")
                )
    return problems


def config_problems(config: dict, workdir=".", mini_languages=()) -> list[tuple[str, str]]:
    """Every problem of a schema-valid config; the impossible settings only once the settings are consistent.
    ``mini_languages``: the languages the mini world can generate (its pairs must be among them)."""
    return not_numbers(config) or inconsistent_settings(config, mini_languages) or impossible_settings(config, workdir)


def not_numbers(value, key: str = "") -> list[tuple[str, str]]:
    """Every NaN or infinity in the config (YAML's ``.nan``, ``.inf``), which a JSON schema's bounds let pass:
    no setting takes one."""
    if isinstance(value, dict):
        return [
            problem for name, item in value.items() for problem in not_numbers(item, f"{key}.{name}" if key else name)
        ]
    if isinstance(value, list):
        return [problem for index, item in enumerate(value) for problem in not_numbers(item, f"{key}[{index}]")]
    if isinstance(value, float) and not math.isfinite(value):
        return [(key, f"{value} is not a number any setting takes")]
    return []


#: SLURM's warning before a time limit, as the profile asks for it (``--signal=[B:]USR1@seconds``).
SIGNAL_LEAD = re.compile(r"--signal=(?:[BR]:)?(?:SIG)?USR1@(\d+)")


def warning_before_limit(rule: str, runtime_minutes, slurm_extra) -> str:
    """Why a rule's runtime leaves no time after SLURM's warning (empty where it does): the warning would come
    at (or before) the start, and every attempt would stop before it trained a step."""
    match = SIGNAL_LEAD.search(str(slurm_extra or ""))
    if not match or runtime_minutes is None:
        return ""
    lead = int(match[1])
    if float(runtime_minutes) * 60 > lead:
        return ""
    return (
        f"runtime {runtime_minutes} minutes ({float(runtime_minutes) * 60:g} s), but the profile warns {lead} s "
        f"before the time limit (slurm_extra of {rule}: {match[0]}), so every attempt would be told to stop before "
        f"it began: raise compute.resources.{rule}.runtime above {lead / 60:g} minutes, or lower the signal's lead"
    )


def impossible_settings(config: dict, workdir=".") -> list[tuple[str, str]]:
    problems = []
    alignment, analysis = config["alignment"], config["analysis"]
    for index, entry in enumerate(config["encoders"]):
        key = f"encoders[{index}] ({entry['name']})"
        folder = encoder_folder(entry, workdir)
        takes_m = [code for code in encoder_losses(config, entry) if needs_mlm_head(code)]
        if entry["mlm_head"] and folder is not None and has_mlm_head(folder) is False:
            problems.append(
                (
                    f"{key}.mlm_head",
                    f"true, but {folder} has no MLM head (neither its config.json's architectures nor its "
                    f"weights have one); set mlm_head: false"
                    + (f" and leave out the codes that need one ({', '.join(takes_m)})" if takes_m else ""),
                )
            )
        shape, where = encoder_shape(entry, workdir)
        if shape is None:
            continue
        if shape.get("hidden_size") and shape.get("heads") and shape["hidden_size"] % shape["heads"]:
            problems.append(
                (
                    f"{key}.{'mini' if where == 'its mini settings' else 'shape'}.heads",
                    f"{shape['heads']} heads do not divide the width, {shape['hidden_size']} (from {where})",
                )
            )
        vocabulary = shape.get("vocab_size")
        # a pair's bag of words (at most both sides' tokens) and the specials are never negatives
        room = vocabulary - 2 * alignment["max_length"] - 8 if vocabulary else None
        codes = encoder_losses(config, entry)
        if (
            room is not None
            and any(parse_loss_code(code)["word"] for code in codes)
            and alignment["word_negatives"] > room
        ):
            problems.append(
                (
                    "alignment.word_negatives",
                    f"{alignment['word_negatives']} negatives are more than "
                    f"{key}'s vocabulary of {vocabulary} holds beside a pair's bag of words (at most {room}; {where})",
                )
            )
        if entry.get("shape") and where.endswith("config.json"):
            for name, stated in entry["shape"].items():
                if shape.get(name) is not None and stated != shape[name]:
                    problems.append((f"{key}.shape.{name}", f"{stated!r}, but {where} says {shape[name]!r}"))
        if where.endswith("config.json") and shape.get("layers"):
            deepest = max([*entry["layers"], entry["sentence_layer"], entry["retrieval_layer"]])
            if deepest > shape["layers"]:
                problems.append(
                    (
                        key,
                        f"layer {deepest} (layers, sentence_layer, retrieval_layer) is beyond its "
                        f"{shape['layers']} layers ({where})",
                    )
                )
    masked = alignment.get("mlm_probability", 0.15) * 2 * alignment["batch_size"] * alignment["max_length"]
    if masked < 1 and any(
        needs_mlm_head(code) for entry in config["encoders"] for code in encoder_losses(config, entry)
    ):
        problems.append(
            (
                "alignment.mlm_probability",
                f"{alignment['mlm_probability']} masks fewer than one token of a "
                f"batch of {alignment['batch_size']} pairs even at {alignment['max_length']} tokens: L_M would learn nothing",
            )
        )
    sentences = analysis.get("flores_examples") or ((config.get("mini_world") or {}).get("sizes", {}).get("flores"))
    sentences = sentences or FLORES_DEVTEST
    if max(analysis["recall_at"]) > sentences:
        problems.append(
            (
                "analysis.recall_at",
                f"R@{max(analysis['recall_at'])} ranks among more sentences than the "
                f"{sentences} FLORES sentences retrieval has",
            )
        )
    return problems
