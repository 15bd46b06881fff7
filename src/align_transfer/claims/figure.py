"""The claims layer's figure: what "alignment predicts transfer" tests, drawn as the claim tests it."""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from align_transfer.claims.claims import SCORE, WITHIN_LANGUAGES, interval_text, score_label  # noqa: E402
from align_transfer.tables.tables import MODE_TITLES, TASK_TITLES  # noqa: E402


def alignment_vs_transfer(points: pd.DataFrame, verdicts: pd.DataFrame, about: str):
    """What 'alignment predicts transfer' tests within languages: each checkpoint x evaluation language's Δ R@1
    with the source (the smallest k) and its Δ zero-shot score (its task's metric), each minus the mean over the runs of that
    language at that step, so that a language effect moves no point; one panel per task and mode, with the
    claim's ρ, interval, p and verdict from ``verdicts`` (the claims table). No fitted line: the claim's
    statistic is the one the panel prints. Returns the figure (``save`` writes it)."""
    recall = sorted((c for c in points.columns if c.startswith("delta_r")), key=lambda c: int(c[len("delta_r") :]))[0]
    k = recall[len("delta_r") :]
    centred = points.dropna(subset=[recall]).copy()
    column = centred.groupby(["task", "mode", "step", "language"])
    centred["x"] = centred[recall] - column[recall].transform("mean")
    centred["y"] = centred[SCORE] - column[SCORE].transform("mean")
    tasks = [t for t in TASK_TITLES if t in set(centred["task"])]
    modes = [m for m in MODE_TITLES if m in set(centred["mode"])]
    predicts = verdicts[verdicts["claim"] == "predicts"].set_index("scope")
    sns.set_theme(style="whitegrid", context="paper")
    figure, axes = plt.subplots(len(tasks), len(modes), figsize=(4.6 * len(modes), 4.2 * len(tasks)), squeeze=False)
    for row, task in enumerate(tasks):
        for col, mode in enumerate(modes):
            axis = axes[row][col]
            panel = centred[(centred["task"] == task) & (centred["mode"] == mode)]
            sns.scatterplot(panel, x="x", y="y", hue="language", s=16, alpha=0.7, ax=axis, legend=row == col == 0)
            axis.axhline(0, color="black", linewidth=0.8)
            axis.axvline(0, color="black", linewidth=0.8)
            axis.set_title(f"{TASK_TITLES[task]}, {MODE_TITLES[mode]}")
            axis.set_xlabel(f"Δ R@{k}, minus its language's mean")
            axis.set_ylabel(f"{score_label(task)}, minus its language's mean" if col == 0 else "")
            scope = f"{task}, {mode}, every step, {WITHIN_LANGUAGES}"
            if scope in predicts.index:
                claim = predicts.loc[scope]
                p = "" if pd.isna(claim["p"]) else f", p = {claim['p']:.2g}"
                text = f"ρ within languages = {interval_text(claim['value'], claim['low'], claim['high'], 2)}{p}\n{claim['verdict']}"
                axis.text(
                    0.03,
                    0.97,
                    text,
                    transform=axis.transAxes,
                    va="top",
                    fontsize=8,
                    bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"},
                )
    if axes[0][0].get_legend():
        sns.move_legend(axes[0][0], "lower right", fontsize=6, title_fontsize=7, ncol=2)
    title = f"Alignment vs transfer within languages ({about}; a point: a checkpoint and a language)"
    figure.suptitle(textwrap.fill(title, int(figure.get_figwidth() * 9)))  # about 9 characters an inch: it fits
    figure.tight_layout()
    return figure
