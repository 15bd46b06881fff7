"""Joint training against the paper's sequential pipeline (beyond the paper; docs/science.md, "Joint training").

Each joint run is paired with the sequential run of the same pair, loss code and seed (the aligned checkpoint at
the table step, fully fine-tuned), scored on the same test items and, for the gradients, on the same batches:
- ``joint_transfer``: per cell (task, pair, loss code), Δ score joint minus sequential with Table 1
  significance's paired two-level bootstrap interval (seeds, then test items), Holm-corrected across the table;
  and per task the test items' terms of the variance of the claim's mean (``stats.item_components``);
- ``joint_gradients``: per cell, the Table 3 cosine of each and Δ cosine, batch by batch;
- ``joint_claims``: "joint training recovers transfer" (mean Δ score over (pair, code) units, with the shared
  items' noise: ``stats.crossed_mean``) and "joint training turns task and alignment gradients towards each
  other" (mean Δ cosine), per task and across tasks, with the verdicts of docs/design.md §7.
"""

from __future__ import annotations

import math

import pandas as pd

from align_transfer.claims import stats
from align_transfer.claims.claims import Finding, claim_row, interval_text, paired_cells, score_label
from align_transfer.core.layout import parse_model
from align_transfer.core.tasks import TASKS
from align_transfer.tables.captions import caption
from align_transfer.tables.document import Label, Table
from align_transfer.tables.tables import TASK_TITLES, loss_code_cells, number

SEQUENTIAL, JOINT = "full", "joint"
HYPOTHESES = {
    "joint_transfer": "Training the alignment loss together with the task recovers transfer: joint minus sequential "
    "(align, then fine-tune) Δ score > 0.",
    "joint_gradients": "Joint training turns task and alignment gradients towards each other: joint minus "
    "sequential Δ gradient cosine > 0.",
}
PAPER = (
    "Not tested by the paper; its explanation predicts it: full fine-tuning amplifies the interference between "
    "alignment and task objectives (§6, Takeaway II; §7)."
)
FOUND = Finding(PAPER, (), ())  # nothing of the paper to agree or disagree with
ACROSS_TASKS = "every task"


def _cell_keys(model: str) -> dict:
    parsed = parse_model(model)
    return {"pair": parsed["pair"], "losses": parsed["losses"]}


def joint_transfer(items: pd.DataFrame, resamples: int, seed: int, alpha: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per task, pair and loss code: Δ (joint minus sequential, the mean over seeds of the mean score over
    languages), its paired two-level bootstrap interval and p-value (seeds drawn once for both runs of a seed,
    then the same test items for both) and Holm's correction across the table; and per task, the test items'
    terms of the variance of a mean of these Δs over cells (``stats.item_components``). ``items``: the per-item
    rows of the full and joint runs of the joint models."""
    rows, noise = [], []
    for task, block in items.groupby("task", sort=False):
        models = sorted(block.loc[block["mode"] == JOINT, "model"].unique())
        seeds = sorted(block["seed"].unique())
        block = block[block["model"].isin(models)].assign(model=block["mode"] + "/" + block["model"])
        units = [(f"{mode}/{model}", s) for model in models for mode in (SEQUENTIAL, JOINT) for s in seeds]
        compared = [(2 * index + 1, 2 * index) for index in range(len(models))]
        cells, terms = paired_cells(block, task, units, len(seeds), resamples, seed, alpha, compared)
        noise.append({"task": task, "models": len(models)} | terms)
        rows += [{"task": task, **_cell_keys(model), "model": model} | cell for model, cell in zip(models, cells)]
    table = pd.DataFrame(rows)
    table["p_holm"] = stats.holm(table["p"])
    table["significant"] = table["p_holm"] < alpha
    return table, pd.DataFrame(noise)


def joint_gradients(sequential: pd.DataFrame, joint: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Per task, pair and loss code: Table 3's task-vs-alignment cosine of the sequential and of the joint runs
    (mean over seeds and batches) and Δ cosine, joint minus sequential, batch by batch (the same English batch
    and parallel batch in both: the gradients' seed), with the t-interval over batches (each the mean over
    seeds). ``sequential`` and ``joint``: Table 3's per-batch rows (task, model, seed, batch, cosine)."""
    keys = ["task", "model", "seed", "batch"]
    both = sequential[[*keys, "cosine"]].merge(
        joint[[*keys, "cosine"]], on=keys, suffixes=("_sequential", "_joint"), validate="one_to_one"
    )
    if len(both) != len(joint):
        raise ValueError(
            f"{len(joint) - len(both)} joint gradient rows have no sequential row of the same task, model, seed "
            "and batch: rebuild the gradients of the sequential runs"
        )
    both["delta"] = both["cosine_joint"] - both["cosine_sequential"]
    rows = []
    for (task, model), block in both.groupby(["task", "model"], sort=False):
        per_batch = block.groupby("batch")["delta"].mean()
        interval = stats.mean_interval(per_batch, 1 - alpha)
        rows.append(
            {"task": task, **_cell_keys(model), "model": model}
            | {
                "sequential": block["cosine_sequential"].mean(),
                "joint": block["cosine_joint"].mean(),
                "delta": interval["value"],
                "low": interval["low"],
                "high": interval["high"],
                "p": interval["p"],
                "seeds": block["seed"].nunique(),
                "batches": len(per_batch),
            }
        )
    return pd.DataFrame(rows)


def joint_claims(transfer: pd.DataFrame, noise: pd.DataFrame, gradients: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """The two joint claims per task and across tasks, with the (pair, loss code) cells as units: the mean Δ
    score (its interval with the noise of the test items every cell shares, ``stats.crossed_mean``; across
    tasks, each cell's mean over the tasks, whose items' terms add with weight 1/tasks²) and the mean Δ cosine
    (Student's t over cells), each judged by ``stats.verdict_positive``."""
    level, rows = 1 - alpha, []
    terms = noise.set_index("task")

    def judged(claim: str, scope: str, statistic: str, result: dict, unit: str) -> dict:
        reason = stats.too_few(result["units"], "mean", unit)
        verdict = stats.TOO_FEW if reason else stats.verdict_positive(result["low"], result["high"])
        return claim_row(claim, scope, statistic, result, verdict, FOUND, reason) | {"agrees": ""}

    def crossed(values: pd.Series, tasks: list[str]) -> dict:
        if any(math.isnan(terms.loc[t, "items_variance"]) for t in tasks):
            return stats.mean_interval(values, level)
        pooled = stats.pooled_item_terms(
            *(terms.loc[tasks, name] for name in ("items_variance", "interaction", "item_df"))
        )
        return stats.crossed_mean(values, pooled[0], pooled[1], int(pooled[2]), level)

    tasks = [task for task in TASKS if task in set(transfer["task"])]
    cells = "(pair, loss code) cells"
    for task in tasks:
        values = transfer.loc[transfer["task"] == task].set_index("model")["delta"]
        statistic = f"mean {score_label(task)}, joint minus sequential, over {cells}, with the noise of the test items they share"
        rows.append(judged("joint_transfer", task, statistic, crossed(values, [task]), cells))
    if len(tasks) > 1:
        values = transfer.pivot(index="model", columns="task", values="delta").dropna().mean(axis=1)
        statistic = f"mean over {cells} of the joint minus sequential score, each the mean over the tasks"
        rows.append(judged("joint_transfer", ACROSS_TASKS, statistic, crossed(values, tasks), cells))
    gradient_tasks = [task for task in TASKS if task in set(gradients["task"])]
    for task in gradient_tasks:
        values = gradients.loc[gradients["task"] == task, "delta"]
        statistic = f"mean joint minus sequential task-vs-alignment gradient cosine over {cells}"
        rows.append(judged("joint_gradients", task, statistic, stats.mean_interval(values, level), cells))
    if len(gradient_tasks) > 1:
        values = gradients.pivot(index="model", columns="task", values="delta").dropna().mean(axis=1)
        statistic = f"mean over {cells} of the joint minus sequential gradient cosine, each the mean over the tasks"
        rows.append(judged("joint_gradients", ACROSS_TASKS, statistic, stats.mean_interval(values, level), cells))
    table = pd.DataFrame(rows)
    table.insert(1, "hypothesis", [HYPOTHESES[claim] for claim in table["claim"]])
    return table


def joint_transfer_layout(table: pd.DataFrame, losses: list[str], alpha: float, encoder: str = "XLM-R") -> list:
    """As Table 1: a block per task, a row per aligned pair, a column per loss code (those trained jointly)."""
    return _cells_layout(
        table,
        losses,
        encoder,
        lambda r: interval_text(r["delta"], r["low"], r["high"], 3) + (" *" if r["significant"] else ""),
        caption("joint_transfer", confidence=100 * (1 - alpha), alpha=alpha),
    )


def joint_gradients_layout(table: pd.DataFrame, losses: list[str], alpha: float, encoder: str = "XLM-R") -> list:
    """As Table 3: a block per task, a row per aligned pair, a column per loss code (those trained jointly)."""
    return _cells_layout(
        table,
        losses,
        encoder,
        lambda r: (
            f"{number(r['joint'], 4)} (Δ {interval_text(r['delta'], r['low'], r['high'], 4).removesuffix(' (no interval)')})"
        ),
        caption("joint_gradients", confidence=100 * (1 - alpha)),
    )


def _cells_layout(table: pd.DataFrame, losses: list[str], encoder: str, render, text: str) -> list:
    blocks = []
    codes = [code for code in losses if code in set(table["losses"])]
    for task in [t for t in TASK_TITLES if t in set(table["task"])]:
        block = table[table["task"] == task]
        grid = Table(["Model", *codes])
        for pair in sorted(set(block["pair"])):
            grid.rows.append([f"{encoder}_{pair}", *loss_code_cells(block, "pair", pair, codes, render)])
        blocks += [Label(TASK_TITLES[task]), grid, ""]
    return blocks + [text]
