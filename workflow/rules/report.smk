# The paper's tables and figures, and the report, for each encoder; the study's report across them.


# Light jobs that read small files: they run where snakemake runs, never on the cluster.
localrules:
    clean_state,
    hyperparameter_tables,
    disk_plan,
    table1,
    table2,
    retrieval_tables,
    table3,
    gradient_languages,
    figure1,
    report,
    study_report,
    study_table,
    study_figure,
    model_cards,


rule table1:
    input:
        lambda wc: zeroshot_csvs(wc.encoder, table_models(wc.encoder)),
    output:
        csv=reported("results/{encoder}/tables/table1.csv", "table1", "Tables"),
        md="results/{encoder}/tables/table1.md",
        context="results/{encoder}/tables/table1.context.json",
    log:
        "logs/{encoder}/report/table1.log",
    conda:
        ENV
    params:
        step=TABLE_STEP,
        losses=lambda wc: encoder_losses(wc.encoder),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/table1.py"


# Tables 4, 5 and 6 print the config, which every encoder shares; each encoder's report shows them.
rule hyperparameter_tables:
    output:
        [reported(f"results/{{encoder}}/tables/table{n}.csv", f"table{n}", "Hyper-parameters") for n in (4, 5, 6)],
        expand("results/{{encoder}}/tables/table{n}.{ext}", n=[4, 5, 6], ext=["md", "context.json"]),
    log:
        "logs/{encoder}/report/hyperparameter_tables.log",
    conda:
        ENV
    params:
        config=hyperparameter_values(),
    script:
        "../../scripts/hyperparameter_tables.py"


# What the model files of this config's grid take on disk, per encoder: `snakemake disk_plan` prints it.
rule disk_plan:
    output:
        "results/plan/disk.tsv",
    log:
        "logs/report/disk_plan.log",
    conda:
        ENV
    params:
        counts=canonical({name: storage_counts(name) for name in ENCODERS}),
        encoders=canonical(config["encoders"]),
    script:
        "../../scripts/disk_plan.py"


rule table2:
    input:
        lambda wc: comparisons(wc.encoder, "similarity", "encoder", table_models(wc.encoder)),
    output:
        csv=reported("results/{encoder}/tables/table2.csv", "table2", "Tables"),
        md="results/{encoder}/tables/table2.md",
        gap_csv=reported("results/{encoder}/tables/table2_gap.csv", "table2_gap", "Companion tables"),
        gap_md="results/{encoder}/tables/table2_gap.md",
        contexts=expand("results/{{encoder}}/tables/{table}.context.json", table=["table2", "table2_gap"]),
    log:
        "logs/{encoder}/report/table2.log",
    conda:
        ENV
    params:
        layer=lambda wc: ENCODERS[wc.encoder]["retrieval_layer"],
        layers=lambda wc: ENCODERS[wc.encoder]["layers"],
        losses=lambda wc: encoder_losses(wc.encoder),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/table2.py"


# Tables 7 (R@5) and 8 (R@10) and the R@1 table.
rule retrieval_tables:
    input:
        lambda wc: comparisons(wc.encoder, "retrieval", "encoder", table_models(wc.encoder)),
    output:
        [
            reported(
                f"results/{{encoder}}/tables/{table}.csv",
                table if table in ("table7", "table8") else "recall",
                "Tables",
            )
            for table in RECALL_TABLES.values()
        ],
        expand("results/{{encoder}}/tables/{table}.{ext}", table=RECALL_TABLES.values(), ext=["md", "context.json"]),
    log:
        "logs/{encoder}/report/retrieval_tables.log",
    conda:
        ENV
    params:
        tables=RECALL_TABLES,
        losses=lambda wc: encoder_losses(wc.encoder),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/retrieval_tables.py"


rule table3:
    input:
        lambda wc: gradient_csvs(wc.encoder, "alignment"),
    output:
        csv=reported("results/{encoder}/tables/table3.csv", "table3", "Tables"),
        md="results/{encoder}/tables/table3.md",
        baseline_csv=reported("results/{encoder}/tables/table3_baseline.csv", "table3_baseline", "Companion tables"),
        baseline_md="results/{encoder}/tables/table3_baseline.md",
        contexts=expand("results/{{encoder}}/tables/{table}.context.json", table=["table3", "table3_baseline"]),
    log:
        "logs/{encoder}/report/table3.log",
    conda:
        ENV
    params:
        losses=lambda wc: encoder_losses(wc.encoder),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/table3.py"


# §4.5: per-language task and MLM gradients compared pairwise, averaged over aligned encoders and seeds.
rule gradient_languages:
    input:
        lambda wc: gradient_csvs(wc.encoder, "languages"),
    output:
        csv=reported("results/{encoder}/tables/gradient_languages.csv", "gradient_languages", "Companion tables"),
        md="results/{encoder}/tables/gradient_languages.md",
        context="results/{encoder}/tables/gradient_languages.context.json",
        png=reported("results/{encoder}/figures/gradient_languages.png", "gradient_languages", "Figures"),
        pdf="results/{encoder}/figures/gradient_languages.pdf",
    log:
        "logs/{encoder}/report/gradient_languages.log",
    conda:
        ENV
    params:
        mini_world=bool(config["mini_world"]),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/gradient_languages.py"


rule figure1:
    input:
        lambda wc: comparisons(wc.encoder, "similarity", "encoder", table_models(wc.encoder)),
        lambda wc: comparisons(wc.encoder, "similarity", "finetuned", aligned_table_models(wc.encoder) if FULL else []),
    output:
        csv="results/{encoder}/figures/figure1.csv",
        png=reported("results/{encoder}/figures/figure1.png", "figure1", "Figures"),
        pdf="results/{encoder}/figures/figure1.pdf",
    log:
        "logs/{encoder}/report/figure1.log",
    conda:
        ENV
    params:
        layers=lambda wc: ENCODERS[wc.encoder]["layers"],
        losses=lambda wc: encoder_losses(wc.encoder),
        mini_world=bool(config["mini_world"]),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/figure1.py"


# One static page per encoder with every table and figure of its study and the configuration.
rule report:
    input:
        claims=expand("results/{{encoder}}/claims/{page}.csv", page=CLAIM_PAGES),
        tables=expand("results/{{encoder}}/tables/{table}.csv", table=PAPER_TABLES),
        steps=expand("results/{{encoder}}/tables/step{step}/{table}.csv", step=OTHER_STEPS, table=STEP_TABLES),
        figures=expand("results/{{encoder}}/figures/{figure}.png", figure=FIGURES),
    output:
        "results/{encoder}/report.html",
    log:
        "logs/{encoder}/report/report.log",
    conda:
        ENV
    params:
        config=lambda wc: without_operational(encoder_config(wc.encoder)),  # another encoder's facts do not touch it
        digest=lambda wc: digest(encoder_config(wc.encoder)),
        encoder=lambda wc: encoder_label(ENCODERS[wc.encoder]),
        mini_world=bool(config["mini_world"]),
    script:
        "../../scripts/report.py"


# The study's tables: each encoder's rows of a table, with an `encoder` column (results/tables/table3.csv).
rule study_table:
    input:
        lambda wc: expand("results/{encoder}/tables/{table}.csv", encoder=ENCODERS, table=wc.table),
    output:
        csv="results/tables/{table}.csv",
        md="results/tables/{table}.md",
    log:
        "logs/report/study_table/{table}.log",
    wildcard_constraints:
        table="|".join(PAPER_TABLES),
    conda:
        ENV
    params:
        encoders=list(ENCODERS),
    script:
        "../../scripts/study_table.py"


# The study's figures: each encoder's, under results/figures/ (with several encoders, named by the encoder).
rule study_figure:
    input:
        png=lambda wc: "results/{}/figures/{}.png".format(*STUDY_FIGURES[wc.name]),
        pdf=lambda wc: "results/{}/figures/{}.pdf".format(*STUDY_FIGURES[wc.name]),
    output:
        png="results/figures/{name}.png",
        pdf="results/figures/{name}.pdf",
    log:
        "logs/report/study_figure/{name}.log",
    wildcard_constraints:
        name="|".join(map(re.escape, STUDY_FIGURES)),
    conda:
        ENV
    script:
        "../../scripts/study_figure.py"


# The study's page: the claims across the encoders, each encoder's verdicts side by side, and a link to
# each encoder's own report.
rule study_report:
    input:
        claims=["results/claims/encoders.csv", "results/claims/differences.csv", "results/claims/claims.csv"],
        reports=expand("results/{encoder}/report.html", encoder=ENCODERS),
    output:
        "results/report.html",
    log:
        "logs/report/study_report.log",
    conda:
        ENV
    params:
        config=without_operational(config),
        digest=digest(config),
        encoders={name: encoder_label(entry) for name, entry in ENCODERS.items()},
        mini_world=bool(config["mini_world"]),
    script:
        "../../scripts/study_report.py"


# Remove the work folders of finished training jobs once their outputs stand (`snakemake clean_state`):
# until then a job failed after the fact (a time limit reached while snakemake checks its outputs) is
# restored from its work folder by its retry, not trained again.
rule clean_state:
    log:
        "logs/clean_state.log",
    conda:
        ENV
    params:
        jobs=training_work(),
    script:
        "../../scripts/clean_state.py"


# Each aligned checkpoint that the tables read, as a Hub repository: its files (hard links), a model card with
# its settings, alignment log and retrieval scores, and its log (src/align_transfer/report/hub.py).
rule model_cards:
    input:
        checkpoints=lambda wc: [layout.model_dir(wc.encoder, model) for model in carded_models(wc.encoder)],
        train_logs=lambda wc: expand(
            "results/{encoder}/align/{pair}/{losses}/train_log.csv",
            encoder=wc.encoder,
            pair=PAIRS,
            losses=encoder_losses(wc.encoder),
        ),
        retrieval=lambda wc: comparisons(wc.encoder, "retrieval", "encoder", ["base", *carded_models(wc.encoder)]),
    output:
        directory("results/{encoder}/hub"),
    log:
        "logs/{encoder}/report/model_cards.log",
    conda:
        ENV
    params:
        models=lambda wc: carded_models(wc.encoder),
        encoder=lambda wc: pick(ENCODERS[wc.encoder], ["name", "source", "hub_id", "revision", "mlm_head"]),
        pairs=canonical(PAIRS),
        alignment=lambda wc: alignment_settings(wc.encoder),
        layer=lambda wc: ENCODERS[wc.encoder]["retrieval_layer"],
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/model_cards.py"
