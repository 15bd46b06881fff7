"""The paper's tables as tidy CSVs and Markdown in the paper's layout."""

from __future__ import annotations

import pandas as pd

from align_transfer.core.io import atomic_open
from align_transfer.core.layout import JOIN_GROUP, parse_model
from align_transfer.core.results import delta_from_base, task_scores, write_frame
from align_transfer.core.tasks import TASKS
from align_transfer.tables.captions import RECALL_LABELS, caption
from align_transfer.tables.document import Cell, Heading, Label, Section, Table, markdown

TASK_TITLES = {name: task.title for name, task in TASKS.items()}
MODE_TITLES = {"full": "Full Model Fine-tuning", "linear": "Linear Layer Only Fine-tuning"}


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
    """Table 1 from per-run zero-shot rows (model, task, mode, seed, language, and the task's metric: accuracy,
    or span F1; ``core.metrics``).

    For each seed, an encoder's score is its mean score over the languages; an aligned
    encoder's Δ is that score minus the base encoder's (mean over its seeds). Rows give the mean
    and sample standard deviation over seeds (n seeds) and the colour; base rows give the base
    encoder's own score.
    """
    results = results.assign(score=task_scores(results))
    per_seed = results.groupby(["model", "task", "mode", "seed"], as_index=False)["score"].mean()
    per_seed = per_seed.join(per_seed["model"].map(parse_model).apply(pd.Series))
    base = per_seed[per_seed["pair"] == "base"]
    aligned = delta_from_base(per_seed, ["task", "mode"], "score")
    aligned = aligned[aligned["step"] == step]
    rows = aligned.groupby(["pair", "losses", "task", "mode"], as_index=False)["delta_score"].agg(
        mean="mean", std="std", n="count"
    )
    base_rows = base.groupby(["pair", "task", "mode"], as_index=False)["score"].agg(mean="mean", std="std", n="count")
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


def table1_layout(table: pd.DataFrame, losses: list[str], encoder: str = "XLM-R") -> list:
    """Table 1 in the paper's layout: a block per task and mode, rows of encoders, columns of loss codes."""
    blocks = []
    for task in [t for t in TASK_TITLES if t in set(table["task"])]:
        blocks.append(Heading(TASK_TITLES[task]))
        for mode in [m for m in MODE_TITLES if m in set(table["mode"])]:
            block = table[(table["task"] == task) & (table["mode"] == mode)]
            grid = Table(["Model", *losses])
            base = block[block["pair"] == "base"]
            if len(base):
                grid.rows.append([f"{encoder}_base", *[number(base["mean"].iloc[0], 3)] * len(losses)])
            for pair in sorted(set(block["pair"]) - {"base"}):
                cells = loss_code_cells(
                    block, "pair", pair, losses, lambda r: Cell(spread(r["mean"], r["std"], r["n"], 3), r["colour"])
                )
                grid.rows.append([f"{encoder}_{pair}", *cells])
            blocks += [Label(MODE_TITLES[mode]), grid, ""]
    return blocks + [caption("table1")]


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


def write_table(csv_path, md_path, frame: pd.DataFrame, kind: str, **context) -> None:
    """A table's CSV (its rows, the data), Markdown (its layout: its ``kind``'s in ``core.tables.KINDS``, of the
    rows and ``context``) and context (``core.tables.context_path``: the kind and ``context``, less the sibling
    tables its layout reads, so the report draws the same layout from the CSV)."""
    import json

    from align_transfer.core.registry import resolve
    from align_transfer.core.tables import KINDS, context_path

    layout = resolve(KINDS[kind].layout)(frame, **context)
    recorded = {"kind": kind} | {key: value for key, value in context.items() if key not in KINDS[kind].siblings}
    write_frame(csv_path, frame)
    with atomic_open(md_path) as out:
        out.write(markdown(layout))
    with atomic_open(context_path(csv_path)) as out:
        out.write(json.dumps(recorded, indent=1, sort_keys=True) + "\n")


def study_table(csv_paths: list, encoders: list[str], csv_out, md_out) -> int:
    """The study's copy of one table (``results/tables/{table}``): every encoder's rows, in the order of
    ``encoders`` (one CSV each, ``results/{encoder}/tables/{table}.csv``), with an ``encoder`` column first;
    its Markdown is each encoder's own, under a heading of its name where there are several. Returns the rows."""
    from pathlib import Path

    frames = []
    for encoder, path in zip(encoders, csv_paths):
        frame = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=object)
        frames.append(frame.drop(columns="encoder", errors="ignore").assign(encoder=encoder))
    table = pd.concat(frames, ignore_index=True)
    table = table[["encoder", *(column for column in table.columns if column != "encoder")]]
    texts = [Path(path).with_suffix(".md").read_text(encoding="utf-8") for path in csv_paths]
    if len(encoders) > 1:
        texts = [f"## {encoder}\n\n{text}" for encoder, text in zip(encoders, texts)]
    write_frame(csv_out, table)
    with atomic_open(md_out) as out:
        out.write("\n".join(texts))
    return len(table)


def hyperparameter_frame(rows: list[tuple[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["parameter", "value"], dtype=object)  # 16 stays 16 beside 1e-05


def hyperparameter_layout(frame: pd.DataFrame, name: str) -> list:
    return [
        Table(["Parameter", "Value"], [[p, v] for p, v in zip(frame["parameter"], frame["value"])]),
        "",
        caption(name),
    ]


def write_hyperparameter_tables(config: dict, out_dir) -> None:
    from pathlib import Path

    for name, rows in hyperparameter_tables(config).items():
        frame = hyperparameter_frame(rows)
        write_table(Path(out_dir) / f"{name}.csv", Path(out_dir) / f"{name}.md", frame, "hyperparameters", name=name)


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


def delta_summary(frame: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """Per loss code and ``keys``: the mean and sample std over the aligned models (n) of their Δ ``value``
    from base, the base value and the colour of Tables 2, 7, 8."""
    aligned = delta_from_base(with_encoder_columns(frame), keys, value)
    rows = aligned.groupby(keys + ["losses"], as_index=False, sort=False).agg(
        mean=(f"delta_{value}", "mean"),
        std=(f"delta_{value}", "std"),
        n=(f"delta_{value}", "count"),
        base=(f"base_{value}", "first"),
    )
    rows["colour"] = [gain_colour(m, s, n) for m, s, n in zip(rows["mean"], rows["std"], rows["n"])]
    return rows


def retrieval_table(retrieval: pd.DataFrame, k: int) -> pd.DataFrame:
    """Tables 7 (k = 5), 8 (k = 10) and the R@1 table from per-model rows (model, group, pair,
    direction, k, recall): both directions averaged, then Δ from base over the aligned models."""
    retrieval = paper_rows(retrieval)
    both = (
        retrieval[retrieval["k"] == k].groupby(["model", "group", "pair"], as_index=False, sort=False)["recall"].mean()
    )
    return delta_summary(both, ["group", "pair"], "recall")


def table2(similarity: pd.DataFrame, layer: int) -> pd.DataFrame:
    """Table 2 from per-model rows (model, level, group, pair, layer, cosine): sentences at ``layer``."""
    rows = paper_rows(similarity)
    rows = rows[(rows["level"] == "sentence") & (rows["layer"] == layer)]
    return delta_summary(rows[["model", "group", "pair", "cosine"]], ["group", "pair"], "cosine")


def table2_gap(similarity: pd.DataFrame, layers: list[int]) -> pd.DataFrame:
    """Table 2's companion (docs/design.md §7): beside each Δ mean cosine of translations, the Δ of the cosine
    gap (translations minus non-translation pairs), per pair, loss code and analysed layer. A Δ cosine
    that the gap does not share is the whole space spreading or collapsing, not translations meeting."""
    rows = paper_rows(similarity)
    rows = rows[(rows["level"] == "sentence") & rows["layer"].isin(layers)]
    keys = ["group", "pair", "layer"]
    cosine = delta_summary(rows[["model", *keys, "cosine"]], keys, "cosine")
    gap = delta_summary(rows[["model", *keys, "gap"]], keys, "gap")
    table = cosine[keys + ["losses", "n", "mean", "base"]].rename(
        columns={"mean": "delta_cosine", "base": "base_cosine"}
    )
    gap = gap[keys + ["losses", "mean", "std", "base"]].rename(
        columns={"mean": "delta_gap", "std": "std_gap", "base": "base_gap"}
    )
    return table.merge(gap, on=keys + ["losses"])


def table2_gap_layout(table: pd.DataFrame, losses: list[str]) -> list:
    blocks = []
    for layer, block in table.groupby("layer"):
        grid = Table(["Lang Pair", *losses])
        for pair in dict.fromkeys(block["pair"]):
            cells = loss_code_cells(
                block, "pair", pair, losses, lambda r: f"{number(r['delta_cosine'], 4)} / {number(r['delta_gap'], 4)}"
            )
            grid.rows.append([pair, *cells])
        blocks += [Heading(f"Layer {layer}"), grid, ""]
    return blocks + [caption("table2_gap")]


def table2_title(layer: int, step: int | None = None) -> str:
    return caption("table2", layer=layer) if step is None else caption("table2 at a step", step=step)


def recall_title(name: str, k: int, step: int | None = None) -> str:
    if step is None:
        return caption("recall", label=RECALL_LABELS.get(name, f"R@{k}"))
    return caption("recall at a step", name=name, step=step, k=k)


def table2_layout(table: pd.DataFrame, losses: list[str], layer: int, step: int | None = None) -> list:
    return delta_layout(table, losses, table2_title(layer, step))


def recall_layout(table: pd.DataFrame, losses: list[str], name: str, k: int, step: int | None = None) -> list:
    """Tables 7, 8 and the other recall tables (``name``: R@``k``)."""
    return delta_layout(table, losses, recall_title(name, k, step))


def delta_layout(table: pd.DataFrame, losses: list[str], title: str) -> list:
    """Tables 2, 7, 8 in the paper's layout: a block per group, rows of language pairs, columns of loss codes."""
    grid = Table(["Lang Pair", *losses])
    for number_, group in enumerate(dict.fromkeys(table["group"]), 1):
        grid.rows.append(Section(f"Group {number_}: {group}"))
        block = table[table["group"] == group]
        for pair in dict.fromkeys(block["pair"]):
            cells = loss_code_cells(
                block, "pair", pair, losses, lambda r: Cell(spread(r["mean"], r["std"], r["n"], 4), r["colour"])
            )
            grid.rows.append([pair, *cells])
    return [grid, "", title, "", caption("gains")]


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


def task_blocks(table: pd.DataFrame, losses: list[str], encoder: str, render) -> Table:
    """Tables 3 and its companion: a block per task, a row per aligned pair, a column per loss code."""
    grid = Table(["Model", *losses])
    for task in [t for t in TASK_TITLES if t in set(table["task"])]:
        grid.rows.append(Section(TASK_TITLES[task]))
        block = table[table["task"] == task]
        for pair in sorted(set(block["aligned_pair"])):
            grid.rows.append([f"{encoder}_{pair}", *loss_code_cells(block, "aligned_pair", pair, losses, render)])
    return grid


def table3_layout(table: pd.DataFrame, losses: list[str], encoder: str = "XLM-R") -> list:
    return [task_blocks(table, losses, encoder, lambda r: number(r["mean"], 4)), "", caption("table3")]


def table3_baseline(cosines: pd.DataFrame) -> pd.DataFrame:
    """Table 3's companion: per task, pair and loss code, the task-vs-alignment cosine beside the null
    baseline (task gradients of two disjoint batches), and the two gradients' norms; each the mean over
    batches of a seed, then the mean over seeds."""
    values = ["cosine", "baseline_cosine", "task_norm", "alignment_norm"]
    per_seed = with_encoder_columns(
        cosines.groupby(["task", "model", "seed"], as_index=False, sort=False)[values].mean()
    )
    table = per_seed.groupby(["task", "aligned_pair", "losses"], as_index=False, sort=False)[values].mean()
    return table.assign(seeds=per_seed.groupby(["task", "aligned_pair", "losses"], sort=False)["seed"].count().values)


def table3_baseline_layout(table: pd.DataFrame, losses: list[str], encoder: str = "XLM-R") -> list:
    grid = task_blocks(
        table, losses, encoder, lambda r: f"{number(r['cosine'], 4)} ({number(r['baseline_cosine'], 4)})"
    )
    return [grid, "", caption("table3_baseline")]


def gradient_languages(rows: pd.DataFrame) -> pd.DataFrame:
    """§4.5: per task, kind (task loss, MLM on FLORES) and language pair, the pairwise gradient cosine
    averaged over aligned models and seeds (mean, sample std, n)."""
    return rows.groupby(["task", "kind", "lang_a", "lang_b"], as_index=False, sort=False)["cosine"].agg(
        mean="mean", std="std", n="count"
    )


def gradient_languages_layout(table: pd.DataFrame) -> list:
    """One language-by-language matrix of mean cosines per task and kind of gradient."""
    kinds = {"task": "task-loss gradients", "mlm": "MLM gradients on FLORES"}
    blocks = []
    for (task, kind), block in table.groupby(["task", "kind"], sort=False):
        order = list(dict.fromkeys(block["lang_a"]))
        matrix = block.pivot(index="lang_a", columns="lang_b", values="mean").loc[order, order]
        rows = [[a, *(number(v, 3) for v in matrix.loc[a])] for a in order]
        blocks += [Heading(f"{TASK_TITLES[task]}: {kinds[kind]}"), Table(["", *order], rows), ""]
    return blocks + [caption("gradient_languages")]


def figure1_data(similarity: pd.DataFrame) -> pd.DataFrame:
    """Figure 1's points from per-encoder rows (model, variant, level, pair, layer, cosine).

    Δ cosine distance from base = (1 - cos) - (1 - cos_base), averaged over the language pairs of a
    level, one point per aligned encoder (condition ``aligned``) or fine-tuned encoder (``fine-tuned``:
    one per task and seed of each aligned encoder).
    """
    frame = with_encoder_columns(paper_rows(similarity)).assign(distance=lambda f: 1 - f["cosine"])
    rows = delta_from_base(frame, ["level", "pair", "layer"], "distance")
    rows["condition"] = ["aligned" if v == "encoder" else "fine-tuned" for v in rows["variant"]]
    return rows.groupby(["condition", "losses", "model", "variant", "level", "layer"], as_index=False)[
        "delta_distance"
    ].mean()
