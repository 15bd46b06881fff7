"""Table 1's arithmetic on a hand-made frame, and Tables 4-6 from the config."""

import pandas as pd
import pytest
import yaml
from conftest import REPO

from align_transfer.tables.document import markdown
from align_transfer.tables.tables import (
    colour,
    delta_layout,
    figure1_data,
    gain_colour,
    hyperparameter_tables,
    retrieval_table,
    table1,
    table1_layout,
    table2,
    table3,
    table3_layout,
)


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
    assert colour(0.02, float("nan"), n=1) == "black"  # one seed: no std, no colour
    assert colour(-0.0004, 0.0001) == "black"  # prints as -0.000 (0.000): no colour


def test_table1_by_hand(frame):
    table = table1(frame, step=6000).set_index(["pair", "losses"])
    base = table.loc[("base", "")]
    assert base["mean"] == pytest.approx(0.75) and base["std"] == pytest.approx(0.0) and base["n"] == 2
    black = table.loc[("de-en", "S1W0M0")]
    assert black["mean"] == pytest.approx(0.025) and black["std"] == pytest.approx(0.05 / 2**0.5)
    assert black["colour"] == "black" and black["n"] == 2
    red = table.loc[("de-en", "S0W1M0")]
    assert (
        red["mean"] == pytest.approx(-0.145) and red["std"] == pytest.approx(0.01 / 2**0.5) and red["colour"] == "red"
    )
    green = table.loc[("en-kk", "S1W0M0")]
    assert green["mean"] == pytest.approx(0.055) and green["colour"] == "green"
    assert len(table) == 4  # the 3000-step encoder is not in Table 1


def test_table1_markdown_has_the_paper_layout(frame):
    text = markdown(table1_layout(table1(frame, step=6000), ["S0W1M0", "S1W0M0"]))
    assert "### POS Tagging" in text and "**Full Model Fine-tuning**" in text
    assert "| XLM-R_base | 0.750 | 0.750 |" in text
    assert "| XLM-R_de-en | -0.145 ± 0.007 ▼ | 0.025 ± 0.035 |" in text
    assert "| XLM-R_en-kk |  | 0.055 ± 0.007 ▲ |" in text


def test_hyperparameter_tables_are_the_papers():
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    tables = {name: dict(rows) for name, rows in hyperparameter_tables(config).items()}
    assert tables["table4"] == {
        "Learning rate": 1e-5,
        "Batch size": 16,
        "Max sequence length": 128,
        "Word negatives": 512,
        "Temperature": 0.1,
        "Number of epochs": 1,
        "Number of steps": 6000,
        "Seed": 42,
    }
    assert tables["table5"]["Backbone learning rate (full model)"] == 1e-4
    assert tables["table5"]["Classifier learning rate (full model)"] == 1e-3
    assert tables["table5"]["Learning rate (linear layer only)"] == 5e-3
    assert tables["table5"]["Weight decay"] == 0.01 and tables["table5"]["Seeds"] == "15, 33, 42"
    assert tables["table6"]["Learning rate (full model)"] == 2e-5
    assert tables["table6"]["Learning rate (linear layer only)"] == 3e-3
    assert tables["table6"]["Number of epochs"] == 15 and tables["table6"]["Max sequence length"] == 256


def test_gain_colour_rule_of_tables_2_7_8():
    assert gain_colour(-0.01, 0.005) == "red"
    assert gain_colour(0.005, 0.001) == "blue" and gain_colour(0.0051, 0.001) == "green"
    assert gain_colour(0.01, 0.001) == "green" and gain_colour(0.0101, 0.001) == "dark green"
    assert (
        gain_colour(-0.001, 0.005) == "black" and gain_colour(-0.38, 0.46) == "black"
    )  # a loss within one std: plain, not a gain
    assert gain_colour(-2.8e-17, 0.0) == "black"  # prints as 0.0000: no "0.0000 ▼"
    assert gain_colour(0.05, float("nan"), n=1) == "black"  # one aligned model: no std, no colour


def test_the_markers_of_tables_2_7_8_follow_the_colours():
    rows = []
    for model, cosine in (
        ("base", 0.5),
        ("de-en_S1W0M0_6000", 0.5 - 2.8e-17),
        ("ja-kk_S1W0M0_6000", 0.5 - 2.8e-17),
        ("de-en_S0W1M0_6000", 0.44527),
        ("ja-kk_S0W1M0_6000", -0.20527),
        ("de-en_S1W1M1_6000", 0.503),
        ("ja-kk_S1W1M1_6000", 0.5034),
    ):
        rows.append(
            {"model": model, "level": "sentence", "group": "G", "pair": "deu-eng", "layer": 8, "cosine": cosine}
        )
    text = markdown(delta_layout(table2(pd.DataFrame(rows), 8), ["S1W0M0", "S0W1M0", "S1W1M1"], "Table 2."))
    # -2.8e-17 prints as 0.0000 with no marker; -0.38 ± 0.46 is plain; +0.0032 ± 0.0002 is a small (blue) gain
    assert "| deu-eng | 0.0000 ± 0.0000 | -0.3800 ± 0.4600 | 0.0032 ± 0.0003 · |" in text


@pytest.fixture
def retrieval():
    """R@1 rows of base and two aligned pairs for one loss code; directions differ."""
    rows = []
    recalls = {"base": (0.5, 0.7), "de-en_S1W0M0_6000": (0.6, 0.8), "en-kk_S1W0M0_6000": (0.5, 0.9)}
    for model, (forward, backward) in recalls.items():
        for direction, value in (("deu->eng", forward), ("eng->deu", backward)):
            rows.append(
                {"model": model, "group": "G1", "pair": "deu-eng", "direction": direction, "k": 1, "recall": value}
            )
            rows.append(
                {"model": model, "group": "G1", "pair": "deu-eng", "direction": direction, "k": 5, "recall": 1.0}
            )
    return pd.DataFrame(rows)


def test_retrieval_delta_by_hand(retrieval):
    table = retrieval_table(retrieval, 1)
    # both directions averaged: base 0.6, de-en 0.7 (Δ 0.1), en-kk 0.7 (Δ 0.1): mean 0.1, std 0
    row = table.iloc[0]
    assert len(table) == 1 and row["losses"] == "S1W0M0" and row["n"] == 2
    assert row["base"] == pytest.approx(0.6) and row["mean"] == pytest.approx(0.1) and row["std"] == pytest.approx(0.0)
    assert row["colour"] == "dark green"
    assert retrieval_table(retrieval, 5).iloc[0]["mean"] == pytest.approx(0.0)


def test_table2_reads_sentence_cosines_at_its_layer_and_renders_groups():
    rows = []
    for model, cosines in {
        "base": (0.90, 0.5),
        "de-en_S0W1M0_6000": (0.88, 0.9),
        "ja-kk_S0W1M0_6000": (0.86, 0.9),
    }.items():
        rows.append(
            {
                "model": model,
                "level": "sentence",
                "group": "Aligned",
                "pair": "deu-eng",
                "layer": 8,
                "cosine": cosines[0],
            }
        )
        rows.append(
            {
                "model": model,
                "level": "sentence",
                "group": "Aligned",
                "pair": "deu-eng",
                "layer": 4,
                "cosine": cosines[1],
            }
        )
        rows.append({"model": model, "level": "token", "group": "", "pair": "en-de", "layer": 8, "cosine": 0.1})
    table = table2(pd.DataFrame(rows), layer=8)
    assert len(table) == 1
    assert table.iloc[0]["mean"] == pytest.approx(-0.03) and table.iloc[0]["std"] == pytest.approx(0.02 / 2**0.5)
    assert table.iloc[0]["colour"] == "red"
    text = markdown(delta_layout(table, ["S0W1M0", "S1W1M1"], "Table 2."))
    assert "| **Group 1: Aligned** |" in text
    assert "| deu-eng | -0.0300 ± 0.0141 ▼ |  |" in text


def test_table2_gap_sits_beside_the_cosine_and_the_join_group_stays_out_of_the_paper_tables():
    from align_transfer.core.layout import JOIN_GROUP
    from align_transfer.tables.tables import table2_gap, table2_gap_layout

    rows = []
    for model, cosine, gap in (("base", 0.5, 0.20), ("de-en_S1W0M0_6000", 0.3, 0.25), ("ja-kk_S1W0M0_6000", 0.4, 0.27)):
        rows.append(
            {
                "model": model,
                "level": "sentence",
                "group": "G",
                "pair": "deu-eng",
                "layer": 8,
                "cosine": cosine,
                "gap": gap,
            }
        )
        rows.append(
            {
                "model": model,
                "level": "sentence",
                "group": JOIN_GROUP,
                "pair": "de-en",
                "layer": 8,
                "cosine": 0.0,
                "gap": 0.0,
            }
        )
    similarity = pd.DataFrame(rows)
    table = table2_gap(similarity, [8])
    assert len(table) == 1 and table.iloc[0]["pair"] == "deu-eng"
    # the space spread (cosine fell by 0.15 on average) while translations drew apart from strangers (+0.06)
    assert table.iloc[0]["delta_cosine"] == pytest.approx(-0.15) and table.iloc[0]["delta_gap"] == pytest.approx(0.06)
    assert "| deu-eng | -0.1500 / 0.0600 |" in markdown(table2_gap_layout(table, ["S1W0M0"]))
    assert len(table2(similarity, 8)) == 1  # the join group is not a Table 2 row


def test_table3_baseline_puts_the_null_cosine_beside_each_cell():
    from align_transfer.tables.tables import table3_baseline, table3_baseline_layout

    rows = [
        {
            "task": "pos",
            "model": "de-en_S1W0M1_6000",
            "seed": seed,
            "batch": batch,
            "cosine": cosine,
            "baseline_cosine": baseline,
            "task_norm": 1.0 + seed,
            "alignment_norm": 3.0,
        }
        for seed, batch, cosine, baseline in [
            (1, 0, 0.1, float("nan")),
            (1, 1, 0.3, 0.6),
            (2, 0, 0.0, float("nan")),
            (2, 1, 0.2, 0.4),
        ]
    ]
    row = table3_baseline(pd.DataFrame(rows)).iloc[0]
    assert row["cosine"] == pytest.approx(0.15) and row["baseline_cosine"] == pytest.approx(0.5)
    assert row["task_norm"] == pytest.approx(2.5) and row["seeds"] == 2
    assert "| XLM-R_de-en | 0.1500 (0.5000) |" in markdown(
        table3_baseline_layout(table3_baseline(pd.DataFrame(rows)), ["S1W0M1"])
    )


def test_table3_averages_batches_then_seeds():
    rows = [
        {"task": "pos", "model": "de-en_S1W0M1_6000", "seed": 1, "batch": 0, "cosine": 0.1},
        {"task": "pos", "model": "de-en_S1W0M1_6000", "seed": 1, "batch": 1, "cosine": 0.3},  # seed 1: 0.2
        {"task": "pos", "model": "de-en_S1W0M1_6000", "seed": 2, "batch": 0, "cosine": -0.2},
        {"task": "pos", "model": "de-en_S1W0M1_6000", "seed": 2, "batch": 1, "cosine": 0.0},  # seed 2: -0.1
        {"task": "sc", "model": "de-en_S1W0M1_6000", "seed": 1, "batch": 0, "cosine": 0.5},
    ]
    table = table3(pd.DataFrame(rows)).set_index("task")
    assert table.loc["pos", "mean"] == pytest.approx(0.05) and table.loc["pos", "std"] == pytest.approx(0.3 / 2**0.5)
    assert table.loc["pos", "seeds"] == 2 and table.loc["pos", "batches"] == 2
    text = markdown(table3_layout(table.reset_index(), ["S1W0M1"]))
    assert "| **POS Tagging** |" in text and "| XLM-R_de-en | 0.0500 |" in text and "| XLM-R_de-en | 0.5000 |" in text


def test_figure1_points_are_delta_distances_averaged_over_language_pairs():
    rows = []
    for model, variant, cosines in [
        ("base", "encoder", (0.8, 0.6)),
        ("de-en_S1W0M0_6000", "encoder", (0.9, 0.5)),  # distances 0.1, 0.5 vs base 0.2, 0.4: Δ -0.1, +0.1
        ("de-en_S1W0M0_6000", "pos_seed1", (0.7, 0.7)),  # Δ +0.1, -0.1
    ]:
        for pair, value in zip(("deu-eng", "kaz-eng"), cosines):
            rows.append(
                {
                    "model": model,
                    "variant": variant,
                    "level": "sentence",
                    "group": "G",
                    "pair": pair,
                    "layer": 8,
                    "cosine": value,
                }
            )
    points = figure1_data(pd.DataFrame(rows)).set_index("condition")
    assert points.loc["aligned", "delta_distance"] == pytest.approx(0.0)
    assert points.loc["fine-tuned", "delta_distance"] == pytest.approx(0.0)
    one_pair = figure1_data(pd.DataFrame([r for r in rows if r["pair"] == "deu-eng"])).set_index("condition")
    assert one_pair.loc["aligned", "delta_distance"] == pytest.approx(-0.1)
    assert one_pair.loc["fine-tuned", "delta_distance"] == pytest.approx(0.1)


def test_tables_print_no_negative_zero_no_nan_spread_and_integers_as_integers(tmp_path):
    from align_transfer.core.results import write_frame
    from align_transfer.tables.tables import number, spread, write_hyperparameter_tables

    assert number(-0.00004, 4) == "0.0000" and number(-0.00006, 4) == "-0.0001" and number(0.5, 3) == "0.500"
    assert spread(0.1234, float("nan"), 1, 3) == "0.123 (n=1)" and spread(-0.00001, 0.02, 2, 3) == "0.000 ± 0.020"
    write_frame(tmp_path / "t.csv", pd.DataFrame({"mean": [-0.0, 0.25], "n": [1, 2]}))
    assert (tmp_path / "t.csv").read_text() == "mean,n\n0.0,1\n0.25,2\n"
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    write_hyperparameter_tables(config, tmp_path)
    rows = dict(line.split(",", 1) for line in (tmp_path / "table4.csv").read_text().splitlines()[1:])
    assert rows["Batch size"] == "16" and rows["Number of steps"] == "6000" and rows["Learning rate"] == "1e-05"


def test_table1_with_one_seed_shows_n_instead_of_a_nan_spread(frame):
    one_seed = frame[frame["seed"] == 1]
    text = markdown(table1_layout(table1(one_seed, step=6000), ["S0W1M0", "S1W0M0"], "MiniXLM-R"))
    assert "nan" not in text and "(n=1)" in text and "| MiniXLM-R_de-en |" in text
