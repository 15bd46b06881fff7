"""The kinds of table the workflow writes, one registry entry each: the one owner of how a table is laid out.

A table is a CSV (its rows: the data) and a Markdown file (its layout); beside them, ``{table}.context.json``
records the kind and the context its layout shows (the loss codes in their order, the encoder, α, a layer, a
step). Both the Markdown file and the report's HTML are drawn from the CSV and that context by the kind's
``layout`` (``tables.tables.write_table``, ``report.report.table_layout``), so the context travels once and
nothing is dispatched by a file's name.

Adding a table: its compute and layout functions (``tables/`` or ``claims/``), an entry here, and its rule
(``workflow/rules/report.smk``: its CSV, Markdown and context files, through ``table_outputs``); its caption in
``tables/captions.py``. Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TableKind:
    layout: str  # "module:function" (frame, **context) -> the layout (tables.document)
    siblings: dict = field(default_factory=dict)  # layout argument -> a CSV beside the table that it reads
    text_columns: tuple = ()  # columns read as written (a hyper-parameter's 16 beside 1e-05, not 16.0)


TABLES = "align_transfer.tables.tables"
CLAIMS = "align_transfer.claims.claims"
JOINT = "align_transfer.claims.joint"
KINDS = {
    "table1": TableKind(f"{TABLES}:table1_layout"),
    "table2": TableKind(f"{TABLES}:table2_layout"),
    "table2_gap": TableKind(f"{TABLES}:table2_gap_layout"),
    "recall": TableKind(f"{TABLES}:recall_layout"),
    "table3": TableKind(f"{TABLES}:table3_layout"),
    "table3_baseline": TableKind(f"{TABLES}:table3_baseline_layout"),
    "gradient_languages": TableKind(f"{TABLES}:gradient_languages_layout"),
    "hyperparameters": TableKind(f"{TABLES}:hyperparameter_layout", text_columns=("value",)),
    "table1_significance": TableKind(f"{CLAIMS}:table1_significance_layout"),
    "instances": TableKind(f"{CLAIMS}:instance_level_layout"),
    "claims": TableKind(f"{CLAIMS}:claims_layout"),
    "joint_transfer": TableKind(f"{JOINT}:joint_transfer_layout"),
    "joint_gradients": TableKind(f"{JOINT}:joint_gradients_layout"),
    "encoders": TableKind(f"{CLAIMS}:encoders_layout", siblings={"differences": "differences.csv"}),
    "scorecard": TableKind(
        "align_transfer.claims.scorecard:scorecard_layout", siblings={"departures": "scorecard_departures.csv"}
    ),
}


def context_path(csv_path) -> str:
    """Where a table's context is written: ``table1.csv`` -> ``table1.context.json``."""
    path = str(csv_path)
    return path.removesuffix(".csv") + ".context.json"
