# Phase I (paper §4.2): the base encoder, parallel corpora tokenized once, and one alignment run
# per pair and loss code, with checkpoints at the configured steps.

if config["encoder"]["source"] == "mini":

    rule train_mini_tokenizer:
        input:
            "resources/mini_world",
        output:
            directory("results/models/mini_tokenizer"),
        log:
            "logs/models/train_mini_tokenizer.log",
        benchmark:
            "benchmarks/models/train_mini_tokenizer.tsv"
        conda:
            ENV
        params:
            vocab_size=config["encoder"]["mini"]["vocab_size"],
        script:
            "../../scripts/train_mini_tokenizer.py"

    rule pretrain_mini_encoder:
        input:
            world="resources/mini_world",
            tokenizer=rules.train_mini_tokenizer.output[0],
        output:
            directory("results/models/base"),
        log:
            "logs/models/pretrain_mini_encoder.log",
        benchmark:
            "benchmarks/models/pretrain_mini_encoder.tsv"
        priority: 20
        conda:
            ENV
        threads: 2  # little else can run yet
        resources:
            mem_mb=4000,
            runtime=30,
        params:
            mini=canonical(config["encoder"]["mini"]),
        script:
            "../../scripts/pretrain_mini_encoder.py"

else:

    rule prepare_base_encoder:
        input:
            "resources/encoder",
        output:
            directory("results/models/base"),
        log:
            "logs/models/prepare_base_encoder.log",
        benchmark:
            "benchmarks/models/prepare_base_encoder.tsv"
        conda:
            ENV
        resources:
            mem_mb=8000,
            runtime=20,
        script:
            "../../scripts/prepare_base_encoder.py"


rule tokenize_parallel:
    input:
        corpus="results/data/parallel/{pair}.tsv",
        encoder="results/models/base",
    output:
        directory("results/data/tokens/{pair}"),
    log:
        "logs/align/tokenize_parallel/{pair}.log",
    benchmark:
        "benchmarks/align/tokenize_parallel/{pair}.tsv"
    priority: 10
    conda:
        ENV
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        max_length=config["alignment"]["max_length"],
    script:
        "../../scripts/tokenize_parallel.py"


rule align:
    input:
        tokens="results/data/tokens/{pair}",
        encoder="results/models/base",
    output:
        checkpoints=directory(
            expand(
                "results/align/{{pair}}/{{losses}}/step{step}",
                step=CHECKPOINT_STEPS,
            )
        ),
        train_log="results/align/{pair}/{losses}/train_log.csv",
    log:
        "logs/align/{pair}/{losses}.log",
    benchmark:
        "benchmarks/align/{pair}/{losses}.tsv"
    priority: 10  # alignment is the critical path: it runs before the probes and fine-tunes of earlier runs
    conda:
        ENV
    threads: config["training_threads"]
    resources:
        **requested("align"),
        gpu=1,
    params:
        alignment=ALIGNMENT,
        steps=CHECKPOINT_STEPS,
        # resumable state: outside the outputs, so a killed job's rerun resumes from it
        work=lambda wc: f"results/align/{wc.pair}/{wc.losses}/work",
    script:
        "../../scripts/align.py"
