"""Figure 1, the §4.5 gradient heatmaps and the claims layer's scatter, drawn with seaborn, saved as PNG and PDF."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from align_transfer.core.io import atomic_path  # noqa: E402
from align_transfer.tables.tables import TASK_TITLES  # noqa: E402

LEVEL_TITLES = {"token": "Token level", "sentence": "Sentence level"}


def subject(encoder: str, mini_world: bool) -> str:
    """What a figure's title says it shows: the encoder, and that the data are the synthetic mini world's."""
    return f"{encoder}, synthetic mini world" if mini_world else encoder


def save(figure, png, pdf, title: str) -> None:
    """Both files, each complete or absent; the PNG names its panels in its metadata (for a reader or a test)."""
    panels = "; ".join(axis.get_title() for axis in figure.axes if axis.get_title())
    with atomic_path(png) as tmp:
        figure.savefig(tmp, format="png", dpi=150, metadata={"Title": title, "Description": panels})
    with atomic_path(pdf) as tmp:
        figure.savefig(tmp, format="pdf", metadata={"Title": title, "Subject": panels})
    plt.close(figure)


def figure1(points: pd.DataFrame, losses: list[str], layers: list[int], png, pdf, about: str) -> None:
    """Δ cosine distance from base by loss code: token level on top, sentence level below, one
    column per layer; bars are the mean over aligned (or fine-tuned) models, each averaged over its language pairs;
    whiskers one std. One legend for every panel, below them, where it covers no bar. ``about``: ``subject``."""
    sns.set_theme(style="whitegrid", context="paper")
    figure, axes = plt.subplots(2, len(layers), figsize=(4 * len(layers), 6.5), sharex=True, squeeze=False)
    for row, level in enumerate(LEVEL_TITLES):
        for column, layer in enumerate(layers):
            axis = axes[row][column]
            panel = points[(points["level"] == level) & (points["layer"] == layer)]
            sns.barplot(
                panel,
                x="losses",
                y="delta_distance",
                hue="condition",
                order=losses,
                hue_order=["aligned", "fine-tuned"],
                errorbar="sd",
                ax=axis,
            )
            axis.axhline(0, color="black", linewidth=0.8)
            axis.set_title(f"{LEVEL_TITLES[level]}, layer {layer}")
            axis.set_xlabel("")
            axis.set_ylabel("Δ cosine distance" if column == 0 else "")
            axis.tick_params(axis="x", rotation=45)
            if axis.get_legend():
                handles, labels = axis.get_legend_handles_labels()
                axis.get_legend().remove()
    figure.suptitle(f"Figure 1: Δ cosine distance from the base encoder ({about})")
    figure.legend(handles, labels, loc="lower center", ncol=2, frameon=False)
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    save(figure, png, pdf, f"Figure 1 ({about})")


def gradient_heatmaps(table: pd.DataFrame, png, pdf, about: str) -> None:
    """§4.5: pairwise cosine of per-language gradients, one heatmap per task and kind (mean over models, seeds),
    every heatmap with its languages in the same order; no MLM row for an encoder without an MLM head."""
    kinds = {
        kind: title
        for kind, title in {"task": "task-loss gradients", "mlm": "MLM gradients on FLORES"}.items()
        if kind in set(table["kind"])
    }
    tasks = [t for t in TASK_TITLES if t in set(table["task"])]
    languages = list(dict.fromkeys(table["lang_a"]))  # the source first, then the evaluation languages
    figure, axes = plt.subplots(len(kinds), len(tasks), figsize=(5.5 * len(tasks), 4.5 * len(kinds)), squeeze=False)
    for row, kind in enumerate(kinds):
        for column, task in enumerate(tasks):
            block = table[(table["task"] == task) & (table["kind"] == kind)]
            order = [language for language in languages if language in set(block["lang_a"])]
            matrix = block.pivot(index="lang_a", columns="lang_b", values="mean").loc[order, order]
            sns.heatmap(
                matrix,
                vmin=-1,
                vmax=1,
                cmap="RdBu_r",
                annot=True,
                fmt=".2f",
                annot_kws={"size": 6},
                square=True,
                cbar=column == len(tasks) - 1,
                ax=axes[row][column],
            )
            axes[row][column].set_title(f"{TASK_TITLES[task]}: {kinds[kind]}")
            axes[row][column].set_xlabel("")
            axes[row][column].set_ylabel("")
    figure.suptitle(f"§4.5: per-language gradient cosines ({about})")
    figure.tight_layout()
    save(figure, png, pdf, f"Per-language gradient similarity ({about})")
