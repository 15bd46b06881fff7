# Phase II and III (paper §4.3, §4.4): fine-tune every encoder the tables use on English POS and
# SIB-200 topics, fully and linear-only, and evaluate each run zero-shot on the evaluation languages.


rule tokenize_task:
    input:
        unpack(lambda wc: task_files(wc.task)),
        tokenizer="results/models/base",
    output:
        directory("results/data/tasks/{task}"),
    log:
        "logs/finetune/tokenize_task/{task}.log",
    benchmark:
        "benchmarks/finetune/tokenize_task/{task}.tsv"
    conda:
        ENV
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        files=lambda wc: task_files(wc.task),
        max_length=lambda wc: FINETUNE[wc.task]["max_length"],
        limits={
            "train": FINETUNE["train_examples"],
            "dev": FINETUNE["train_examples"],
            "test": config["evaluation"]["test_examples"],
        },
    script:
        "../../scripts/tokenize_task.py"


# Linear-only: the frozen backbone encodes each split once; every seed's head trains on those features.
rule linear_probe:
    input:
        data="results/data/tasks/{task}",
        encoder=lambda wc: encoder_dir(wc.model),
    output:
        runs=directory(expand("results/finetune/{{task}}/linear/{{model}}/seed{seed}", seed=FINETUNE["seeds"])),
        zeroshot=expand(
            "results/eval/zeroshot/{{task}}/linear/{{model}}/seed{seed}.csv",
            seed=FINETUNE["seeds"],
        ),
        item_scores=expand(
            "results/eval/zeroshot/{{task}}/linear/{{model}}/seed{seed}_items.csv",
            seed=FINETUNE["seeds"],
        ),
    log:
        "logs/finetune/{task}/linear/{model}.log",
    benchmark:
        "benchmarks/finetune/{task}/linear/{model}.tsv"
    conda:
        ENV
    threads: config["training_threads"]
    resources:
        **requested("linear_probe"),
        gpu=1,
    params:
        settings=finetune_settings("linear"),
        seeds=FINETUNE["seeds"],
        languages=list(EVAL_LANGS),
    script:
        "../../scripts/linear_probe.py"


# Full fine-tuning: one job per task and encoder runs every seed in turn (fewer, longer cluster jobs).
rule finetune_full:
    input:
        data="results/data/tasks/{task}",
        encoder=lambda wc: encoder_dir(wc.model),
    output:
        runs=directory(expand("results/finetune/{{task}}/full/{{model}}/seed{seed}", seed=FINETUNE["seeds"])),
        zeroshot=expand(
            "results/eval/zeroshot/{{task}}/full/{{model}}/seed{seed}.csv",
            seed=FINETUNE["seeds"],
        ),
        item_scores=expand(
            "results/eval/zeroshot/{{task}}/full/{{model}}/seed{seed}_items.csv",
            seed=FINETUNE["seeds"],
        ),
    log:
        "logs/finetune/{task}/full/{model}.log",
    benchmark:
        "benchmarks/finetune/{task}/full/{model}.tsv"
    conda:
        ENV
    threads: config["training_threads"]
    resources:
        **requested("finetune_full"),
        gpu=1,
    params:
        settings=finetune_settings("full"),
        seeds=FINETUNE["seeds"],
        languages=list(EVAL_LANGS),
        kept_seeds=lambda wc: [seed for seed in FINETUNE["seeds"] if keeps_weights(wc.model, seed)],
    script:
        "../../scripts/finetune_full.py"
