# The paper's tables and figures.


# Light jobs that read small files: they run where snakemake runs, never on the cluster.
localrules:
    hyperparameter_tables,
    disk_plan,
    table1,
    table2,
    retrieval_tables,
    table3,
    gradient_languages,
    figure1,
    report,


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
        encoder=ENCODER["name"],
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
        config=hyperparameter_values(),
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
        counts=canonical(storage_counts()),
        encoder=canonical(config["encoder"]),
    script:
        "../../scripts/disk_plan.py"


rule table2:
    input:
        comparisons("similarity", "encoder", TABLE_MODELS),
    output:
        csv="results/tables/table2.csv",
        md="results/tables/table2.md",
        gap_csv="results/tables/table2_gap.csv",
        gap_md="results/tables/table2_gap.md",
    log:
        "logs/report/table2.log",
    conda:
        ENV
    params:
        layer=ANALYSIS["retrieval_layer"],
        layers=ANALYSIS["layers"],
        losses=LOSSES,
    script:
        "../../scripts/table2.py"


# Tables 7 (R@5) and 8 (R@10) and the R@1 table.
rule retrieval_tables:
    input:
        comparisons("retrieval", "encoder", TABLE_MODELS),
    output:
        expand("results/tables/{table}.{ext}", table=RECALL_TABLES.values(), ext=["csv", "md"]),
    log:
        "logs/report/retrieval_tables.log",
    conda:
        ENV
    params:
        tables=RECALL_TABLES,
        losses=LOSSES,
    script:
        "../../scripts/retrieval_tables.py"


rule table3:
    input:
        expand("results/eval/gradients/{model}/alignment.csv", model=ALIGNED_TABLE_MODELS),
    output:
        csv="results/tables/table3.csv",
        md="results/tables/table3.md",
        baseline_csv="results/tables/table3_baseline.csv",
        baseline_md="results/tables/table3_baseline.md",
    log:
        "logs/report/table3.log",
    conda:
        ENV
    params:
        losses=LOSSES,
        encoder=ENCODER["name"],
    script:
        "../../scripts/table3.py"


# §4.5: per-language task and MLM gradients compared pairwise, averaged over aligned encoders and seeds.
rule gradient_languages:
    input:
        expand("results/eval/gradients/{model}/languages.csv", model=ALIGNED_TABLE_MODELS),
    output:
        csv="results/tables/gradient_languages.csv",
        md="results/tables/gradient_languages.md",
        png="results/figures/gradient_languages.png",
        pdf="results/figures/gradient_languages.pdf",
    log:
        "logs/report/gradient_languages.log",
    conda:
        ENV
    script:
        "../../scripts/gradient_languages.py"


rule figure1:
    input:
        comparisons("similarity", "encoder", TABLE_MODELS),
        comparisons("similarity", "finetuned", ALIGNED_TABLE_MODELS),
    output:
        csv="results/figures/figure1.csv",
        png="results/figures/figure1.png",
        pdf="results/figures/figure1.pdf",
    log:
        "logs/report/figure1.log",
    conda:
        ENV
    params:
        layers=ANALYSIS["layers"],
        losses=LOSSES,
    script:
        "../../scripts/figure1.py"


# One static page with every table and figure and the configuration.
rule report:
    input:
        claims=expand("results/claims/{name}.md", name=CLAIM_PAGES),
        tables=expand(
            "results/tables/{table}.md",
            table=[
                "table1",
                "table1_significance",
                "table2",
                "table2_gap",
                "table3",
                "table3_baseline",
                *RECALL_TABLES.values(),
                "gradient_languages",
                "table4",
                "table5",
                "table6",
            ],
        ),
        steps=expand("results/tables/step{step}/{table}.md", step=OTHER_STEPS, table=STEP_TABLES),
        figures=expand(
            "results/figures/{figure}.png",
            figure=["alignment_vs_transfer", "figure1", "gradient_languages"],
        ),
    output:
        "results/report.html",
    log:
        "logs/report/report.log",
    conda:
        ENV
    params:
        config=without_operational(config),
        digest=digest(config),
        encoder=ENCODER_LABEL,
        mini_world=bool(config["mini_world"]),
    script:
        "../../scripts/report.py"
