# The claims layer (DESIGN §7): the paper's claims tested on this run's results, with uncertainty.
# Each job reads small per-run CSVs.

CLAIMS = config["claims"]
RESAMPLING = ["resamples", "seed", "alpha"]  # alpha: the intervals are 1 - alpha


# The join and the dose-response tables read small CSVs, as the tables do: they run where snakemake runs.
localrules:
    transfer_join,
    tables_at_step,


# One tidy row per aligned model x step x task x mode x seed x evaluation language.
rule transfer_join:
    input:
        zeroshot=zeroshot_csvs(FINETUNED_MODELS),
        similarity=comparisons("similarity", "encoder", FINETUNED_MODELS),
        retrieval=comparisons("retrieval", "encoder", FINETUNED_MODELS),
        gradients=expand("results/eval/gradients/{model}/alignment.csv", model=ALIGNED_TABLE_MODELS),
    output:
        "results/claims/join.csv",
    log:
        "logs/claims/transfer_join.log",
    benchmark:
        "benchmarks/claims/transfer_join.tsv"
    conda:
        ENV
    params:
        layers=ANALYSIS["layers"],
    script:
        "../../scripts/transfer_join.py"


# Table 1 with a paired two-level bootstrap interval per cell, Holm-corrected across the table.
rule table1_significance:
    input:
        zeroshot_csvs(TABLE_MODELS, "_items"),
    output:
        csv="results/tables/table1_significance.csv",
        md="results/tables/table1_significance.md",
    log:
        "logs/claims/table1_significance.log",
    benchmark:
        "benchmarks/claims/table1_significance.tsv"
    conda:
        ENV
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        step=config["evaluation"]["table_step"],
        claims=pick(CLAIMS, RESAMPLING),
        losses=LOSSES,
        encoder=ENCODER["name"],
    script:
        "../../scripts/table1_significance.py"


# Are SIB-200 items whose English translation an encoder retrieves first classified correctly more often?
rule instance_level:
    input:
        item_scores=zeroshot_csvs(FINETUNED_MODELS, "_items", tasks=["sc"]),
        retrieved=expand("results/eval/retrieval/{model}/sib_items.csv", model=FINETUNED_MODELS),
    output:
        csv="results/claims/instances.csv",
        md="results/claims/instances.md",
    log:
        "logs/claims/instance_level.log",
    benchmark:
        "benchmarks/claims/instance_level.tsv"
    conda:
        ENV
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        claims=pick(CLAIMS, RESAMPLING),
    script:
        "../../scripts/instance_level.py"


# Correlations of alignment with transfer, and each claim's statistic and verdict.
rule claims:
    input:
        "results/claims/join.csv",
    output:
        correlations="results/claims/correlations.csv",
        csv="results/claims/claims.csv",
        md="results/claims/claims.md",
        png="results/figures/alignment_vs_transfer.png",
        pdf="results/figures/alignment_vs_transfer.pdf",
    log:
        "logs/claims/claims.log",
    benchmark:
        "benchmarks/claims/claims.tsv"
    conda:
        ENV
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        step=config["evaluation"]["table_step"],
        claims=pick(CLAIMS, RESAMPLING + ["permutations", "predicts_threshold", "orthogonal_band"]),
    script:
        "../../scripts/claims.py"


# Dose-response: Tables 1, 2 and 7 (and the other recall tables) at each other fine-tuned checkpoint.
rule tables_at_step:
    input:
        zeroshot=lambda wc: zeroshot_csvs(models_at(wc.step)),
        similarity=lambda wc: comparisons("similarity", "encoder", models_at(wc.step)),
        retrieval=lambda wc: comparisons("retrieval", "encoder", models_at(wc.step)),
    output:
        expand("results/tables/step{{step}}/{table}.{ext}", table=STEP_TABLES, ext=["csv", "md"]),
    log:
        "logs/claims/tables_at_step/{step}.log",
    conda:
        ENV
    params:
        layer=ANALYSIS["retrieval_layer"],
        recall_tables=RECALL_TABLES,
        losses=LOSSES,
        encoder=ENCODER["name"],
    script:
        "../../scripts/tables_at_step.py"
