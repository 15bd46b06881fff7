"""The paper's numbers as data (workflow/data/paper_numbers.csv, paper_hyperparameters.csv), read a second
time from ../shared/paper/paper.md in another way than tools/transcribe_paper.py reads them: every number of
each cited line, in order, by a regular expression over the raw text."""

import re

import pandas as pd
import pytest
from conftest import REPO

PAPER = REPO.parent / "shared/paper/paper.md"
NUMBERS = pd.read_csv(REPO / "workflow/data/paper_numbers.csv")
HYPERPARAMETERS = pd.read_csv(REPO / "workflow/data/paper_hyperparameters.csv")
needs_paper = pytest.mark.skipif(not PAPER.exists(), reason="../shared/paper/paper.md is absent")


def test_the_data_file_has_every_cell_of_the_papers_tables():
    counts = NUMBERS.groupby("table").size().to_dict()
    # Table 1: 2 tasks x 2 modes x (4 aligned encoders x 7 codes + the base); Table 3: 2 tasks x 4 x 7;
    # Tables 2, 7, 8: 26 language pairs x 7 codes
    assert counts == {
        "table1": 4 * (4 * 7 + 1),
        "table2": 26 * 7,
        "table3": 2 * 4 * 7,
        "table7": 26 * 7,
        "table8": 26 * 7,
    }
    assert (
        NUMBERS[NUMBERS["table"].isin(["table1", "table2", "table7", "table8"]) & NUMBERS["losses"].notna()]["std"]
        .notna()
        .all()
    )
    keys = ["table", "task", "mode", "group", "pair", "losses"]
    assert not NUMBERS.duplicated(keys).any()


@needs_paper
def test_every_number_matches_a_second_reading_of_its_line():
    lines = PAPER.read_text(encoding="utf-8").splitlines()
    disagreements = []
    for line, rows in NUMBERS.groupby("line"):
        found = [float(x) for x in re.findall(r"-?\d+\.\d+", lines[line - 1])]
        if rows["losses"].isna().all():  # a base row: its score, once per loss code
            expected = [rows["value"].iloc[0]] * 7
        else:
            expected = [x for value, std in zip(rows["value"], rows["std"]) for x in (value, std) if not pd.isna(x)]
        if found != expected:
            disagreements.append((line, found, expected))
    assert disagreements == []


@needs_paper
def test_no_line_of_a_table_is_left_out():
    lines = PAPER.read_text(encoding="utf-8").splitlines()
    numeric = {n for n, text in enumerate(lines, 1) if re.match(r"(XLM-R|[a-z]{3}-[a-z]{3})\s?\S*\t-?\d", text)}
    assert numeric == set(NUMBERS["line"])


@needs_paper
def test_the_hyperparameters_match_their_lines():
    lines = PAPER.read_text(encoding="utf-8").splitlines()
    for row in HYPERPARAMETERS.itertuples():
        parameter, text = lines[row.line - 1].split("\t")
        assert (parameter, text) == (row.parameter, row.text)
        if parameter == "Seeds":
            assert row.value == "15, 33, 42"
        else:  # "$1e - 5$", "$\\approx 6,000$", "16": the number itself
            assert float(row.value) == float(re.sub(r"[$ ,]|\\approx", "", text)), row


@needs_paper
def test_the_paper_s_grid_is_read_from_its_lines():
    """Each setting of workflow/data/paper_grid.csv stands on its cited line; the lists, read a second way (every
    code-like word of the line, in order), are the data file's."""
    grid = pd.read_csv(REPO / "workflow/data/paper_grid.csv").set_index("setting")
    lines = PAPER.read_text(encoding="utf-8").splitlines()
    for setting, row in grid.iterrows():
        assert row["text"] in lines[row["line"] - 1], setting
    assert (
        ", ".join(re.findall(r"\b[a-z]{2}-[a-z]{2}\b", lines[grid.loc["pairs", "line"] - 1]))
        == grid.loc["pairs", "value"]
    )
    languages = lines[grid.loc["evaluation languages", "line"] - 1].split("\\text{")[-1]
    assert ", ".join(re.findall(r"\b[a-z]{2}\b", languages)) == grid.loc["evaluation languages", "value"]
    steps = re.findall(r"(\d),(\d{3}) \((?:INTERMEDIATE|FINAL)\)", lines[grid.loc["checkpoint steps", "line"] - 1])
    assert ", ".join(a + b for a, b in steps) == grid.loc["checkpoint steps", "value"]
