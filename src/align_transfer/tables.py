"""The paper's tables as tidy CSVs and Markdown in the paper's layout."""

from __future__ import annotations

import re

import pandas as pd

from .io import atomic_open

TASK_TITLES = {"pos": "POS Tagging", "sc": "Sentence Classification"}
MODE_TITLES = {"full": "Full Model Fine-tuning", "linear": "Linear Layer Only Fine-tuning"}
MARKERS = {"green": " ▲", "red": " ▼", "black": ""}
MODEL_NAME = re.compile(r"(?P<pair>[a-z]+-[a-z]+)_(?P<losses>S[01]W[01]M[01])_(?P<step>\d+)")


def parse_model(model: str) -> dict:
    """``"de-en_S1W0M1_6000"`` -> pair, losses, step; ``"base"`` -> pair ``base``."""
    if model == "base":
        return {"pair": "base", "losses": None, "step": None}
    match = MODEL_NAME.fullmatch(model)
    if not match:
        raise ValueError(f"'{model}' is neither 'base' nor {{pair}}_{{losses}}_{{step}}")
    return {"pair": match["pair"], "losses": match["losses"], "step": int(match["step"])}


def colour(mean: float, std: float) -> str:
    """Table 1's rule: red when mean + std < 0, green when mean - std > 0, black otherwise."""
    if mean + std < 0:
        return "red"
    if mean - std > 0:
        return "green"
    return "black"


def table1(results: pd.DataFrame, step: int) -> pd.DataFrame:
    """Table 1 from per-run zero-shot rows (model, task, mode, seed, language, accuracy).

    For each seed, an encoder's score is its mean accuracy over the languages; an aligned
    encoder's Δ is that score minus the base encoder's (mean over its seeds). Rows give the mean
    and sample standard deviation over seeds (n seeds) and the colour; base rows give the base
    encoder's own score.
    """
    per_seed = results.groupby(["model", "task", "mode", "seed"], as_index=False)["accuracy"].mean()
    per_seed = per_seed.join(per_seed["model"].map(parse_model).apply(pd.Series))
    base = per_seed[per_seed["pair"] == "base"]
    base_score = base.groupby(["task", "mode"])["accuracy"].mean().rename("base_score")
    aligned = per_seed[(per_seed["pair"] != "base") & (per_seed["step"] == step)]
    aligned = aligned.join(base_score, on=["task", "mode"])
    aligned["delta"] = aligned["accuracy"] - aligned["base_score"]
    rows = aligned.groupby(["pair", "losses", "task", "mode"], as_index=False)["delta"].agg(
        mean="mean", std="std", n="count"
    )
    base_rows = base.groupby(["pair", "task", "mode"], as_index=False)["accuracy"].agg(mean="mean", std="std", n="count")
    rows["colour"] = [colour(m, s) for m, s in zip(rows["mean"], rows["std"])]
    base_rows["losses"], base_rows["colour"] = "", ""
    columns = ["pair", "losses", "task", "mode", "mean", "std", "n", "colour"]
    return pd.concat([base_rows[columns], rows[columns]], ignore_index=True)


def table1_markdown(table: pd.DataFrame, losses: list[str], encoder: str = "XLM-R") -> str:
    """Table 1 in the paper's layout: a block per task and mode, rows of encoders, columns of loss codes."""
    lines = []
    for task in [t for t in TASK_TITLES if t in set(table["task"])]:
        lines.append(f"### {TASK_TITLES[task]}\n")
        for mode in [m for m in MODE_TITLES if m in set(table["mode"])]:
            block = table[(table["task"] == task) & (table["mode"] == mode)]
            lines += [f"**{MODE_TITLES[mode]}**\n", "| Model | " + " | ".join(losses) + " |"]
            lines.append("|---" * (len(losses) + 1) + "|")
            base = block[block["pair"] == "base"]
            if len(base):
                lines.append(f"| {encoder}_base | " + " | ".join([f"{base['mean'].iloc[0]:.3f}"] * len(losses)) + " |")
            for pair in sorted(set(block["pair"]) - {"base"}):
                cells = []
                for code in losses:
                    row = block[(block["pair"] == pair) & (block["losses"] == code)]
                    if row.empty:
                        cells.append("")
                        continue
                    row = row.iloc[0]
                    cells.append(f"{row['mean']:.3f} ± {row['std']:.3f}{MARKERS[row['colour']]}")
                lines.append(f"| {encoder}_{pair} | " + " | ".join(cells) + " |")
            lines.append("")
    lines.append(
        "Δ accuracy from the base encoder, mean ± sample std over seeds of the mean over the evaluation "
        "languages. ▲ green: mean - std > 0 (improvement); ▼ red: mean + std < 0 (deterioration); "
        "no marker: black (high variance)."
    )
    return "\n".join(lines) + "\n"


def hyperparameter_tables(config: dict) -> dict[str, list[tuple[str, object]]]:
    """Tables 4, 5 and 6 of the paper (Appendix B.1), filled from the config."""
    align, finetune = config["alignment"], config["finetune"]
    pos, sc = finetune["pos"], finetune["sc"]
    seeds = ", ".join(map(str, finetune["seeds"]))
    return {
        "table4": [
            ("Learning rate", align["learning_rate"]),
            ("Batch size", align["batch_size"]),
            ("Max sequence length", align["max_length"]),
            ("Word negatives", align["word_negatives"]),
            ("Temperature", align["temperature"]),
            ("Number of epochs", align["epochs"]),
            ("Number of steps", align["steps"]),
            ("Seed", align["seed"]),
        ],
        "table5": [
            ("Batch size", pos["batch_size"]),
            ("Backbone learning rate (full model)", pos["backbone_lr"]),
            ("Classifier learning rate (full model)", pos["head_lr"]),
            ("Learning rate (linear layer only)", pos["linear_lr"]),
            ("Number of epochs", pos["epochs"]),
            ("Weight decay", pos["weight_decay"]),
            ("Max sequence length", pos["max_length"]),
            ("Seeds", seeds),
        ],
        "table6": [
            ("Batch size", sc["batch_size"]),
            ("Learning rate (full model)", sc["backbone_lr"]),
            ("Learning rate (linear layer only)", sc["linear_lr"]),
            ("Number of epochs", sc["epochs"]),
            ("Max sequence length", sc["max_length"]),
            ("Seeds", seeds),
        ],
    }


TITLES = {
    "table4": "Hyperparameters used during alignment enhancement (Phase I).",
    "table5": "Hyperparameters used for full model and linear layer only fine-tuning (Phase II) for POS-Tagging.",
    "table6": "Hyperparameters used for full model and linear layer only fine-tuning (Phase II) for Sentence Classification.",
}


def write_table(csv_path, md_path, frame: pd.DataFrame, markdown: str) -> None:
    with atomic_open(csv_path, newline="") as out:
        frame.to_csv(out, index=False)
    with atomic_open(md_path) as out:
        out.write(markdown)


def write_hyperparameter_tables(config: dict, out_dir) -> None:
    from pathlib import Path

    for name, rows in hyperparameter_tables(config).items():
        frame = pd.DataFrame(rows, columns=["parameter", "value"])
        markdown = "| Parameter | Value |\n|---|---|\n" + "".join(f"| {p} | {v} |\n" for p, v in rows)
        write_table(Path(out_dir) / f"{name}.csv", Path(out_dir) / f"{name}.md", frame, f"{markdown}\n{TITLES[name]}\n")
