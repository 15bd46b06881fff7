# The paper's tables and figures.


localrules:
    hyperparameter_tables,
    disk_plan,


rule table1:
    input:
        zeroshot_csvs(TABLE_MODELS),
    output:
        csv="results/tables/table1.csv",
        md="results/tables/table1.md",
    log:
        "logs/report/table1.log",
    conda:
        ENV
    params:
        step=config["evaluation"]["table_step"],
        losses=LOSSES,
    script:
        "../../scripts/table1.py"


rule hyperparameter_tables:
    output:
        expand("results/tables/table{n}.{ext}", n=[4, 5, 6], ext=["csv", "md"]),
    log:
        "logs/report/hyperparameter_tables.log",
    conda:
        ENV
    params:
        config={key: config[key] for key in ("alignment", "finetune")},
    script:
        "../../scripts/hyperparameter_tables.py"


# What the model files of this config's grid take on disk: `snakemake disk_plan` prints it.
rule disk_plan:
    output:
        "results/plan/disk.tsv",
    log:
        "logs/report/disk_plan.log",
    conda:
        ENV
    params:
        counts=storage_counts(),
        encoder=config["encoder"],
    script:
        "../../scripts/disk_plan.py"
