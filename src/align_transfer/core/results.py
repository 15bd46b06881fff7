"""The per-run result files: written with their keys as columns, read back complete or not at all.

Every job that produces a number writes the keys of the run it belongs to (encoder, task, mode, model,
seed) as columns of its CSV; readers take the keys from there, never from the file's path. A reader
checks each file before it lets a number through: it can be read, it has the columns of its kind,
one run per file, a number wherever one must be, and every evaluation language. A file that fails is
an error naming it, with the command that rebuilds it: one NaN or one missing language must never
turn a table or a claim into something else without a word.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from align_transfer.core.io import InputError, atomic_open
from align_transfer.core.layout import BASE, JOIN_GROUP, join_pair
from align_transfer.core.metrics import METRICS
from align_transfer.core.tasks import TASKS

#: The keys of a fine-tuning run, in the order its files write them.
RUN_KEYS = ("encoder", "task", "mode", "model", "seed")
#: The keys of an encoder's (a checkpoint's) analyses.
MODEL_KEYS = ("encoder", "model")


def expected(config: dict) -> dict[str, list[str]]:
    """What every result file of a config must cover, by where it names it: the evaluation languages
    (``language``), their pairs with the source in the join group (``pair``), and the languages of the
    per-language gradients, the source first (``lang_a``)."""
    languages, source = list(config["evaluation"]["languages"]), config["finetune"]["source"]
    return {
        "language": languages,
        "pair": [join_pair(lang, source) for lang in languages if lang != source],
        "lang_a": [source, *languages],
    }


@dataclass(frozen=True)
class Kind:
    """A kind of result file: the keys that name its run (one value each per file), the columns that
    must hold a number in every row, and where its evaluation languages are (a column, in which rows)."""

    keys: tuple
    values: tuple
    languages: str | None = None
    rows: Callable[[pd.DataFrame], pd.Series] | None = field(default=None, compare=False)
    once: bool = False  # each language exactly once (a run's summary), or at least once (per-item rows)
    scored: str | None = None  # its task's metric's columns too (core.metrics): "score" or "statistics"

    def columns(self, frame: pd.DataFrame) -> tuple:
        """The columns that must hold a number: ``values``, and the metric's of the file's task."""
        if not self.scored or "task" not in frame or frame.empty or frame["task"].iloc[0] not in TASKS:
            return self.values
        metric = METRICS[TASKS[frame["task"].iloc[0]].metric]
        return (*self.values, *((metric.name,) if self.scored == "score" else metric.statistics))


def _join_rows(frame: pd.DataFrame) -> pd.Series:
    rows = frame["group"] == JOIN_GROUP
    return rows & (frame["level"] == "sentence") if "level" in frame else rows


KINDS = {
    "zeroshot": Kind(RUN_KEYS, ("n",), "language", once=True, scored="score"),
    "items": Kind(RUN_KEYS, ("item",), "language", scored="statistics"),
    "retrieval": Kind(MODEL_KEYS, ("k", "recall"), "pair", _join_rows),
    "similarity": Kind(MODEL_KEYS, ("layer", "cosine", "gap"), "pair", _join_rows),
    "sib_items": Kind(MODEL_KEYS, ("item", "retrieved"), "language"),
    "gradients": Kind(MODEL_KEYS, ("task", "seed", "batch", "cosine", "task_norm", "alignment_norm")),
    "gradient_languages": Kind(MODEL_KEYS, ("task", "seed", "cosine"), "lang_a"),
}


def rebuild_hint(path) -> str:
    """The command that rebuilds ``path``: snakemake forces the rule output that holds it (a checkpoint's
    folder for a file in it, a fine-tuning run's seed folder for its model)."""
    from align_transfer.core.layout import output_of

    return f"it is damaged or stale: rebuild it with `snakemake --force {output_of(path)}` (and your usual options)"


def check(frame: pd.DataFrame, path, kind: str, languages=()) -> pd.DataFrame:
    """``frame`` (read from ``path``) if it is a complete file of ``kind``; else an InputError naming the file."""
    spec = KINDS[kind]
    values = spec.columns(frame)
    missing = [column for column in (*spec.keys, *values, spec.languages) if column and column not in frame]
    if missing:
        raise InputError(path, f"lacks the column(s) {', '.join(missing)} of a {kind} file; {rebuild_hint(path)}")
    if frame.empty:
        raise InputError(path, f"has a header and no rows; {rebuild_hint(path)}")
    for key in spec.keys:
        if frame[key].nunique(dropna=False) != 1:
            raise InputError(path, f"holds rows of {frame[key].nunique(dropna=False)} values of `{key}`, not one run's")
    empty = frame[list(values)].isna()
    if empty.any(axis=None):
        row = int(empty.any(axis=1).to_numpy().argmax())
        column = empty.columns[empty.iloc[row].to_numpy().argmax()]
        raise InputError(path, f"has no number in column `{column}`; {rebuild_hint(path)}", line=row + 2)
    if spec.languages and languages:
        present = Counter(frame.loc[spec.rows(frame), spec.languages] if spec.rows else frame[spec.languages])
        lacking = [language for language in languages if language not in present]
        if lacking:
            raise InputError(
                path,
                f"has no rows for {', '.join(map(str, lacking))} (every run has each of "
                f"{', '.join(map(str, languages))}); {rebuild_hint(path)}",
            )
        twice = [language for language, count in present.items() if spec.once and count > 1]
        if twice:
            raise InputError(path, f"has {', '.join(map(str, twice))} more than once; {rebuild_hint(path)}")
    return frame


def read_result(path, kind: str, languages=()) -> pd.DataFrame:
    """One result file of ``kind`` (``KINDS``), checked: ``languages`` are those it must cover."""
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise InputError(path, f"is empty; {rebuild_hint(path)}") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(path, f"is not a readable CSV ({error}); {rebuild_hint(path)}") from None
    return check(frame, path, kind, languages)


def read_results(paths, kind: str, covers: dict | None = None) -> pd.DataFrame:
    """Every file of ``paths`` (each read and checked by ``read_result``) in one frame; with ``covers`` (a
    config's ``expected``), each must cover what that config evaluates."""
    languages = covers[KINDS[kind].languages] if covers and KINDS[kind].languages else ()
    return pd.concat([read_result(path, kind, languages) for path in paths], ignore_index=True)


def delta_from_base(frame: pd.DataFrame, keys: list[str], values) -> pd.DataFrame:
    """The aligned models' rows of ``frame`` with, for each column of ``values``, ``base_{value}`` (the base
    encoder's mean over its rows with the same ``keys``: its seeds, where there are several) and
    ``delta_{value}`` (the row's value minus that). Every Δ from base of the tables and claims is this."""
    values = [values] if isinstance(values, str) else list(values)
    base = frame[frame["model"] == BASE].groupby(keys)[values].mean().add_prefix("base_")
    aligned = frame[frame["model"] != BASE].join(base, on=keys)
    for value in values:
        aligned[f"delta_{value}"] = aligned[value] - aligned[f"base_{value}"]
    return aligned


def task_scores(frame: pd.DataFrame, prefix: str = "") -> pd.Series:
    """Each row's score by its task's metric (``core.metrics``): its column ``{prefix}{metric}`` (``accuracy``,
    ``delta_f1``, ...), read row by row, so that tasks scored differently sit in one frame."""
    scores = pd.Series(float("nan"), index=frame.index, dtype="float64")
    for task, rows in frame.groupby("task", sort=False).groups.items():
        scores[rows] = frame.loc[rows, f"{prefix}{METRICS[TASKS[task].metric].name}"]
    return scores


def keyed(rows: list[dict], **keys) -> pd.DataFrame:
    """Rows with the keys of the run they belong to as their first columns."""
    return pd.DataFrame([keys | row for row in rows], columns=[*keys, *(rows[0] if rows else {})])


def write_frame(path, frame: pd.DataFrame) -> None:
    """A tidy CSV, atomically: floats without negative zeros (-0.0 + 0.0 is 0.0), integers as integers."""
    floats = frame.select_dtypes("float").columns
    frame = frame.assign(**{column: frame[column] + 0.0 for column in floats})
    with atomic_open(path, newline="") as out:
        frame.to_csv(out, index=False)
