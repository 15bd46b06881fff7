"""The scorecard against the paper on constructed tables whose agreement is known by hand."""

import math

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from align_transfer.claims.scorecard import compare, grid, hyperparameters, run_cells, scorecard_layout, summary
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
    # Table 1's Δ: 0.01 within [0.005, 0.03], both positive; its base score is a row of its own (0.70 against
    # 0.72 ± 0.01: outside), with the other kind of interval
    assert table.loc["table1", ["paper_cells", "matched", "with_interval", "within_interval"]].tolist() == [1, 1, 1, 1]
    assert table.loc["table1", "interval"] == "95% bootstrap" and table.loc["table1", "sign_agreement"] == 1.0
    assert table.loc["table1", "mean_abs_diff"] == pytest.approx(0.01)
    base = table.loc["table1_base"]
    assert [base["matched"], base["within_interval"], base["interval"]] == [1, 0, "± 1 std over seeds"]
    assert base["mean_abs_diff"] == pytest.approx(0.02) and math.isnan(table.loc["table1", "spearman"])
    # Table 2: hin-eng unmatched; signs + +, + -, + +; ranks (1, 2, 3) against (2, 1, 3): ρ = 1 - 6 * 2 / 24
    assert table.loc["table2", ["paper_cells", "matched", "with_interval", "within_interval"]].tolist() == [4, 3, 3, 2]
    assert table.loc["table2", "sign_agreement"] == pytest.approx(2 / 3) and table.loc["table2", "sign_unknown"] == 0
    assert table.loc["table2", "spearman"] == pytest.approx(0.5)
    assert table.loc["table2", "mean_abs_diff"] == pytest.approx((0.001 + 0.02 + 0.01) / 3)
    # Table 3: one seed, so no interval; Tables 7 and 8: nothing in the paper's file here
    assert table.loc["table3", ["matched", "with_interval", "within_interval"]].tolist() == [1, 0, 0]
    assert table.loc["table7", "paper_cells"] == 0
    unmatched = cells[cells["pair"] == "hin-eng"].iloc[0]
    assert math.isnan(unmatched["run"]) and math.isnan(unmatched["within"])


def test_a_value_the_paper_prints_as_zero_has_no_sign():
    paper = PAPER.copy()
    paper.loc[paper["pair"] == "kaz-eng", "value"] = -0.0  # "-0.000" in the paper
    cells = compare(paper, run_cells(RUN))
    table = summary(cells).set_index("table")
    assert table.loc["table2", "sign_unknown"] == 1 and table.loc["table2", "sign_agreement"] == 1.0  # 2 of 2
    assert pd.isna(cells[cells["pair"] == "kaz-eng"].iloc[0]["same_sign"])
    text = markdown(scorecard_layout(table.reset_index(), hyperparameters(PAPER_HYPER, {}), mini_world=False))
    assert "100% (1 printed as zero: sign unknown)" in text


PAPER_HYPER = pd.DataFrame(
    {
        "table": ["table4", "table5"],
        "parameter": ["Learning rate", "Seeds"],
        "value": ["1e-05", "15, 33, 42"],
        "text": ["$1e - 5$", "15, 33, 42"],
        "line": [396, 415],
    }
)
PAPER_GRID = pd.DataFrame(
    {
        "setting": ["encoder", "pairs", "evaluation languages", "test items per language"],
        "value": ["FacebookAI/xlm-roberta-base", "de-en, en-kk, ja-kk, kk-ko", "de, es, fa", "all"],
        "text": ["", "", "", ""],
        "line": [95, 99, 185, 181],
    }
)


def test_every_departure_from_the_paper_is_named():
    run = {"table4": [("Learning rate", 1.0e-4)], "table5": [("Seeds", "15, 33, 42")]}
    compared = hyperparameters(PAPER_HYPER, run)
    assert compared["same"].tolist() == [False, True]
    ours = {
        "encoder": "the folder ../stand-in",
        "pairs": "en-kk, de-en",
        "evaluation languages": "es, de, fa",
        "test items per language": "64",
    }
    departures = pd.concat([grid(PAPER_GRID, ours), compared], ignore_index=True)
    assert departures["same"].tolist() == [False, False, True, False, False, True]  # lists compare as sets
    text = markdown(scorecard_layout(summary(compare(PAPER, run_cells(RUN))), departures, mini_world=True))
    assert "| Table 4 | Learning rate | 1e - 5 | 0.0001 |" in text and "Seeds" not in text
    assert "| the grid | encoder | FacebookAI/xlm-roberta-base | the folder ../stand-in |" in text
    assert "| the grid | pairs | de-en, en-kk, ja-kk, kk-ko | en-kk, de-en |" in text
    assert "| the grid | test items per language | all | 64 |" in text and "evaluation languages" not in text
    assert (
        "| Table 2: Δ cosine of translations | 3 of 4 | 67% | 0.50 | 0.0103 | ± 1 std over aligned models | 2 of 3 |"
        in text
    )
    assert "cannot match the paper's" in text


def test_the_grid_values_of_a_config():
    from align_transfer.core.config import load_config
    from align_transfer.core.settings import grid_values

    config = load_config([REPO / "config/config.yaml"])
    values = grid_values(config, config["encoders"][0])
    paper = pd.read_csv(REPO / "workflow/data/paper_grid.csv")
    assert grid(paper, values)["same"].all(), grid(paper, values)  # the paper's config is the paper's grid
