# The representation analyses (paper §4.5, DESIGN §4). Each encoder's FLORES sentences and lexicon
# words are encoded once; retrieval and similarity read those embeddings. Gradients are taken on
# the aligned-then-fully-fine-tuned encoders. (Zero-shot evaluation runs inside the fine-tuning jobs.)


# Each encoder's text is encoded once, and the same job compares the embeddings: R@k both ways
# (Tables 7, 8) and the mean cosine of translations per layer (Table 2, Figure 1), and finds which
# SIB-200 test items retrieve their English translation first (the claims layer's instance level).
rule embed:
    input:
        encoder=lambda wc: encoder_dir(wc.model),
        flores=EMBEDDED_FLORES.values(),
        lexicons=LEXICON_FILES.values(),
        sib=SIB_TEST.values(),
    output:
        embeddings="results/embeddings/{model}/encoder.safetensors",
        retrieval="results/eval/retrieval/{model}/encoder.csv",
        similarity="results/eval/similarity/{model}/encoder.csv",
        sib_items="results/eval/retrieval/{model}/sib_items.csv",
    log:
        "logs/evaluate/embed/{model}.log",
    benchmark:
        "benchmarks/evaluate/embed/{model}.tsv"
    conda:
        ENV
    threads: config["training_threads"]
    resources:
        **requested("embed"),
        gpu=1,
    params:
        **EMBEDDING_PARAMS,
        sib=canonical(SIB_TEST),
        test_examples=config["evaluation"]["test_examples"],
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
        embeddings=expand("results/embeddings/{{model}}/{variant}.safetensors", variant=FINETUNED_VARIANTS),
        retrieval="results/eval/retrieval/{model}/finetuned.csv",
        similarity="results/eval/similarity/{model}/finetuned.csv",
    log:
        "logs/evaluate/embed_finetuned/{model}.log",
    benchmark:
        "benchmarks/evaluate/embed_finetuned/{model}.tsv"
    conda:
        ENV
    threads: config["training_threads"]
    resources:
        **requested("embed_finetuned"),
        gpu=1,
    params:
        **EMBEDDING_PARAMS,
        variants=canonical(FINETUNED_VARIANTS),
    script:
        "../../scripts/embed.py"


# Table 3 and §4.5's per-language gradients, for every kept full fine-tuning run of an aligned encoder.
rule gradients:
    input:
        unpack(finetuned_runs),
        aligned=lambda wc: encoder_dir(wc.model),
        tokens=lambda wc: f"results/data/tokens/{wc.model.split('_')[0]}",
        tasks=expand("results/data/tasks/{task}", task=FINETUNE["tasks"]),
        flores=GRADIENT_FLORES.values(),
    output:
        alignment="results/eval/gradients/{model}/alignment.csv",
        languages="results/eval/gradients/{model}/languages.csv",
    log:
        "logs/evaluate/gradients/{model}.log",
    benchmark:
        "benchmarks/evaluate/gradients/{model}.tsv"
    conda:
        ENV
    threads: config["training_threads"]
    resources:
        **requested("gradients"),
        gpu=1,
    params:
        variants=canonical(FINETUNED_VARIANTS),
        flores=canonical(GRADIENT_FLORES),
        flores_examples=ANALYSIS["flores_examples"],
        finetune={task: FinetuneSettings.determining(FINETUNE, task, "full") for task in FINETUNE["tasks"]},
        alignment=ALIGNMENT,
        batches=ANALYSIS["gradient_batches"],
        languages=list(EVAL_LANGS),
        source_lang=SOURCE,
    script:
        "../../scripts/gradients.py"
