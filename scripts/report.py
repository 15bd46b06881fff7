"""An encoder's HTML report: every table and figure of its study, and the configuration they came from."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

import yaml

from align_transfer.ops.runner import logged
from align_transfer.report.report import MINI_BANNER, code_version, step_of, write_report
from align_transfer.tables.captions import title


def heading(path):
    return title(Path(path).stem, step_of(path))


with logged(snakemake) as log:
    # the claims first: what a reader came for, then the paper's tables, then the other checkpoints
    paths = [*snakemake.input.claims, *snakemake.input.tables, *snakemake.input.steps]
    tables = {heading(path): path for path in paths}
    figures = {f"{heading(path)} (figure)": path for path in snakemake.input.figures}
    params = snakemake.params
    config_yaml = yaml.safe_dump(dict(params.config), sort_keys=False, allow_unicode=True)
    provenance = {
        "encoder": params.encoder,
        "config digest": f"{params.digest} (sha256 of every setting that determines a result)",
        "code version": code_version(Path(snakemake.scriptdir).parent),
    }
    page_title = f"Why Better Cross-Lingual Alignment Fails: results of {snakemake.wildcards.encoder}"
    write_report(
        snakemake.output[0],
        tables,
        figures,
        config_yaml,
        page_title,
        provenance,
        MINI_BANNER if params.mini_world else None,
        links={"the study: every encoder, and the claims across them": "../report.html"},
        context=params.context,
    )
    log.info("report: %d tables, %d figures", len(tables), len(figures))
