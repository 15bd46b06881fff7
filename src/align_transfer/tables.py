"""The paper's tables as tidy CSVs and Markdown in the paper's layout."""

from __future__ import annotations

import re

import pandas as pd

from .io import atomic_open
from .results import JOIN_GROUP, write_frame

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


def number(value: float, digits: int) -> str:
    """``value`` to ``digits`` decimals, never as a negative zero (-0.0000 reads as a loss that is not there)."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def spread(mean: float, std: float, n: int, digits: int) -> str:
    """``mean ± std``; with a single value (no std), ``mean (n=1)``."""
    if pd.isna(std):
        return f"{number(mean, digits)} (n={n})"
    return f"{number(mean, digits)} ± {number(std, digits)}"


def rounds_to_zero(mean: float, digits: int) -> bool:
    """Whether ``mean`` prints as zero at ``digits`` decimals: such a Δ carries no colour."""
    return float(f"{mean:.{digits}f}") == 0


def colour(mean: float, std: float, n: int = 2, digits: int = 3) -> str:
    """Table 1's rule: red when mean + std < 0, green when mean - std > 0, black otherwise; black (no
    marker) too where there is no std (one seed) or where the Δ prints as zero."""
    if n < 2 or pd.isna(std) or rounds_to_zero(mean, digits):
        return "black"
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
    rows["colour"] = [colour(m, s, n) for m, s, n in zip(rows["mean"], rows["std"], rows["n"])]
    base_rows["losses"], base_rows["colour"] = "", ""
    columns = ["pair", "losses", "task", "mode", "mean", "std", "n", "colour"]
    return pd.concat([base_rows[columns], rows[columns]], ignore_index=True)


def loss_code_cells(block: pd.DataFrame, column: str, value, losses: list[str], render) -> list[str]:
    """One rendered cell per loss code for the row of ``block`` where ``column`` is ``value`` ('' where absent)."""
    cells = []
    for code in losses:
        row = block[(block[column] == value) & (block["losses"] == code)]
        cells.append("" if row.empty else render(row.iloc[0]))
    return cells


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
                lines.append(f"| {encoder}_base | " + " | ".join([number(base["mean"].iloc[0], 3)] * len(losses)) + " |")
            for pair in sorted(set(block["pair"]) - {"base"}):
                cells = loss_code_cells(block, "pair", pair, losses,
                                        lambda r: spread(r["mean"], r["std"], r["n"], 3) + MARKERS[r["colour"]])  # fmt: skip
                lines.append(f"| {encoder}_{pair} | " + " | ".join(cells) + " |")
            lines.append("")
    lines.append(
        "Δ accuracy from the base encoder, mean ± sample std over seeds of the mean over the evaluation "
        "languages. ▲ green: mean - std > 0 (improvement); ▼ red: mean + std < 0 (deterioration); "
        "no marker: black (high variance, a Δ that prints as zero, or one seed: no std)."
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
    write_frame(csv_path, frame)
    with atomic_open(md_path) as out:
        out.write(markdown)


def write_hyperparameter_tables(config: dict, out_dir) -> None:
    from pathlib import Path

    for name, rows in hyperparameter_tables(config).items():
        frame = pd.DataFrame(rows, columns=["parameter", "value"], dtype=object)  # 16 stays 16 beside 1e-05
        markdown = "| Parameter | Value |\n|---|---|\n" + "".join(f"| {p} | {v} |\n" for p, v in rows)
        write_table(Path(out_dir) / f"{name}.csv", Path(out_dir) / f"{name}.md", frame, f"{markdown}\n{TITLES[name]}\n")


# Tables 2, 7 and 8: Δ from the base encoder, averaged over the aligned models


def paper_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["group"] != JOIN_GROUP]


def with_encoder_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` plus the alignment pair (``aligned_pair``), loss code and step parsed from its ``model``."""
    parsed = frame["model"].map(parse_model).apply(pd.Series).rename(columns={"pair": "aligned_pair"})
    return frame.join(parsed)


def gain_colour(mean: float, std: float, n: int = 2, digits: int = 4) -> str:
    """Tables 2, 7 and 8: red when mean + std < 0; blue for a gain up to +0.005; green up to +0.01; dark
    green above. No colour ("black") where there is no std (one aligned model), where the Δ prints as
    zero, or for a loss within one std (mean < 0 <= mean + std): that is neither a loss nor a gain."""
    if n < 2 or pd.isna(std) or rounds_to_zero(mean, digits):
        return "black"
    if mean + std < 0:
        return "red"
    if mean < 0:
        return "black"
    if mean <= 0.005:
        return "blue"
    if mean <= 0.01:
        return "green"
    return "dark green"


GAIN_MARKERS = {"red": " ▼", "black": "", "blue": " ·", "green": " ▲", "dark green": " ▲▲"}


def delta_from_base(frame: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """Per loss code and ``keys``: each aligned model's ``value`` minus the base encoder's, then the
    mean and sample std over the aligned models (n), the base value and the colour of Tables 2, 7, 8."""
    frame = with_encoder_columns(frame)
    base = frame[frame["model"] == "base"].set_index(keys)[value].rename("base")
    aligned = frame[frame["model"] != "base"].join(base, on=keys)
    aligned["delta"] = aligned[value] - aligned["base"]
    rows = aligned.groupby(keys + ["losses"], as_index=False, sort=False).agg(
        mean=("delta", "mean"), std=("delta", "std"), n=("delta", "count"), base=("base", "first")
    )
    rows["colour"] = [gain_colour(m, s, n) for m, s, n in zip(rows["mean"], rows["std"], rows["n"])]
    return rows


def retrieval_table(retrieval: pd.DataFrame, k: int) -> pd.DataFrame:
    """Tables 7 (k = 5), 8 (k = 10) and the R@1 table from per-model rows (model, group, pair,
    direction, k, recall): both directions averaged, then Δ from base over the aligned models."""
    retrieval = paper_rows(retrieval)
    both = retrieval[retrieval["k"] == k].groupby(["model", "group", "pair"], as_index=False, sort=False)["recall"].mean()
    return delta_from_base(both, ["group", "pair"], "recall")


def table2(similarity: pd.DataFrame, layer: int) -> pd.DataFrame:
    """Table 2 from per-model rows (model, level, group, pair, layer, cosine): sentences at ``layer``."""
    rows = paper_rows(similarity)
    rows = rows[(rows["level"] == "sentence") & (rows["layer"] == layer)]
    return delta_from_base(rows[["model", "group", "pair", "cosine"]], ["group", "pair"], "cosine")


def table2_gap(similarity: pd.DataFrame, layers: list[int]) -> pd.DataFrame:
    """Table 2's companion (DESIGN §7): beside each Δ mean cosine of translations, the Δ of the cosine
    gap (translations minus non-translation pairs), per pair, loss code and analysed layer. A Δ cosine
    that the gap does not share is the whole space spreading or collapsing, not translations meeting."""
    rows = paper_rows(similarity)
    rows = rows[(rows["level"] == "sentence") & rows["layer"].isin(layers)]
    keys = ["group", "pair", "layer"]
    cosine = delta_from_base(rows[["model", *keys, "cosine"]], keys, "cosine")
    gap = delta_from_base(rows[["model", *keys, "gap"]], keys, "gap")
    table = cosine[keys + ["losses", "n", "mean", "base"]].rename(columns={"mean": "delta_cosine", "base": "base_cosine"})
    gap = gap[keys + ["losses", "mean", "std", "base"]].rename(columns={"mean": "delta_gap", "std": "std_gap", "base": "base_gap"})
    return table.merge(gap, on=keys + ["losses"])


def table2_gap_markdown(table: pd.DataFrame, losses: list[str]) -> str:
    lines = []
    for layer, block in table.groupby("layer"):
        lines += [f"### Layer {layer}\n", "| Lang Pair | " + " | ".join(losses) + " |", "|---" * (len(losses) + 1) + "|"]
        for pair in dict.fromkeys(block["pair"]):
            cells = loss_code_cells(block, "pair", pair, losses,
                                    lambda r: f"{number(r['delta_cosine'], 4)} / {number(r['delta_gap'], 4)}")  # fmt: skip
            lines.append(f"| {pair} | " + " | ".join(cells) + " |")
        lines.append("")
    caption = (
        "Δ mean cosine of FLORES translations / Δ cosine gap (translations minus non-translation pairs of the "
        "same two languages) from the base encoder, mean over the aligned models. Where the cosine moves and "
        "the gap does not, the space moved as a whole."
    )
    return "\n".join(lines) + f"\n{caption}\n"


def delta_markdown(table: pd.DataFrame, losses: list[str], caption: str) -> str:
    """Tables 2, 7, 8 in the paper's layout: a block per group, rows of language pairs, columns of loss codes."""
    lines = ["| Lang Pair | " + " | ".join(losses) + " |", "|---" * (len(losses) + 1) + "|"]
    for number, group in enumerate(dict.fromkeys(table["group"]), 1):
        lines.append(f"| **Group {number}: {group}** |" + " |" * len(losses))
        block = table[table["group"] == group]
        for pair in dict.fromkeys(block["pair"]):
            cells = loss_code_cells(block, "pair", pair, losses,
                                    lambda r: spread(r["mean"], r["std"], r["n"], 4) + GAIN_MARKERS[r["colour"]])  # fmt: skip
            lines.append(f"| {pair} | " + " | ".join(cells) + " |")
    legend = (
        "Mean ± sample std over the aligned models. ▼ red: mean + std < 0; · blue: a gain up to +0.005; "
        "▲ green: up to +0.01; ▲▲ dark green: above +0.01; no marker: a loss within one std, a Δ that prints "
        "as zero, or one aligned model (no std)."
    )
    return "\n".join(lines) + f"\n\n{caption}\n\n{legend}\n"


# Table 3 and §4.5: gradient similarity


def table3(cosines: pd.DataFrame) -> pd.DataFrame:
    """Table 3 from per-batch rows (task, model, seed, batch, cosine): the mean over batches of each
    seed, then the mean and sample std over seeds, per task, pair and loss code."""
    per_seed = cosines.groupby(["task", "model", "seed"], as_index=False, sort=False).agg(
        cosine=("cosine", "mean"), batches=("cosine", "count")
    )
    per_seed = with_encoder_columns(per_seed)
    return per_seed.groupby(["task", "aligned_pair", "losses"], as_index=False, sort=False).agg(
        mean=("cosine", "mean"), std=("cosine", "std"), seeds=("seed", "count"), batches=("batches", "min")
    )


def task_blocks(table: pd.DataFrame, losses: list[str], encoder: str, render) -> list[str]:
    """Tables 3 and its companion: a block per task, a row per aligned pair, a column per loss code."""
    lines = ["| Model | " + " | ".join(losses) + " |", "|---" * (len(losses) + 1) + "|"]
    for task in [t for t in TASK_TITLES if t in set(table["task"])]:
        lines.append(f"| **{TASK_TITLES[task]}** |" + " |" * len(losses))
        block = table[table["task"] == task]
        for pair in sorted(set(block["aligned_pair"])):
            lines.append(f"| {encoder}_{pair} | " + " | ".join(loss_code_cells(block, "aligned_pair", pair, losses, render)) + " |")
    return lines


def table3_markdown(table: pd.DataFrame, losses: list[str], encoder: str = "XLM-R") -> str:
    lines = task_blocks(table, losses, encoder, lambda r: number(r["mean"], 4))
    caption = (
        "Cosine similarity between the task-loss gradient (English training batches) and the gradient of "
        "the encoder's own alignment loss, on the aligned-then-fully-fine-tuned encoder, over the backbone's "
        "parameters; mean over batches, then over seeds (the CSV has the std over seeds)."
    )
    return "\n".join(lines) + f"\n\n{caption}\n"


def table3_baseline(cosines: pd.DataFrame) -> pd.DataFrame:
    """Table 3's companion: per task, pair and loss code, the task-vs-alignment cosine beside the null
    baseline (task gradients of two disjoint batches), and the two gradients' norms; each the mean over
    batches of a seed, then the mean over seeds."""
    values = ["cosine", "baseline_cosine", "task_norm", "alignment_norm"]
    per_seed = with_encoder_columns(cosines.groupby(["task", "model", "seed"], as_index=False, sort=False)[values].mean())
    table = per_seed.groupby(["task", "aligned_pair", "losses"], as_index=False, sort=False)[values].mean()
    return table.assign(seeds=per_seed.groupby(["task", "aligned_pair", "losses"], sort=False)["seed"].count().values)


def table3_baseline_markdown(table: pd.DataFrame, losses: list[str], encoder: str = "XLM-R") -> str:
    lines = task_blocks(table, losses, encoder, lambda r: f"{number(r['cosine'], 4)} ({number(r['baseline_cosine'], 4)})")
    caption = (
        "Task-vs-alignment gradient cosine (Table 3) and, in brackets, the null baseline: the cosine between "
        "the task gradients of two disjoint English batches of the same run. A cosine near 0 means "
        "'orthogonal' only where the baseline is clearly above it; the CSV has both gradients' norms."
    )
    return "\n".join(lines) + f"\n\n{caption}\n"


def gradient_languages(rows: pd.DataFrame) -> pd.DataFrame:
    """§4.5: per task, kind (task loss, MLM on FLORES) and language pair, the pairwise gradient cosine
    averaged over aligned models and seeds (mean, sample std, n)."""
    return rows.groupby(["task", "kind", "lang_a", "lang_b"], as_index=False, sort=False)["cosine"].agg(
        mean="mean", std="std", n="count"
    )


def gradient_languages_markdown(table: pd.DataFrame) -> str:
    """One language-by-language matrix of mean cosines per task and kind of gradient."""
    kinds = {"task": "task-loss gradients", "mlm": "MLM gradients on FLORES"}
    blocks = []
    for (task, kind), block in table.groupby(["task", "kind"], sort=False):
        order = list(dict.fromkeys(block["lang_a"]))
        matrix = block.pivot(index="lang_a", columns="lang_b", values="mean").loc[order, order]
        lines = [f"### {TASK_TITLES[task]}: {kinds[kind]}\n", "| | " + " | ".join(order) + " |", "|---" * (len(order) + 1) + "|"]
        lines += [f"| {a} | " + " | ".join(number(v, 3) for v in matrix.loc[a]) + " |" for a in order]
        blocks.append("\n".join(lines) + "\n")
    caption = "Pairwise cosine of per-language mean gradients, mean over the aligned models and seeds (§4.5)."
    return "\n".join(blocks) + f"\n{caption}\n"


def figure1_data(similarity: pd.DataFrame) -> pd.DataFrame:
    """Figure 1's points from per-encoder rows (model, variant, level, pair, layer, cosine).

    Δ cosine distance from base = (1 - cos) - (1 - cos_base), averaged over the language pairs of a
    level, one point per aligned encoder (condition ``aligned``) or fine-tuned encoder (``fine-tuned``:
    one per task and seed of each aligned encoder).
    """
    frame = with_encoder_columns(paper_rows(similarity))
    base = frame[frame["model"] == "base"].set_index(["level", "pair", "layer"])["cosine"].rename("base_cosine")
    rows = frame[frame["model"] != "base"].join(base, on=["level", "pair", "layer"])
    rows["delta_distance"] = (1 - rows["cosine"]) - (1 - rows["base_cosine"])
    rows["condition"] = ["aligned" if v == "encoder" else "fine-tuned" for v in rows["variant"]]
    return rows.groupby(["condition", "losses", "model", "variant", "level", "layer"], as_index=False)["delta_distance"].mean()
