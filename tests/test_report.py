"""The report renders each table from its CSV through the layout its Markdown file has: colours are data."""

import re

import pandas as pd

from align_transfer.report.report import table_layout, write_report
from align_transfer.tables.document import Cell, Heading, Label, Section, Table, html, markdown
from align_transfer.tables.tables import write_table

LAYOUT = [
    Heading("Title"),
    Label("Mode"),
    Table(
        ["Model", "A", ""],
        [Section("Group 1"), ["x", Cell("0.1", "green"), ""], ["y", Cell("-0.2", "red"), Cell("0.0")]],
    ),
    "",
    "A note.",
]


def test_a_layout_renders_as_markdown_and_as_html_by_hand():
    assert markdown(LAYOUT) == (
        "### Title\n\n**Mode**\n\n| Model | A | |\n|---|---|---|\n| **Group 1** | | |\n| x | 0.1 ▲ |  |\n"
        "| y | -0.2 ▼ | 0.0 |\n\nA note.\n"
    )
    page = html(LAYOUT)
    assert "<h4>Title</h4>" in page and "<p><b>Mode</b></p>" in page and "<p>A note.</p>" in page
    assert '<td class="green number">0.1 ▲</td>' in page and '<td class="red number">-0.2 ▼</td>' in page
    assert '<td class="number">0.0</td>' in page and "<td>x</td>" in page
    assert '<td class="section" colspan="3"><b>Group 1</b></td>' in page


def test_a_cell_takes_its_colour_from_the_csv_not_from_its_text(tmp_path):
    rows = pd.DataFrame(
        [
            {
                "pair": "base",
                "losses": "",
                "task": "pos",
                "mode": "full",
                "mean": 0.75,
                "std": 0.01,
                "n": 3,
                "colour": "",
            },
            {
                "pair": "de-en",
                "losses": "S1W0M0",
                "task": "pos",
                "mode": "full",
                "mean": 0.02,
                "std": 0.001,
                "n": 3,
                "colour": "green",
            },
            {
                "pair": "de-en",
                "losses": "S0W1M0",
                "task": "pos",
                "mode": "full",
                "mean": 0.02,
                "std": 0.001,
                "n": 3,
                "colour": "red",
            },
        ]
    )
    csv = tmp_path / "tables" / "table1.csv"
    csv.parent.mkdir()
    context = {"losses": ["S1W0M0", "S0W1M0"], "encoder": "Mini"}
    write_table(csv, csv.with_suffix(".md"), rows, "table1", **context)
    from_csv = table_layout(csv)
    assert markdown(from_csv) == csv.with_suffix(".md").read_text()  # the report shows what the Markdown file shows
    page = html(from_csv)
    assert (
        '<td class="green number">0.020 ± 0.001 ▲</td>' in page
        and '<td class="red number">0.020 ± 0.001 ▼</td>' in page
    )


def test_the_report_page_leads_with_its_sections_and_folds_the_rest(tmp_path):
    for name, row in (("table4", ["Batch size", 16]), ("table5", ["Seeds", "15, 33, 42"])):
        frame = pd.DataFrame([row], columns=["parameter", "value"])
        write_table(tmp_path / f"{name}.csv", tmp_path / f"{name}.md", frame, "hyperparameters", name=name)
    provenance = {"encoder": "MiniXLM-R", "config digest": "abc123", "code version": "deadbee"}
    write_report(
        tmp_path / "r.html",
        {"T4": tmp_path / "table4.csv"},
        "alignment:\n  steps: 1\n",
        "Report",
        provenance,
        "Not XLM-R.",
        folded={"T5": tmp_path / "table5.csv"},
    )
    page = (tmp_path / "r.html").read_text()
    assert (
        page.index('<p class="banner">Not XLM-R.</p>') < page.index("<h2>T4</h2>") < page.index("<summary>T5</summary>")
    )
    assert (
        '<td>Batch size</td><td class="number">16</td>' in page
        and "<td>15, 33, 42</td>" not in page.split("<summary>T5")[0]
    )
    folded = page[page.index("<summary>Provenance and configuration</summary>") :]
    assert "<b>config digest</b>: abc123" in folded and "steps: 1" in folded


def test_every_caption_fills_its_fields():
    from align_transfer.tables.captions import CAPTIONS, caption

    fields = {
        "layer": 8,
        "step": 3000,
        "k": 5,
        "name": "table7",
        "label": "Table 7: R@5",
        "alpha": 0.05,
        "confidence": 95.0,
        "min_group": 10,
        "recall": 0.1,
    }
    for key in CAPTIONS:
        assert "{" not in caption(key, **fields), key
    assert caption("recall at a step", name="table7", step=3000, k=5) == "table7 at step 3000: Δ R@5."


def test_the_captions_of_snakemakes_report_are_written_from_the_tables_captions():
    from align_transfer.report.docs import REPO, report_captions

    folder = REPO / "workflow/report"
    written = {path.stem: path.read_text(encoding="utf-8") for path in folder.glob("*.rst")}
    assert written == report_captions(), "run `python -m align_transfer.report.docs captions`"
    rules = "".join(path.read_text() for path in (REPO / "workflow/rules").glob("*.smk"))
    named = set(re.findall(r'reported\((?:[^()"]|\([^()]*\))*?,\s*"(\w+)"', rules))  # every caption a rule names
    named |= set(re.findall(r'reported_table\(\s*"(\w+)"', rules))  # exists
    assert named and named <= set(written), named - set(written)


def test_a_report_older_than_a_table_it_shows_is_named_with_the_command_that_refreshes_it(tmp_path):
    import os

    from align_transfer.report.report import run_summary

    tables = tmp_path / "results/XLM-R/tables"
    tables.mkdir(parents=True)
    (tmp_path / "results/tables").mkdir()
    report = tmp_path / "results/XLM-R/report.html"
    report.write_text("<html>")
    (tables / "table3.csv").write_text("x")
    os.utime(report, (1_000_000, 1_000_000))  # rebuilt Table 3 after the report
    text = run_summary(tmp_path, 5.0, "snakemake --configfile config/mini.yaml")
    assert f"Open the report: {report}" in text
    assert f"Tables (CSV and Markdown): {tmp_path}/results/tables/, {tables}/" in text
    assert (
        "The report results/XLM-R/report.html is older than results/XLM-R/tables/table3.csv, which it shows: "
        "refresh it with `snakemake --configfile config/mini.yaml results/XLM-R/report.html`" in text
    )
    os.utime(report)  # refreshed: nothing to say
    assert "older than" not in run_summary(tmp_path, 5.0)
