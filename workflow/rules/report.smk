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
        lambda wc: STUDY.zeroshot_csvs(wc.encoder, STUDY.table_models(wc.encoder)),
    output:
        **reported_table("table1", "Tables"),
    log:
        "logs/{encoder}/report/table1.log",
    conda:
        ENV
    params:
        step=STUDY.table_step,
        losses=lambda wc: STUDY.encoder_losses(wc.encoder),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/table1.py"


# Tables 4, 5 and 6 print the config, which every encoder shares; each encoder's report shows them.
rule hyperparameter_tables:
    output:
        [reported(layout.table(f"table{n}"), f"table{n}", "Hyper-parameters") for n in (4, 5, 6)],
        layout.fill_all(layout.TABLE, table=["table4", "table5", "table6"], ext=["md", "context.json"]),
    log:
        "logs/{encoder}/report/hyperparameter_tables.log",
    conda:
        ENV
    params:
        config=STUDY.hyperparameter_values(),
    script:
        "../../scripts/hyperparameter_tables.py"


# What the model files of this config's grid take on disk, per encoder: `snakemake disk_plan` prints it.
rule disk_plan:
    output:
        layout.DISK_PLAN,
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
        lambda wc: STUDY.comparisons(wc.encoder, "similarity", "encoder", STUDY.table_models(wc.encoder)),
    output:
        csv=reported(layout.table("table2"), "table2", "Tables"),
        md=layout.table("table2", "md"),
        gap_csv=reported(layout.table("table2_gap"), "table2_gap", "Companion tables"),
        gap_md=layout.table("table2_gap", "md"),
        contexts=layout.fill_all(layout.TABLE, table=["table2", "table2_gap"], ext=["context.json"]),
    log:
        "logs/{encoder}/report/table2.log",
    conda:
        ENV
    params:
        layer=lambda wc: ENCODERS[wc.encoder]["retrieval_layer"],
        layers=lambda wc: ENCODERS[wc.encoder]["layers"],
        losses=lambda wc: STUDY.encoder_losses(wc.encoder),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/table2.py"


# Tables 7 (R@5) and 8 (R@10) and the R@1 table.
rule retrieval_tables:
    input:
        lambda wc: STUDY.comparisons(wc.encoder, "retrieval", "encoder", STUDY.table_models(wc.encoder)),
    output:
        [
            reported(layout.table(table), table if table in ("table7", "table8") else "recall", "Tables")
            for table in STUDY.recall_tables.values()
        ],
        layout.fill_all(layout.TABLE, table=STUDY.recall_tables.values(), ext=["md", "context.json"]),
    log:
        "logs/{encoder}/report/retrieval_tables.log",
    conda:
        ENV
    params:
        tables=STUDY.recall_tables,
        losses=lambda wc: STUDY.encoder_losses(wc.encoder),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/retrieval_tables.py"


rule table3:
    input:
        lambda wc: STUDY.gradient_csvs(wc.encoder, "alignment"),
    output:
        csv=reported(layout.table("table3"), "table3", "Tables"),
        md=layout.table("table3", "md"),
        baseline_csv=reported(layout.table("table3_baseline"), "table3_baseline", "Companion tables"),
        baseline_md=layout.table("table3_baseline", "md"),
        contexts=layout.fill_all(layout.TABLE, table=["table3", "table3_baseline"], ext=["context.json"]),
    log:
        "logs/{encoder}/report/table3.log",
    conda:
        ENV
    params:
        losses=lambda wc: STUDY.encoder_losses(wc.encoder),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/table3.py"


# §4.5: per-language task and MLM gradients compared pairwise, averaged over aligned encoders and seeds.
rule gradient_languages:
    input:
        lambda wc: STUDY.gradient_csvs(wc.encoder, "languages"),
    output:
        **reported_table("gradient_languages", "Companion tables"),
        png=reported(layout.figure("gradient_languages"), "gradient_languages", "Figures"),
        pdf=layout.figure("gradient_languages", "pdf"),
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
        lambda wc: STUDY.comparisons(wc.encoder, "similarity", "encoder", STUDY.table_models(wc.encoder)),
        lambda wc: STUDY.comparisons(
            wc.encoder, "similarity", "finetuned", STUDY.aligned_table_models(wc.encoder) if STUDY.full else []
        ),
    output:
        csv=layout.figure("figure1", "csv"),
        png=reported(layout.figure("figure1"), "figure1", "Figures"),
        pdf=layout.figure("figure1", "pdf"),
    log:
        "logs/{encoder}/report/figure1.log",
    conda:
        ENV
    params:
        layers=lambda wc: ENCODERS[wc.encoder]["layers"],
        losses=lambda wc: STUDY.encoder_losses(wc.encoder),
        mini_world=bool(config["mini_world"]),
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/figure1.py"


# One static page per encoder with every table and figure of its study and the configuration.
rule report:
    input:
        claims=layout.fill_all(layout.CLAIMS, name=STUDY.claim_pages, ext=["csv"]),
        tables=layout.fill_all(layout.TABLE, table=STUDY.paper_tables, ext=["csv"]),
        steps=layout.fill_all(layout.STEP_TABLE, step=STUDY.other_steps, table=STUDY.step_tables, ext=["csv"]),
        figures=layout.fill_all(layout.FIGURE, figure=STUDY.figures, ext=["png"]),
    output:
        layout.REPORT,
    log:
        "logs/{encoder}/report/report.log",
    conda:
        ENV
    params:
        config=lambda wc: without_operational(STUDY.encoder_config(wc.encoder)),  # another encoder's facts do not touch it
        digest=lambda wc: digest(STUDY.encoder_config(wc.encoder)),
        encoder=lambda wc: encoder_label(ENCODERS[wc.encoder]),
        mini_world=bool(config["mini_world"]),
    script:
        "../../scripts/report.py"


# The study's tables: each encoder's rows of a table, with an `encoder` column (results/tables/table3.csv).
rule study_table:
    input:
        lambda wc: [layout.table(wc.table, "csv", encoder) for encoder in ENCODERS],
    output:
        csv=layout.fill(layout.STUDY_TABLE, ext="csv"),
        md=layout.fill(layout.STUDY_TABLE, ext="md"),
    log:
        "logs/report/study_table/{table}.log",
    wildcard_constraints:
        table=one_of(STUDY.paper_tables),
    conda:
        ENV
    params:
        encoders=list(ENCODERS),
    script:
        "../../scripts/study_table.py"


# The study's figures: each encoder's, under results/figures/ (with several encoders, named by the encoder).
rule study_figure:
    input:
        png=lambda wc: layout.figure(STUDY.study_figures[wc.figure][1], "png", STUDY.study_figures[wc.figure][0]),
        pdf=lambda wc: layout.figure(STUDY.study_figures[wc.figure][1], "pdf", STUDY.study_figures[wc.figure][0]),
    output:
        png=layout.fill(layout.STUDY_FIGURE, ext="png"),
        pdf=layout.fill(layout.STUDY_FIGURE, ext="pdf"),
    log:
        "logs/report/study_figure/{figure}.log",
    wildcard_constraints:
        figure=one_of(STUDY.study_figures),
    conda:
        ENV
    script:
        "../../scripts/study_figure.py"


# The study's page: the claims across the encoders, each encoder's verdicts side by side, and a link to
# each encoder's own report.
rule study_report:
    input:
        claims=[layout.study_claims(name) for name in ("encoders", "differences", "claims")],
        reports=layout.fill_all(layout.REPORT, encoder=ENCODERS),
    output:
        layout.STUDY_REPORT,
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
        jobs=STUDY.training_work(),
    script:
        "../../scripts/clean_state.py"


# Each aligned checkpoint that the tables read, as a Hub repository: its files (hard links), a model card with
# its settings, alignment log and retrieval scores, and its log (src/align_transfer/report/hub.py).
rule model_cards:
    input:
        checkpoints=lambda wc: [layout.model_dir(wc.encoder, model) for model in STUDY.carded_models(wc.encoder)],
        train_logs=lambda wc: layout.fill_all(
            layout.TRAIN_LOG, encoder=[wc.encoder], pair=PAIRS, losses=STUDY.encoder_losses(wc.encoder)
        ),
        retrieval=lambda wc: STUDY.comparisons(
            wc.encoder, "retrieval", "encoder", ["base", *STUDY.carded_models(wc.encoder)]
        ),
    output:
        directory(layout.HUB),
    log:
        "logs/{encoder}/report/model_cards.log",
    conda:
        ENV
    params:
        models=lambda wc: STUDY.carded_models(wc.encoder),
        encoder=lambda wc: pick(ENCODERS[wc.encoder], ["name", "source", "hub_id", "revision", "mlm_head"]),
        pairs=canonical(PAIRS),
        alignment=lambda wc: STUDY.alignment_settings(wc.encoder),
        layer=lambda wc: ENCODERS[wc.encoder]["retrieval_layer"],
        steering=COVERS,  # the languages each result file must cover
    script:
        "../../scripts/model_cards.py"
