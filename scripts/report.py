"""An encoder's HTML report: every table and figure of its study, and the configuration they came from."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

import pandas as pd
import yaml

from align_transfer.claims.claims import claim_sentences
from align_transfer.ops.runner import logged
from align_transfer.report.report import MINI_BANNER, code_version, step_of, write_report
from align_transfer.tables.captions import title


def heading(path):
    return title(Path(path).stem, step_of(path))


#: what leads the page, in this order (the rest of the tables follow, folded); the joint runs' claims and tables,
#: where the grid has them, beside the claims and Tables 1 and 3
LEAD = ["scorecard", "claims", "joint", "figure1", "alignment_vs_transfer", "table1", "joint_transfer", "table2"]
LEAD += ["table3", "joint_gradients", "table7", "table8"]

with logged(snakemake) as log:
    inputs, params = snakemake.input, snakemake.params
    everything = {
        Path(path).stem if not step_of(path) else f"{Path(path).stem}@{step_of(path)}": path
        for path in [*inputs.claims, *inputs.tables, *inputs.steps, *inputs.figures]
    }
    sections = {heading(everything[name]): everything[name] for name in LEAD if name in everything}
    folded = {heading(path): path for name, path in everything.items() if name not in LEAD}
    config_yaml = yaml.safe_dump(dict(params.config), sort_keys=False, allow_unicode=True)
    provenance = {
        "encoder": params.encoder,
        "config digest": f"{params.digest} (sha256 of every setting that determines a result)",
        "code version": code_version(Path(snakemake.scriptdir).parent),
    }
    write_report(
        snakemake.output[0],
        sections,
        config_yaml,
        f"Why Better Cross-Lingual Alignment Fails: results of {snakemake.wildcards.encoder}",
        provenance,
        MINI_BANNER if params.mini_world else None,
        links={"the study: every encoder, and the claims across them": "../report.html"},
        folded=folded,
        headline=claim_sentences(pd.read_csv(everything["claims"])) if "claims" in everything else None,
    )
    log.info("report: %d sections, %d folded", len(sections), len(folded))
