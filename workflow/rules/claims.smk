# The claims layer (docs/design.md §7): the paper's claims tested on this run's results, with uncertainty, for
# each encoder and across the encoders. Each job reads small per-run CSVs.

CLAIMS = config["claims"]
RESAMPLING = ["resamples", "seed", "alpha"]  # alpha: the intervals are 1 - alpha
VERDICTS = ["permutations", "seed", "alpha", "predicts_threshold", "orthogonal_band"]
INSTANCES = ["alpha", "min_group"]


# The join and the dose-response tables read small CSVs, as the tables do: they run where snakemake runs.
localrules:
    transfer_join,
    tables_at_step,
    join_encoders,
    scorecard,


# One tidy row per aligned model x step x task x mode x seed x evaluation language.
rule transfer_join:
    input:
        zeroshot=lambda wc: zeroshot_csvs(wc.encoder, finetuned_models(wc.encoder)),
        similarity=lambda wc: comparisons(wc.encoder, "similarity", "encoder", finetuned_models(wc.encoder)),
        retrieval=lambda wc: comparisons(wc.encoder, "retrieval", "encoder", finetuned_models(wc.encoder)),
        gradients=lambda wc: gradient_csvs(wc.encoder, "alignment"),
    output:
        "results/{encoder}/claims/join.csv",
    log:
        "logs/{encoder}/claims/transfer_join.log",
    benchmark:
        "benchmarks/{encoder}/claims/transfer_join.tsv"
    conda:
        ENV
    params:
        layers=lambda wc: ENCODERS[wc.encoder]["layers"],
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/transfer_join.py"


# Against the paper: this run's tables cell by cell beside the paper's numbers, and the hyper-parameters
# that differ from its Tables 4-6.
rule scorecard:
    input:
        paper=PAPER_NUMBERS,
        paper_hyperparameters=PAPER_HYPERPARAMETERS,
        paper_grid=PAPER_GRID,
        tables=lambda wc: expand("results/{encoder}/tables/{table}.csv", encoder=wc.encoder, table=SCORED_TABLES),
    output:
        csv=reported("results/{encoder}/claims/scorecard.csv", "scorecard", "Against the paper"),
        md="results/{encoder}/claims/scorecard.md",
        context="results/{encoder}/claims/scorecard.context.json",
        cells="results/{encoder}/claims/scorecard_cells.csv",
        departures="results/{encoder}/claims/scorecard_departures.csv",
    log:
        "logs/{encoder}/claims/scorecard.log",
    conda:
        ENV
    params:
        hyperparameters=hyperparameter_values(),
        grid=lambda wc: grid_values(config, ENCODERS[wc.encoder]),
        mini_world=bool(config["mini_world"]),
    script:
        "../../scripts/scorecard.py"


# Table 1 with a paired two-level bootstrap interval per cell, Holm-corrected across the table.
rule table1_significance:
    input:
        lambda wc: zeroshot_csvs(wc.encoder, table_models(wc.encoder), "_items"),
    output:
        csv=reported("results/{encoder}/tables/table1_significance.csv", "table1_significance", "Companion tables"),
        md="results/{encoder}/tables/table1_significance.md",
        context="results/{encoder}/tables/table1_significance.context.json",
        item_noise="results/{encoder}/claims/item_noise.csv",
    log:
        "logs/{encoder}/claims/table1_significance.log",
    benchmark:
        "benchmarks/{encoder}/claims/table1_significance.tsv"
    conda:
        ENV
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        step=TABLE_STEP,
        claims=pick(CLAIMS, RESAMPLING),
        losses=lambda wc: encoder_losses(wc.encoder),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/table1_significance.py"


# Are SIB-200 items whose English translation an encoder retrieves first classified correctly more often?
rule instance_level:
    input:
        item_scores=lambda wc: zeroshot_csvs(wc.encoder, finetuned_models(wc.encoder), "_items", tasks=PARALLEL_TASKS),
        retrieved=lambda wc: expand(
            "results/{encoder}/eval/retrieval/{model}/sib_items.csv",
            encoder=wc.encoder,
            model=finetuned_models(wc.encoder),
        ),
        labels=expand("results/{{encoder}}/data/tasks/{task}", task=PARALLEL_TASKS),
    output:
        csv=reported("results/{encoder}/claims/instances.csv", "instances", "Claims"),
        md="results/{encoder}/claims/instances.md",
        context="results/{encoder}/claims/instances.context.json",
    log:
        "logs/{encoder}/claims/instance_level.log",
    benchmark:
        "benchmarks/{encoder}/claims/instance_level.tsv"
    conda:
        ENV
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        claims=pick(CLAIMS, INSTANCES),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/instance_level.py"


# Correlations of alignment with transfer, and each claim's statistic and verdict.
rule claims:
    input:
        join="results/{encoder}/claims/join.csv",
        item_noise="results/{encoder}/claims/item_noise.csv",
    output:
        correlations="results/{encoder}/claims/correlations.csv",
        csv=reported("results/{encoder}/claims/claims.csv", "claims", "Claims"),
        md="results/{encoder}/claims/claims.md",
        context="results/{encoder}/claims/claims.context.json",
        png=reported("results/{encoder}/figures/alignment_vs_transfer.png", "alignment_vs_transfer", "Figures"),
        pdf="results/{encoder}/figures/alignment_vs_transfer.pdf",
    log:
        "logs/{encoder}/claims/claims.log",
    benchmark:
        "benchmarks/{encoder}/claims/claims.tsv"
    conda:
        ENV
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        step=TABLE_STEP,
        claims=pick(CLAIMS, VERDICTS),
        mini_world=bool(config["mini_world"]),
    script:
        "../../scripts/claims.py"


# Dose-response: Tables 1, 2 and 7 (and the other recall tables) at each other fine-tuned checkpoint.
rule tables_at_step:
    input:
        zeroshot=lambda wc: zeroshot_csvs(wc.encoder, models_at(wc.encoder, int(wc.step))),
        similarity=lambda wc: comparisons(wc.encoder, "similarity", "encoder", models_at(wc.encoder, int(wc.step))),
        retrieval=lambda wc: comparisons(wc.encoder, "retrieval", "encoder", models_at(wc.encoder, int(wc.step))),
    output:
        expand(
            "results/{{encoder}}/tables/step{{step}}/{table}.{ext}",
            table=STEP_TABLES,
            ext=["csv", "md", "context.json"],
        ),
    log:
        "logs/{encoder}/claims/tables_at_step/{step}.log",
    conda:
        ENV
    params:
        layer=lambda wc: ENCODERS[wc.encoder]["retrieval_layer"],
        recall_tables=RECALL_TABLES,
        losses=lambda wc: encoder_losses(wc.encoder),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/tables_at_step.py"


# Across the encoders: every encoder's join in one table.
rule join_encoders:
    input:
        expand("results/{encoder}/claims/join.csv", encoder=ENCODERS),
    output:
        "results/claims/join.csv",
    log:
        "logs/claims/join_encoders.log",
    conda:
        ENV
    script:
        "../../scripts/join_encoders.py"


# The claims tested on every encoder's models pooled, each encoder's verdicts side by side, and whether
# the encoders differ in what alignment does to transfer.
rule claims_across_encoders:
    input:
        join="results/claims/join.csv",
        claims=expand("results/{encoder}/claims/claims.csv", encoder=ENCODERS),
        item_noise=expand("results/{encoder}/claims/item_noise.csv", encoder=ENCODERS),
    output:
        csv=reported("results/claims/claims.csv", "study_claims", "Claims", "Across the encoders"),
        md="results/claims/claims.md",
        encoders_csv=reported("results/claims/encoders.csv", "encoders", "Claims", "Across the encoders"),
        encoders_md="results/claims/encoders.md",
        contexts=expand("results/claims/{name}.context.json", name=["claims", "encoders"]),
        differences="results/claims/differences.csv",
        summary="results/claims/summary.md",
    log:
        "logs/claims/claims_across_encoders.log",
    benchmark:
        "benchmarks/claims/claims_across_encoders.tsv"
    conda:
        ENV
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        step=TABLE_STEP,
        claims=pick(CLAIMS, VERDICTS),
    script:
        "../../scripts/claims_across_encoders.py"
