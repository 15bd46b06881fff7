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
        zeroshot=lambda wc: STUDY.zeroshot_csvs(wc.encoder, STUDY.finetuned_models(wc.encoder)),
        similarity=lambda wc: STUDY.comparisons(wc.encoder, "similarity", "encoder", STUDY.finetuned_models(wc.encoder)),
        retrieval=lambda wc: STUDY.comparisons(wc.encoder, "retrieval", "encoder", STUDY.finetuned_models(wc.encoder)),
        gradients=lambda wc: STUDY.gradient_csvs(wc.encoder, "alignment"),
    output:
        layout.claims("join"),
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
        tables=lambda wc: STUDY.tables(wc.encoder, STUDY.scored_tables),
    output:
        csv=reported(layout.claims("scorecard"), "scorecard", "Against the paper"),
        md=layout.claims("scorecard", "md"),
        context=layout.claims("scorecard", "context.json"),
        cells=layout.claims("scorecard_cells"),
        departures=layout.claims("scorecard_departures"),
    log:
        "logs/{encoder}/claims/scorecard.log",
    conda:
        ENV
    params:
        hyperparameters=STUDY.hyperparameter_values(),
        grid=lambda wc: grid_values(config, ENCODERS[wc.encoder]),
        mini_world=bool(config["mini_world"]),
    script:
        "../../scripts/scorecard.py"


# Table 1 with a paired two-level bootstrap interval per cell, Holm-corrected across the table.
rule table1_significance:
    input:
        lambda wc: STUDY.zeroshot_csvs(wc.encoder, STUDY.table_models(wc.encoder), "_items"),
    output:
        **reported_table("table1_significance", "Companion tables"),
        item_noise=layout.claims("item_noise"),
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
        step=STUDY.table_step,
        claims=pick(CLAIMS, RESAMPLING),
        losses=lambda wc: STUDY.encoder_losses(wc.encoder),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/table1_significance.py"


# Are SIB-200 items whose English translation an encoder retrieves first classified correctly more often?
rule instance_level:
    input:
        item_scores=lambda wc: STUDY.zeroshot_csvs(
            wc.encoder, STUDY.finetuned_models(wc.encoder), "_items", tasks=STUDY.parallel_tasks
        ),
        retrieved=lambda wc: layout.fill_all(
            layout.PARALLEL_ITEMS, encoder=[wc.encoder], model=STUDY.finetuned_models(wc.encoder)
        ),
        labels=layout.fill_all(layout.TASK_TOKENS, task=STUDY.parallel_tasks),
    output:
        csv=reported(layout.claims("instances"), "instances", "Claims"),
        md=layout.claims("instances", "md"),
        context=layout.claims("instances", "context.json"),
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
        join=layout.claims("join"),
        item_noise=layout.claims("item_noise"),
    output:
        correlations=layout.claims("correlations"),
        csv=reported(layout.claims("claims"), "claims", "Claims"),
        md=layout.claims("claims", "md"),
        context=layout.claims("claims", "context.json"),
        png=reported(layout.figure("alignment_vs_transfer"), "alignment_vs_transfer", "Figures"),
        pdf=layout.figure("alignment_vs_transfer", "pdf"),
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
        step=STUDY.table_step,
        claims=pick(CLAIMS, VERDICTS),
        mini_world=bool(config["mini_world"]),
    script:
        "../../scripts/claims.py"


# Dose-response: Tables 1, 2 and 7 (and the other recall tables) at each other fine-tuned checkpoint.
rule tables_at_step:
    input:
        zeroshot=lambda wc: STUDY.zeroshot_csvs(wc.encoder, STUDY.models_at(wc.encoder, int(wc.step))),
        similarity=lambda wc: STUDY.comparisons(
            wc.encoder, "similarity", "encoder", STUDY.models_at(wc.encoder, int(wc.step))
        ),
        retrieval=lambda wc: STUDY.comparisons(
            wc.encoder, "retrieval", "encoder", STUDY.models_at(wc.encoder, int(wc.step))
        ),
    output:
        layout.fill_all(layout.STEP_TABLE, table=STUDY.step_tables, ext=["csv", "md", "context.json"]),
    log:
        "logs/{encoder}/claims/tables_at_step/{step}.log",
    conda:
        ENV
    params:
        layer=lambda wc: ENCODERS[wc.encoder]["retrieval_layer"],
        recall_tables=STUDY.recall_tables,
        losses=lambda wc: STUDY.encoder_losses(wc.encoder),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/tables_at_step.py"


# Across the encoders: every encoder's join in one table.
rule join_encoders:
    input:
        [layout.claims("join", encoder=encoder) for encoder in ENCODERS],
    output:
        layout.study_claims("join"),
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
        join=layout.study_claims("join"),
        claims=[layout.claims("claims", encoder=encoder) for encoder in ENCODERS],
        item_noise=[layout.claims("item_noise", encoder=encoder) for encoder in ENCODERS],
    output:
        csv=reported(layout.study_claims("claims"), "study_claims", "Claims", "Across the encoders"),
        md=layout.study_claims("claims", "md"),
        encoders_csv=reported(layout.study_claims("encoders"), "encoders", "Claims", "Across the encoders"),
        encoders_md=layout.study_claims("encoders", "md"),
        contexts=layout.fill_all(layout.STUDY_CLAIMS, name=["claims", "encoders"], ext=["context.json"]),
        differences=layout.study_claims("differences"),
        summary=layout.study_claims("summary", "md"),
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
        step=STUDY.table_step,
        claims=pick(CLAIMS, VERDICTS),
    script:
        "../../scripts/claims_across_encoders.py"


# Beyond the paper (docs/science.md, "Joint training"): joint runs against their sequential runs, cell by cell
# (beside Tables 1 and 3) and as two claims, per task and across tasks.
rule joint_claims:
    input:
        item_scores=lambda wc: STUDY.zeroshot_csvs(
            wc.encoder, STUDY.joint_models(wc.encoder), "_items", modes=["full", "joint"]
        ),
        sequential=lambda wc: STUDY.gradient_csvs(wc.encoder, "alignment", STUDY.joint_models(wc.encoder)),
        joint=lambda wc: STUDY.gradient_csvs(wc.encoder, "joint_alignment", STUDY.joint_models(wc.encoder)),
    output:
        transfer=reported(layout.table("joint_transfer"), "joint_transfer", "Beyond the paper"),
        transfer_md=layout.table("joint_transfer", "md"),
        transfer_context=layout.table("joint_transfer", "context.json"),
        gradients=reported(layout.table("joint_gradients"), "joint_gradients", "Beyond the paper"),
        gradients_md=layout.table("joint_gradients", "md"),
        gradients_context=layout.table("joint_gradients", "context.json"),
        claims=reported(layout.claims("joint"), "joint", "Beyond the paper"),
        claims_md=layout.claims("joint", "md"),
        claims_context=layout.claims("joint", "context.json"),
        item_noise=layout.claims("joint_item_noise"),
    log:
        "logs/{encoder}/claims/joint_claims.log",
    benchmark:
        "benchmarks/{encoder}/claims/joint_claims.tsv"
    conda:
        ENV
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        claims=pick(CLAIMS, RESAMPLING),
        losses=lambda wc: [code for code in STUDY.encoder_losses(wc.encoder) if code in STUDY.joint_codes],
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/joint_claims.py"
