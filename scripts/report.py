"""The HTML report: every table and figure, and the configuration they came from."""

from pathlib import Path

import yaml

from align_transfer.report import write_report
from align_transfer.runner import logged

TITLES = {
    "table1": "Table 1: Δ zero-shot accuracy",
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
    return TITLES.get(name, name.replace("_", " ").replace("recall at ", "Δ R@"))


with logged(snakemake) as log:
    tables = {title(path): path for path in snakemake.input.tables}
    figures = {f"{title(path)} (figure)": path for path in snakemake.input.figures}
    config_yaml = yaml.safe_dump(dict(snakemake.params.config), sort_keys=False, allow_unicode=True)
    write_report(snakemake.output[0], tables, figures, config_yaml, "Why Better Cross-Lingual Alignment Fails: results")
    log.info("report: %d tables, %d figures", len(tables), len(figures))
