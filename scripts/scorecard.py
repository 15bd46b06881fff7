"""Against the paper: this run's tables cell by cell beside the paper's numbers, and where it departs from the
paper's grid and hyper-parameters."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.worker)

from pathlib import Path

import pandas as pd

from align_transfer.claims.scorecard import compare, grid, hyperparameters, run_cells, summary
from align_transfer.core.results import write_frame
from align_transfer.ops.runner import logged
from align_transfer.tables.tables import hyperparameter_tables, write_table

with logged(snakemake) as log:
    inputs, output, params = snakemake.input, snakemake.output, snakemake.params
    tables = {Path(path).stem: pd.read_csv(path) for path in inputs.tables}
    cells = compare(pd.read_csv(inputs.paper), run_cells(tables))
    table = summary(cells)
    departures = pd.concat(
        [
            grid(pd.read_csv(inputs.paper_grid), params.grid),
            hyperparameters(pd.read_csv(inputs.paper_hyperparameters), hyperparameter_tables(params.hyperparameters)),
        ],
        ignore_index=True,
    )
    write_frame(output.cells, cells)
    write_frame(output.departures, departures)
    write_table(output.csv, output.md, table, "scorecard", departures=departures, mini_world=params.mini_world)
    log.info(
        "scorecard: %s; %d departures from the paper",
        ", ".join(f"{r.table} {r.matched}/{r.paper_cells} matched" for r in table.itertuples()),
        int((~departures["same"]).sum()),
    )
