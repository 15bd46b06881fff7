"""Against the paper: this run's tables cell by cell beside the paper's published numbers
(workflow/data/paper_numbers.csv), and the hyper-parameters where they differ (paper_hyperparameters.csv).

Per table: the paper's cells, how many this run has (matched by the table's keys), how often the signs
agree, Spearman's ρ between the two, the mean absolute difference, and in how many matched cells the paper's
value lies within this run's interval. The interval of a cell is the one this run's tables give it: for
Table 1's Δs the 95% paired bootstrap interval of its significance table, elsewhere the mean ± one std
(over seeds for Table 1's base scores and Table 3, over the aligned models for Tables 2, 7 and 8); a cell of
one seed or one aligned model has none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from align_transfer.tables.captions import caption
from align_transfer.tables.document import Heading, Table
from align_transfer.tables.tables import number

#: What identifies a cell of each table, in the paper's data file and in this run's tables.
KEYS = {
    "table1": ["task", "mode", "pair", "losses"],
    "table2": ["pair", "losses"],
    "table3": ["task", "pair", "losses"],
    "table7": ["pair", "losses"],
    "table8": ["pair", "losses"],
}
TITLES = {
    "table1": "Table 1: Δ zero-shot accuracy (and the base scores)",
    "table2": "Table 2: Δ cosine of translations",
    "table3": "Table 3: task vs alignment gradient cosine",
    "table7": "Table 7: Δ R@5",
    "table8": "Table 8: Δ R@10",
}


def spread_interval(frame: pd.DataFrame, mean: str = "mean", std: str = "std") -> pd.DataFrame:
    return frame.assign(run=frame[mean], low=frame[mean] - frame[std], high=frame[mean] + frame[std], interval="± std")


def run_cells(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """This run's cells, keyed as the paper's, each with its value and interval, from its tables (``table1``,
    ``table1_significance``, ``table2``, ``table3``, ``table7``, ``table8``; those the grid has)."""
    cells = []
    if "table1" in tables:
        table1 = tables["table1"].assign(losses=lambda f: f["losses"].replace("", np.nan))
        base = spread_interval(table1[table1["pair"] == "base"])
        aligned = table1[table1["pair"] != "base"].assign(run=lambda f: f["mean"])
        if "table1_significance" in tables:
            significance = tables["table1_significance"][KEYS["table1"] + ["low", "high"]]
            aligned = aligned.merge(significance, on=KEYS["table1"], how="left").assign(interval="95% bootstrap")
        cells.append(pd.concat([base, aligned]).assign(table="table1"))
    for name in ("table2", "table7", "table8"):
        if name in tables:
            cells.append(spread_interval(tables[name]).assign(table=name))
    if "table3" in tables:
        cells.append(spread_interval(tables["table3"].rename(columns={"aligned_pair": "pair"})).assign(table="table3"))
    columns = ["table", "task", "mode", "pair", "losses", "run", "low", "high", "interval"]
    return pd.concat(cells, ignore_index=True).reindex(columns=columns) if cells else pd.DataFrame(columns=columns)


def compare(paper: pd.DataFrame, run: pd.DataFrame) -> pd.DataFrame:
    """Every cell of the paper's tables with this run's value and interval where the run has the cell."""
    rows = []
    for name, keys in KEYS.items():
        published = paper[paper["table"] == name]
        ours = run[run["table"] == name]
        merged = published.merge(ours[keys + ["run", "low", "high", "interval"]], on=keys, how="left")
        rows.append(merged.assign(table=name))
    cells = pd.concat(rows, ignore_index=True).rename(columns={"value": "paper", "std": "paper_std"})
    matched, bounded = cells["run"].notna(), cells["low"].notna() & cells["high"].notna()
    within = (cells["low"] <= cells["paper"]) & (cells["paper"] <= cells["high"])
    cells["within"] = within.astype(object).where(matched & bounded)  # empty where there is no interval
    cells["same_sign"] = (np.sign(cells["paper"]) == np.sign(cells["run"])).astype(object).where(matched)
    return cells


def summary(cells: pd.DataFrame) -> pd.DataFrame:
    """Per table: cells in the paper, cells matched, sign agreement, Spearman's ρ, mean absolute difference,
    and how many matched cells with an interval hold the paper's value."""
    rows = []
    for name in KEYS:
        block = cells[cells["table"] == name]
        matched = block[block["run"].notna()]
        rho = np.nan
        if len(matched) >= 3 and matched["paper"].nunique() > 1 and matched["run"].nunique() > 1:
            rho = float(scipy_stats.spearmanr(matched["paper"], matched["run"]).statistic)
        with_interval = matched[matched["low"].notna()]
        rows.append(
            {
                "table": name,
                "paper_cells": len(block),
                "matched": len(matched),
                "sign_agreement": float(matched["same_sign"].astype(float).mean()) if len(matched) else np.nan,
                "spearman": rho,
                "mean_abs_diff": float((matched["paper"] - matched["run"]).abs().mean()) if len(matched) else np.nan,
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


def scorecard_layout(table: pd.DataFrame, hyper: pd.DataFrame, mini_world: bool) -> list:
    """The scorecard: a row per table, then the hyper-parameters that differ from the paper's."""
    grid = Table(
        [
            "Table",
            "Cells matched",
            "Same sign",
            "Spearman ρ",
            "Mean abs. difference",
            "Paper's value within this run's interval",
        ]
    )
    for row in table.itertuples():
        share = f"{row.within_interval} of {row.with_interval}" if row.with_interval else "no intervals"
        sign = "" if pd.isna(row.sign_agreement) else f"{row.sign_agreement:.0%}"
        rho = "" if pd.isna(row.spearman) else number(row.spearman, 2)
        grid.rows.append(
            [
                TITLES[row.table],
                f"{row.matched} of {row.paper_cells}",
                sign,
                rho,
                "" if pd.isna(row.mean_abs_diff) else number(row.mean_abs_diff, 4),
                share,
            ]
        )
    blocks = [grid, ""]
    differ = hyper[~hyper["same"]]
    if len(differ):
        blocks += [
            Heading("Hyper-parameters that differ from the paper's"),
            Table(
                ["Table", "Parameter", "The paper", "This run"],
                [
                    [row.table.replace("table", "Table "), row.parameter, row.paper, str(row.run)]
                    for row in differ.itertuples()
                ],
            ),
            "",
        ]
    else:
        blocks += ["Every hyper-parameter of Tables 4-6 is the paper's.", ""]
    blocks.append(caption("scorecard"))
    if mini_world:
        blocks += ["", caption("scorecard, mini world")]
    return blocks
