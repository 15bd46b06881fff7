"""The study's HTML report: the claims across the encoders, each encoder's verdicts side by side, and a link
to each encoder's own report."""

from align_transfer.ops.worker import delegate

delegate()  # the job runs in the warm worker where one is up (align_transfer.ops.worker)

from pathlib import Path

import pandas as pd
import yaml

from align_transfer.claims.claims import claim_sentences
from align_transfer.ops.runner import logged
from align_transfer.report.report import MINI_BANNER, code_version, write_report
from align_transfer.tables.captions import title

with logged(snakemake) as log:
    params, claims = snakemake.params, {Path(path).stem: path for path in snakemake.input.claims}
    tables = {title("study_claims"): claims["claims"], title("encoders"): claims["encoders"]}
    provenance = {f"encoder {number}": label for number, label in enumerate(params.encoders.values(), 1)}
    provenance |= {
        "config digest": f"{params.digest} (sha256 of every setting that determines a result)",
        "code version": code_version(Path(snakemake.scriptdir).parent),
    }
    links = {f"{name}: its report": f"{name}/report.html" for name in params.encoders}
    config_yaml = yaml.safe_dump(dict(params.config), sort_keys=False, allow_unicode=True)
    write_report(
        snakemake.output[0],
        tables,
        config_yaml,
        "Why Better Cross-Lingual Alignment Fails: the study",
        provenance,
        MINI_BANNER if params.mini_world else None,
        links,
        headline=claim_sentences(pd.read_csv(claims["encoders"])),  # every encoder's verdicts, claim by claim
    )
    log.info("study report: %d encoders", len(params.encoders))
