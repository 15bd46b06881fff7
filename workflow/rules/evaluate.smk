# The representation analyses (paper §4.5, DESIGN §4). Each encoder's FLORES sentences and lexicon
# words are encoded once; retrieval and similarity read those embeddings. Gradients are taken on
# the aligned-then-fully-fine-tuned encoders. (Zero-shot evaluation runs inside the fine-tuning jobs.)


rule embed:
    input:
        encoder=lambda wc: encoder_dir(wc.model),
        flores=RETRIEVAL_FLORES.values(),
        lexicons=LEXICON_FILES.values(),
    output:
        "results/embeddings/{model}/encoder.safetensors",
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
        flores=canonical(RETRIEVAL_FLORES),
        lexicons=canonical(LEXICON_FILES),
        lexicon_size=ANALYSIS["lexicon_size"],
        layers=EMBEDDING_LAYERS,
    script:
        "../../scripts/embed.py"


# Figure 1's fine-tuned condition: every kept full fine-tuning run of an aligned encoder.
rule embed_finetuned:
    input:
        unpack(finetuned_runs),
        flores=RETRIEVAL_FLORES.values(),
        lexicons=LEXICON_FILES.values(),
    output:
        expand("results/embeddings/{{model}}/{variant}.safetensors", variant=FINETUNED_VARIANTS),
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
        flores=canonical(RETRIEVAL_FLORES),
        lexicons=canonical(LEXICON_FILES),
        lexicon_size=ANALYSIS["lexicon_size"],
        layers=EMBEDDING_LAYERS,
        variants=canonical(FINETUNED_VARIANTS),
    script:
        "../../scripts/embed.py"


# Retrieval (R@k both ways, Tables 7, 8) and the mean cosine of translations per layer (Table 2, Figure 1).
rule compare_embeddings:
    input:
        embedding_files,
    output:
        retrieval="results/eval/retrieval/{model}/{stage}.csv",
        similarity="results/eval/similarity/{model}/{stage}.csv",
    log:
        "logs/evaluate/compare_embeddings/{model}/{stage}.log",
    benchmark:
        "benchmarks/evaluate/compare_embeddings/{model}/{stage}.tsv"
    conda:
        ENV
    resources:
        mem_mb=8000,
        runtime=20,
    params:
        groups=canonical(ANALYSIS["retrieval_groups"]),
        codes=RETRIEVAL_CODES,
        lexicons=list(LEXICON_FILES),
        layers=ANALYSIS["layers"],
        retrieval_layer=ANALYSIS["retrieval_layer"],
        recall_at=ANALYSIS["recall_at"],
    script:
        "../../scripts/compare_embeddings.py"


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
        finetune={task: FinetuneSettings.determining(FINETUNE, task, "full") for task in FINETUNE["tasks"]},
        alignment=ALIGNMENT,
        batches=ANALYSIS["gradient_batches"],
        languages=list(EVAL_LANGS),
        source_lang=SOURCE_LANG["lang"],
    script:
        "../../scripts/gradients.py"
