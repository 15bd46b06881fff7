# The representation analyses (paper §4.5, docs/design.md §4). Each encoder's FLORES sentences and lexicon
# words are encoded once; retrieval and similarity read those embeddings. Gradients are taken on
# the aligned-then-fully-fine-tuned encoders. (Zero-shot evaluation runs inside the fine-tuning jobs.)


# Each encoder's text is encoded once, and the same job compares the embeddings: R@k both ways
# (Tables 7, 8) and the mean cosine of translations per layer (Table 2, Figure 1), and finds which
# SIB-200 test items retrieve their English translation first (the claims layer's instance level).
rule embed:
    input:
        encoder=encoder_dir,
        flores=EMBEDDED_FLORES.values(),
        lexicons=LEXICON_FILES.values(),
        sib=SIB_TEST.values(),
    output:
        embeddings="results/{encoder}/embeddings/{model}/encoder.safetensors",
        retrieval="results/{encoder}/eval/retrieval/{model}/encoder.csv",
        similarity="results/{encoder}/eval/similarity/{model}/encoder.csv",
        sib_items="results/{encoder}/eval/retrieval/{model}/sib_items.csv",
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
        **EMBEDDING_PARAMS,
        encoder=lambda wc: embedding_layers(wc.encoder),
        sib=canonical(SIB_TEST),
        sib_sample=sample({"test": config["evaluation"]["test_examples"]}),
        source=SOURCE,
    script:
        "../../scripts/embed.py"


# Figure 1's fine-tuned condition: every kept full fine-tuning run of an aligned encoder.
rule embed_finetuned:
    input:
        unpack(finetuned_runs),
        flores=EMBEDDED_FLORES.values(),
        lexicons=LEXICON_FILES.values(),
    output:
        embeddings=expand(
            "results/{{encoder}}/embeddings/{{model}}/{variant}.safetensors",
            variant=FINETUNED_VARIANTS,
        ),
        retrieval="results/{encoder}/eval/retrieval/{model}/finetuned.csv",
        similarity="results/{encoder}/eval/similarity/{model}/finetuned.csv",
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
        **EMBEDDING_PARAMS,
        encoder=lambda wc: embedding_layers(wc.encoder),
        variants=canonical(FINETUNED_VARIANTS),
    script:
        "../../scripts/embed.py"


# Table 3 and §4.5's per-language gradients (MLM ones where the encoder has an MLM head), for every kept
# full fine-tuning run of an aligned encoder.
rule gradients:
    input:
        unpack(finetuned_runs),
        aligned=encoder_dir,
        tokens=lambda wc: layout.model_tokens(wc.encoder, wc.model),
        tasks=expand("results/{{encoder}}/data/tasks/{task}", task=FINETUNE["tasks"]),
        flores=GRADIENT_FLORES.values(),
    output:
        alignment="results/{encoder}/eval/gradients/{model}/alignment.csv",
        languages="results/{encoder}/eval/gradients/{model}/languages.csv",
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
        variants=canonical(FINETUNED_VARIANTS),
        flores=canonical(GRADIENT_FLORES),
        flores_sample=FLORES_SAMPLE,
        finetune=lambda wc: {
            task: FinetuneSettings.determining(FINETUNE, task, "full", ENCODERS[wc.encoder]["max_length"])
            for task in FINETUNE["tasks"]
        },
        alignment=lambda wc: alignment_settings(wc.encoder),
        mlm_head=lambda wc: ENCODERS[wc.encoder]["mlm_head"],
        batches=ANALYSIS["gradient_batches"],
        languages=list(EVAL_LANGS),
        source_lang=SOURCE,
    script:
        "../../scripts/gradients.py"
