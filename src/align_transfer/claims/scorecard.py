"""Against the paper: this run's tables cell by cell beside the paper's published numbers
(workflow/data/paper_numbers.csv), and every way this run departs from the paper's grid (paper_grid.csv) and
hyper-parameters (paper_hyperparameters.csv).

Per table: the paper's cells, how many this run has (matched by the table's keys), how often the signs agree
(a value the paper prints as zero, -0.000 or 0.0000, has no sign and is counted apart), Spearman's ρ between
the two, the mean absolute difference, and in how many matched cells the paper's value lies within this run's
interval. Each row has one kind of interval: Table 1's Δs the 95% paired bootstrap interval of its
significance table; Table 1's base scores and Table 3 the mean ± one std over seeds; Tables 2, 7 and 8 the
mean ± one std over the aligned models. A cell of one seed or one aligned model has none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from align_transfer.tables.captions import caption
from align_transfer.tables.document import Heading, Table
from align_transfer.tables.tables import number

#: What identifies a cell of each table, in the paper's data file and in this run's tables. Table 1's base
#: scores are a table of their own: they are accuracies, not Δs, and would make any Δ table look in agreement.
KEYS = {
    "table1": ["task", "mode", "pair", "losses"],
    "table1_base": ["task", "mode"],
    "table2": ["pair", "losses"],
    "table3": ["task", "pair", "losses"],
    "table7": ["pair", "losses"],
    "table8": ["pair", "losses"],
}
TITLES = {
    "table1": "Table 1: Δ zero-shot accuracy",
    "table1_base": "Table 1: the base encoder's accuracy",
    "table2": "Table 2: Δ cosine of translations",
    "table3": "Table 3: task vs alignment gradient cosine",
    "table7": "Table 7: Δ R@5",
    "table8": "Table 8: Δ R@10",
}
BOOTSTRAP, SEED_SPREAD, MODEL_SPREAD = "95% bootstrap", "± 1 std over seeds", "± 1 std over aligned models"
#: The interval each table's cells have: one kind per row of the scorecard.
INTERVALS = {
    "table1": BOOTSTRAP,
    "table1_base": SEED_SPREAD,
    "table2": MODEL_SPREAD,
    "table3": SEED_SPREAD,
    "table7": MODEL_SPREAD,
    "table8": MODEL_SPREAD,
}


def spread_interval(frame: pd.DataFrame, mean: str = "mean", std: str = "std") -> pd.DataFrame:
    return frame.assign(run=frame[mean], low=frame[mean] - frame[std], high=frame[mean] + frame[std])


def paper_tables(paper: pd.DataFrame) -> pd.DataFrame:
    """The paper's cells with Table 1's base scores as ``table1_base``."""
    base = (paper["table"] == "table1") & (paper["pair"] == "base")
    return paper.assign(table=paper["table"].where(~base, "table1_base"))


def run_cells(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """This run's cells, keyed as the paper's, each with its value and interval, from its tables (``table1``,
    ``table1_significance``, ``table2``, ``table3``, ``table7``, ``table8``; those the grid has)."""
    cells = []
    if "table1" in tables:
        table1 = tables["table1"].assign(losses=lambda f: f["losses"].replace("", np.nan))
        cells.append(spread_interval(table1[table1["pair"] == "base"]).assign(table="table1_base"))
        aligned = table1[table1["pair"] != "base"].assign(run=lambda f: f["mean"])
        if "table1_significance" in tables:
            significance = tables["table1_significance"][KEYS["table1"] + ["low", "high"]]
            aligned = aligned.merge(significance, on=KEYS["table1"], how="left")
        cells.append(aligned.assign(table="table1"))
    for name in ("table2", "table7", "table8"):
        if name in tables:
            cells.append(spread_interval(tables[name]).assign(table=name))
    if "table3" in tables:
        cells.append(spread_interval(tables["table3"].rename(columns={"aligned_pair": "pair"})).assign(table="table3"))
    columns = ["table", "task", "mode", "pair", "losses", "run", "low", "high"]
    return pd.concat(cells, ignore_index=True).reindex(columns=columns) if cells else pd.DataFrame(columns=columns)


def compare(paper: pd.DataFrame, run: pd.DataFrame) -> pd.DataFrame:
    """Every cell of the paper's tables with this run's value and interval where the run has the cell, whether
    the paper's value lies within it, and whether the signs agree (empty where the paper prints zero: its
    sign is unknown)."""
    paper = paper_tables(paper)
    rows = []
    for name, keys in KEYS.items():
        published = paper[paper["table"] == name]
        ours = run[run["table"] == name]
        merged = published.merge(ours[keys + ["run", "low", "high"]], on=keys, how="left")
        rows.append(merged.assign(table=name, interval=INTERVALS[name]))
    cells = pd.concat(rows, ignore_index=True).rename(columns={"value": "paper", "std": "paper_std"})
    matched, bounded = cells["run"].notna(), cells["low"].notna() & cells["high"].notna()
    within = (cells["low"] <= cells["paper"]) & (cells["paper"] <= cells["high"])
    cells["within"] = within.astype(object).where(matched & bounded)  # empty where there is no interval
    signed = matched & (cells["paper"] != 0)
    cells["same_sign"] = (np.sign(cells["paper"]) == np.sign(cells["run"])).astype(object).where(signed)
    return cells


def summary(cells: pd.DataFrame) -> pd.DataFrame:
    """Per table: cells in the paper, cells matched, sign agreement over the cells with a sign and how many
    have none, Spearman's ρ, mean absolute difference, and how many matched cells with an interval (of the
    table's one kind) hold the paper's value."""
    rows = []
    for name in KEYS:
        block = cells[cells["table"] == name]
        matched = block[block["run"].notna()]
        rho = np.nan
        if len(matched) >= 3 and matched["paper"].nunique() > 1 and matched["run"].nunique() > 1:
            rho = float(scipy_stats.spearmanr(matched["paper"], matched["run"]).statistic)
        signed = matched["same_sign"].dropna()
        with_interval = matched[matched["low"].notna()]
        rows.append(
            {
                "table": name,
                "paper_cells": len(block),
                "matched": len(matched),
                "sign_agreement": float(signed.astype(float).mean()) if len(signed) else np.nan,
                "sign_unknown": len(matched) - len(signed),
                "spearman": rho,
                "mean_abs_diff": float((matched["paper"] - matched["run"]).abs().mean()) if len(matched) else np.nan,
                "interval": INTERVALS[name],
                "with_interval": len(with_interval),
                "within_interval": int(with_interval["within"].astype(bool).sum()),
            }
        )
    return pd.DataFrame(rows)


def _same(paper, run) -> bool:
    try:
        return float(paper) == float(run)
    except (TypeError, ValueError):
        return str(paper).replace(" ", "") == str(run).replace(" ", "")


def hyperparameters(paper: pd.DataFrame, run: dict[str, list[tuple[str, object]]]) -> pd.DataFrame:
    """Each hyper-parameter of Tables 4-6: the paper's value, this run's, and whether they are the same."""
    ours = {(table, name): value for table, rows in run.items() for name, value in rows}
    rows = []
    for row in paper.itertuples():
        value = ours.get((row.table, row.parameter))
        rows.append(
            {
                "table": row.table,
                "parameter": row.parameter,
                "paper": row.text.replace("$", "").replace("\\approx", "≈"),
                "run": value,
                "same": _same(row.value, value),
                "line": row.line,
            }
        )
    return pd.DataFrame(rows)


def _as_set(text) -> set[str]:
    return {part.strip() for part in str(text).split(",")}


def grid(paper: pd.DataFrame, run: dict[str, str]) -> pd.DataFrame:
    """Each setting of the paper's grid (``paper_grid.csv``) beside this run's (``core.settings.grid_values``):
    lists compare as sets (the order of pairs or languages is not a departure)."""
    rows = []
    for row in paper.itertuples():
        value = run.get(row.setting, "")
        rows.append(
            {
                "table": "grid",
                "parameter": row.setting,
                "paper": row.value,
                "run": value,
                "same": _as_set(row.value) == _as_set(value),
                "line": row.line,
            }
        )
    return pd.DataFrame(rows)


def scorecard_layout(table: pd.DataFrame, departures: pd.DataFrame, mini_world: bool) -> list:
    """The scorecard: a row per table, then every setting and hyper-parameter that differs from the paper's."""
    grid_table = Table(
        [
            "Table",
            "Cells matched",
            "Same sign",
            "Spearman ρ",
            "Mean abs. difference",
            "Interval",
            "Paper's value within it",
        ]
    )
    for row in table.itertuples():
        share = f"{row.within_interval} of {row.with_interval}" if row.with_interval else "no intervals"
        sign = "" if pd.isna(row.sign_agreement) else f"{row.sign_agreement:.0%}"
        if row.sign_unknown:
            sign += f" ({row.sign_unknown} printed as zero: sign unknown)"
        rho = "" if pd.isna(row.spearman) else number(row.spearman, 2)
        grid_table.rows.append(
            [
                TITLES[row.table],
                f"{row.matched} of {row.paper_cells}",
                sign.strip(),
                rho,
                "" if pd.isna(row.mean_abs_diff) else number(row.mean_abs_diff, 4),
                row.interval,
                share,
            ]
        )
    blocks = [grid_table, ""]
    differ = departures[~departures["same"].astype(bool)]
    if len(differ):
        blocks += [
            Heading("Where this run departs from the paper"),
            Table(
                ["Of", "Setting", "The paper", "This run"],
                [
                    [
                        "the grid" if row.table == "grid" else row.table.replace("table", "Table "),
                        row.parameter,
                        row.paper,
                        str(row.run),
                    ]
                    for row in differ.itertuples()
                ],
            ),
            "",
        ]
    else:
        blocks += ["This run's grid and every hyper-parameter of Tables 4-6 are the paper's.", ""]
    blocks.append(caption("scorecard"))
    if mini_world:
        blocks += ["", caption("scorecard, mini world")]
    return blocks
