# The representation analyses (paper §4.5, docs/design.md §4). Each encoder's FLORES sentences and lexicon
# words are encoded once; retrieval and similarity read those embeddings. Gradients are taken on
# the aligned-then-fully-fine-tuned encoders. (Zero-shot evaluation runs inside the fine-tuning jobs.)


# Each encoder's text is encoded once, and the same job compares the embeddings: R@k both ways
# (Tables 7, 8) and the mean cosine of translations per layer (Table 2, Figure 1), and finds which
# SIB-200 test items retrieve their English translation first (the claims layer's instance level).
rule embed:
    input:
        encoder=encoder_dir,
        flores=STUDY.embedded_flores.values(),
        lexicons=STUDY.lexicon_prepared.values(),
        sib=STUDY.parallel_test.values(),
    output:
        embeddings=layout.fill(layout.EMBEDDINGS, variant="encoder"),
        retrieval=layout.fill(layout.COMPARISON, kind="retrieval", stage="encoder"),
        similarity=layout.fill(layout.COMPARISON, kind="similarity", stage="encoder"),
        sib_items=layout.PARALLEL_ITEMS,
    log:
        "logs/{encoder}/evaluate/embed/{model}.log",
    benchmark:
        "benchmarks/{encoder}/evaluate/embed/{model}.tsv"
    conda:
        ENV
    threads: config["training_threads"]
    resources:
        **requested("embed"),
        gpu=1,
    params:
        **STUDY.embedding_params,
        encoder=lambda wc: STUDY.embedding_layers(wc.encoder),
        sib=canonical(STUDY.parallel_test),
        sib_sample=STUDY.sample({"test": config["evaluation"]["test_examples"]}),
        source=STUDY.source_lang,
    script:
        "../../scripts/embed.py"


# Figure 1's fine-tuned condition: every kept full fine-tuning run of an aligned encoder.
rule embed_finetuned:
    input:
        unpack(lambda wc: STUDY.finetuned_runs(wc.encoder, wc.model)),
        flores=STUDY.embedded_flores.values(),
        lexicons=STUDY.lexicon_prepared.values(),
    output:
        embeddings=layout.fill_all(layout.EMBEDDINGS, variant=STUDY.finetuned_variants),
        retrieval=layout.fill(layout.COMPARISON, kind="retrieval", stage="finetuned"),
        similarity=layout.fill(layout.COMPARISON, kind="similarity", stage="finetuned"),
    log:
        "logs/{encoder}/evaluate/embed_finetuned/{model}.log",
    benchmark:
        "benchmarks/{encoder}/evaluate/embed_finetuned/{model}.tsv"
    conda:
        ENV
    threads: config["training_threads"]
    resources:
        **requested("embed_finetuned"),
        gpu=1,
    params:
        **STUDY.embedding_params,
        encoder=lambda wc: STUDY.embedding_layers(wc.encoder),
        variants=canonical(STUDY.finetuned_variants),
    script:
        "../../scripts/embed.py"


# Table 3 and §4.5's per-language gradients (MLM ones where the encoder has an MLM head), for every kept
# full fine-tuning run of an aligned encoder.
rule gradients:
    input:
        unpack(lambda wc: STUDY.finetuned_runs(wc.encoder, wc.model)),
        aligned=encoder_dir,
        tokens=lambda wc: layout.model_tokens(wc.encoder, wc.model),
        tasks=layout.fill_all(layout.TASK_TOKENS, task=STUDY.tasks),
        flores=STUDY.gradient_flores.values(),
    output:
        alignment=layout.fill(layout.GRADIENTS, name="alignment"),
        languages=layout.fill(layout.GRADIENTS, name="languages"),
    log:
        "logs/{encoder}/evaluate/gradients/{model}.log",
    benchmark:
        "benchmarks/{encoder}/evaluate/gradients/{model}.tsv"
    conda:
        ENV
    threads: config["training_threads"]
    resources:
        **requested("gradients"),
        gpu=1,
    params:
        variants=canonical(STUDY.finetuned_variants),
        flores=canonical(STUDY.gradient_flores),
        flores_sample=STUDY.flores_sample,
        finetune=lambda wc: {task: STUDY.finetune_settings(wc.encoder, task, "full") for task in STUDY.tasks},
        alignment=lambda wc: STUDY.alignment_settings(wc.encoder),
        mlm_head=lambda wc: ENCODERS[wc.encoder]["mlm_head"],
        batches=ANALYSIS["gradient_batches"],
        languages=list(STUDY.eval_langs),
        source_lang=STUDY.source_lang,
    script:
        "../../scripts/gradients.py"


# Table 3's task-vs-alignment gradient cosine on the kept joint runs, at the same points (batches, seeds) as
# on their sequential runs, so the joint claims compare the two run by run.
rule gradients_joint:
    input:
        unpack(lambda wc: STUDY.joint_runs(wc.encoder, wc.model)),
        aligned=lambda wc: STUDY.joint_start(wc.encoder, wc.model),
        tokens=lambda wc: layout.model_tokens(wc.encoder, wc.model),
        tasks=layout.fill_all(layout.TASK_TOKENS, task=STUDY.tasks),
    output:
        alignment=layout.fill(layout.GRADIENTS, name="joint_alignment"),
    log:
        "logs/{encoder}/evaluate/gradients_joint/{model}.log",
    benchmark:
        "benchmarks/{encoder}/evaluate/gradients_joint/{model}.tsv"
    conda:
        ENV
    threads: config["training_threads"]
    resources:
        **requested("gradients_joint"),
        gpu=1,
    params:
        variants=canonical(STUDY.finetuned_variants),
        finetune=lambda wc: {task: STUDY.finetune_settings(wc.encoder, task, "full") for task in STUDY.tasks},
        alignment=lambda wc: STUDY.alignment_settings(wc.encoder),
        mlm_head=lambda wc: ENCODERS[wc.encoder]["mlm_head"],
        batches=ANALYSIS["gradient_batches"],
    script:
        "../../scripts/gradients.py"
