"""The scorecard against the paper on constructed tables whose agreement is known by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from align_transfer.claims.scorecard import compare, hyperparameters, run_cells, scorecard_layout, summary
from align_transfer.tables.document import markdown

NAN = np.nan
PAPER = pd.DataFrame(
    [
        ("table1", "pos", "full", NAN, "base", NAN, 0.70, NAN, 116),
        ("table1", "pos", "full", NAN, "de-en", "S1W0M0", 0.01, 0.005, 117),
        ("table2", NAN, NAN, "G1", "deu-eng", "S1W0M0", 0.005, 0.001, 213),
        ("table2", NAN, NAN, "G1", "kaz-eng", "S1W0M0", 0.01, 0.002, 214),
        ("table2", NAN, NAN, "G1", "jpn-eng", "S1W0M0", 0.02, 0.002, 216),
        ("table2", NAN, NAN, "G3", "hin-eng", "S1W0M0", 0.01, 0.002, 219),
        ("table3", "pos", NAN, NAN, "de-en", "S1W0M0", -0.02, NAN, 281),
    ],
    columns=["table", "task", "mode", "group", "pair", "losses", "value", "std", "line"],
)

RUN = {
    "table1": pd.DataFrame(
        {
            "pair": ["base", "de-en"],
            "losses": [NAN, "S1W0M0"],
            "task": "pos",
            "mode": "full",
            "mean": [0.72, 0.02],
            "std": [0.01, 0.004],
            "n": 3,
            "colour": [NAN, "green"],
        }
    ),
    "table1_significance": pd.DataFrame(
        {
            "pair": ["de-en"],
            "losses": ["S1W0M0"],
            "task": "pos",
            "mode": "full",
            "delta": [0.02],
            "low": [0.005],
            "high": [0.03],
        }
    ),
    "table2": pd.DataFrame(
        {
            "group": "Mine",
            "pair": ["deu-eng", "kaz-eng", "jpn-eng"],
            "losses": "S1W0M0",
            "mean": [0.004, -0.01, 0.03],
            "std": [0.002, 0.001, 0.02],
            "n": 2,
        }
    ),
    "table3": pd.DataFrame(
        {
            "task": ["pos"],
            "aligned_pair": ["de-en"],
            "losses": ["S1W0M0"],
            "mean": [-0.01],
            "std": [NAN],
            "seeds": [1],
            "batches": [2],
        }
    ),
}


def test_the_scorecard_counts_what_a_hand_count_gives():
    cells = compare(PAPER, run_cells(RUN))
    table = summary(cells).set_index("table")
    # Table 1: the base (0.70 against 0.72 ± 0.01: outside) and one Δ (0.01 within [0.005, 0.03]); both positive
    assert table.loc["table1", ["paper_cells", "matched", "with_interval", "within_interval"]].tolist() == [2, 2, 2, 1]
    assert table.loc["table1", "sign_agreement"] == 1.0 and math.isnan(table.loc["table1", "spearman"])  # 2 cells: no ρ
    assert table.loc["table1", "mean_abs_diff"] == pytest.approx((0.02 + 0.01) / 2)
    # Table 2: hin-eng unmatched; signs + +, + -, + +; ranks (1, 2, 3) against (2, 1, 3): ρ = 1 - 6 * 2 / 24
    assert table.loc["table2", ["paper_cells", "matched", "with_interval", "within_interval"]].tolist() == [4, 3, 3, 2]
    assert table.loc["table2", "sign_agreement"] == pytest.approx(2 / 3)
    assert table.loc["table2", "spearman"] == pytest.approx(0.5)
    assert table.loc["table2", "mean_abs_diff"] == pytest.approx((0.001 + 0.02 + 0.01) / 3)
    # Table 3: one seed, so no interval; Tables 7 and 8: nothing in the paper's file here
    assert table.loc["table3", ["matched", "with_interval", "within_interval"]].tolist() == [1, 0, 0]
    assert table.loc["table7", "paper_cells"] == 0
    unmatched = cells[cells["pair"] == "hin-eng"].iloc[0]
    assert math.isnan(unmatched["run"]) and math.isnan(unmatched["within"])


def test_hyperparameters_that_differ_are_named():
    paper = pd.DataFrame(
        {
            "table": ["table4", "table5"],
            "parameter": ["Learning rate", "Seeds"],
            "value": ["1e-05", "15, 33, 42"],
            "text": ["$1e - 5$", "15, 33, 42"],
            "line": [396, 415],
        }
    )
    run = {"table4": [("Learning rate", 1.0e-4)], "table5": [("Seeds", "15, 33, 42")]}
    compared = hyperparameters(paper, run)
    assert compared["same"].tolist() == [False, True]
    text = markdown(scorecard_layout(summary(compare(PAPER, run_cells(RUN))), compared, mini_world=True))
    assert "| Table 4 | Learning rate | 1e - 5 | 0.0001 |" in text and "Seeds" not in text
    assert "| Table 2: Δ cosine of translations | 3 of 4 | 67% | 0.50 | 0.0103 | 2 of 3 |" in text
    assert "cannot match the paper's" in text
