"""An encoder's HTML report: every table and figure of its study, and the configuration they came from."""

from align_transfer.worker import delegate

delegate()  # in the warm worker, where one runs (README, "Speed of the mini world")

from pathlib import Path

import yaml

from align_transfer.report import MINI_BANNER, code_version, write_report
from align_transfer.runner import logged

TITLES = {
    "claims": "Claims: the paper's findings tested on these results",
    "instances": "Instance level: retrieved translations and correct classifications (SIB-200)",
    "table1": "Table 1: Δ zero-shot accuracy",
    "table1_significance": "Table 1 with 95% intervals and Holm-corrected significance",
    "table2_gap": "Table 2 beside the cosine gap (translations minus non-translations)",
    "table3_baseline": "Table 3 beside its task-vs-task baseline",
    "alignment_vs_transfer": "Δ alignment against Δ transfer",
    "table2": "Table 2: Δ cosine similarity of translations",
    "table3": "Table 3: task vs alignment gradient cosine",
    "table7": "Table 7: Δ R@5",
    "table8": "Table 8: Δ R@10",
    "gradient_languages": "§4.5: per-language gradient cosines",
    "table4": "Table 4: alignment hyper-parameters",
    "table5": "Table 5: POS hyper-parameters",
    "table6": "Table 6: SC hyper-parameters",
    "figure1": "Figure 1: Δ cosine distance",
}


def title(path):
    name = Path(path).stem
    heading = TITLES.get(name, name.replace("_", " ").replace("recall at ", "Δ R@"))
    step = Path(path).parent.name
    return f"{heading}, at alignment step {step.removeprefix('step')}" if step.startswith("step") else heading


with logged(snakemake) as log:
    # the claims first: what a reader came for, then the paper's tables, then the other checkpoints
    paths = [*snakemake.input.claims, *snakemake.input.tables, *snakemake.input.steps]
    tables = {title(path): path for path in paths}
    figures = {f"{title(path)} (figure)": path for path in snakemake.input.figures}
    params = snakemake.params
    config_yaml = yaml.safe_dump(dict(params.config), sort_keys=False, allow_unicode=True)
    provenance = {
        "encoder": params.encoder,
        "config digest": f"{params.digest} (sha256 of every setting that determines a result)",
        "code version": code_version(Path(snakemake.scriptdir).parent),
    }
    title = f"Why Better Cross-Lingual Alignment Fails: results of {snakemake.wildcards.encoder}"
    write_report(snakemake.output[0], tables, figures, config_yaml, title, provenance, MINI_BANNER if params.mini_world else None,
                 links={"the study: every encoder, and the claims across them": "../report.html"})  # fmt: skip
    log.info("report: %d tables, %d figures", len(tables), len(figures))
