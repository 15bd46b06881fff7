"""Table 1's arithmetic on a hand-made frame, and Tables 4-6 from the config."""

import pandas as pd
import pytest
import yaml

from align_transfer.tables import colour, hyperparameter_tables, parse_model, table1, table1_markdown
from conftest import REPO


def runs(model, seed_scores, task="pos", mode="full"):
    """Rows of a run per seed: {seed: {language: accuracy}}."""
    return [
        {"model": model, "task": task, "mode": mode, "seed": seed, "language": lang, "n": 100, "accuracy": acc}
        for seed, scores in seed_scores.items()
        for lang, acc in scores.items()
    ]


@pytest.fixture
def frame():
    rows = runs("base", {1: {"de": 0.70, "fr": 0.80}, 2: {"de": 0.72, "fr": 0.78}})  # 0.75 both seeds
    rows += runs("de-en_S1W0M0_6000", {1: {"de": 0.80, "fr": 0.80}, 2: {"de": 0.76, "fr": 0.74}})  # Δ 0.05, 0.00
    rows += runs("de-en_S0W1M0_6000", {1: {"de": 0.60, "fr": 0.60}, 2: {"de": 0.62, "fr": 0.60}})  # Δ -0.15, -0.14
    rows += runs("en-kk_S1W0M0_6000", {1: {"de": 0.80, "fr": 0.82}, 2: {"de": 0.80, "fr": 0.80}})  # Δ 0.06, 0.05
    rows += runs("en-kk_S1W0M0_3000", {1: {"de": 0.1, "fr": 0.1}, 2: {"de": 0.1, "fr": 0.1}})  # another step
    return pd.DataFrame(rows)


def test_colour_rule():
    assert colour(-0.02, 0.01) == "red" and colour(0.02, 0.01) == "green"
    assert colour(0.01, 0.02) == "black" and colour(-0.01, 0.02) == "black"


def test_table1_by_hand(frame):
    table = table1(frame, step=6000).set_index(["pair", "losses"])
    base = table.loc[("base", "")]
    assert base["mean"] == pytest.approx(0.75) and base["std"] == pytest.approx(0.0) and base["n"] == 2
    black = table.loc[("de-en", "S1W0M0")]
    assert black["mean"] == pytest.approx(0.025) and black["std"] == pytest.approx(0.05 / 2**0.5)
    assert black["colour"] == "black" and black["n"] == 2
    red = table.loc[("de-en", "S0W1M0")]
    assert red["mean"] == pytest.approx(-0.145) and red["std"] == pytest.approx(0.01 / 2**0.5) and red["colour"] == "red"
    green = table.loc[("en-kk", "S1W0M0")]
    assert green["mean"] == pytest.approx(0.055) and green["colour"] == "green"
    assert len(table) == 4  # the 3000-step encoder is not in Table 1


def test_table1_markdown_has_the_paper_layout(frame):
    markdown = table1_markdown(table1(frame, step=6000), ["S0W1M0", "S1W0M0"])
    assert "### POS Tagging" in markdown and "**Full Model Fine-tuning**" in markdown
    assert "| XLM-R_base | 0.750 | 0.750 |" in markdown
    assert "| XLM-R_de-en | -0.145 ± 0.007 ▼ | 0.025 ± 0.035 |" in markdown
    assert "| XLM-R_en-kk |  | 0.055 ± 0.007 ▲ |" in markdown


def test_model_names():
    assert parse_model("kk-ko_S0W1M1_3000") == {"pair": "kk-ko", "losses": "S0W1M1", "step": 3000}
    with pytest.raises(ValueError):
        parse_model("kk-ko_S0W1M1")


def test_hyperparameter_tables_are_the_papers():
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    tables = {name: dict(rows) for name, rows in hyperparameter_tables(config).items()}
    assert tables["table4"] == {
        "Learning rate": 1e-5, "Batch size": 16, "Max sequence length": 128, "Word negatives": 512,
        "Temperature": 0.1, "Number of epochs": 1, "Number of steps": 6000, "Seed": 42,
    }  # fmt: skip
    assert tables["table5"]["Backbone learning rate (full model)"] == 1e-4
    assert tables["table5"]["Classifier learning rate (full model)"] == 1e-3
    assert tables["table5"]["Learning rate (linear layer only)"] == 5e-3
    assert tables["table5"]["Weight decay"] == 0.01 and tables["table5"]["Seeds"] == "15, 33, 42"
    assert tables["table6"]["Learning rate (full model)"] == 2e-5
    assert tables["table6"]["Learning rate (linear layer only)"] == 3e-3
    assert tables["table6"]["Number of epochs"] == 15 and tables["table6"]["Max sequence length"] == 256
