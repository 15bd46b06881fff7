# Phase II and III (paper §4.3, §4.4): fine-tune every checkpoint the tables use, of every encoder, on
# English POS and SIB-200 topics, fully and linear-only, and evaluate each run zero-shot on the
# evaluation languages.


# Each encoder's tokenizer reads the task data once; every checkpoint of the encoder shares it.
rule tokenize_task:
    input:
        unpack(lambda wc: STUDY.task_files(wc.task)),
        tokenizer=layout.BASE_MODEL,
    output:
        directory(layout.TASK_TOKENS),
    log:
        "logs/{encoder}/finetune/tokenize_task/{task}.log",
    benchmark:
        "benchmarks/{encoder}/finetune/tokenize_task/{task}.tsv"
    conda:
        ENV
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        files=lambda wc: STUDY.task_files(wc.task),
        max_length=lambda wc: STUDY.task_max_length(wc.encoder, wc.task),
        sample=STUDY.sample(
            {
                "train": FINETUNE["train_examples"],
                "dev": FINETUNE["train_examples"],
                "test": config["evaluation"]["test_examples"],
            }
        ),
    script:
        "../../scripts/tokenize_task.py"


# Linear-only: the frozen backbone encodes each split once; every seed's head trains on those features.
rule linear_probe:
    input:
        data=layout.TASK_TOKENS,
        encoder=encoder_dir,
    output:
        runs=directory(STUDY.seed_files(layout.FINETUNE_SEED, "linear")),
        zeroshot=STUDY.seed_files(layout.ZEROSHOT, "linear", suffix=""),
        item_scores=STUDY.seed_files(layout.ZEROSHOT, "linear", suffix="_items"),
    log:
        "logs/{encoder}/finetune/{task}/linear/{model}.log",
    benchmark:
        "benchmarks/{encoder}/finetune/{task}/linear/{model}.tsv"
    conda:
        ENV
    threads: config["training_threads"]
    resources:
        **requested("linear_probe"),
        gpu=1,
    params:
        settings=finetune_settings("linear"),
        seeds=FINETUNE["seeds"],
        languages=list(STUDY.eval_langs),
    script:
        "../../scripts/linear_probe.py"


# Full fine-tuning: one job per task and encoder runs every seed in turn (fewer, longer cluster jobs).
rule finetune_full:
    input:
        data=layout.TASK_TOKENS,
        encoder=encoder_dir,
    output:
        runs=directory(STUDY.seed_files(layout.FINETUNE_SEED, "full")),
        zeroshot=STUDY.seed_files(layout.ZEROSHOT, "full", suffix=""),
        item_scores=STUDY.seed_files(layout.ZEROSHOT, "full", suffix="_items"),
    log:
        "logs/{encoder}/finetune/{task}/full/{model}.log",
    benchmark:
        "benchmarks/{encoder}/finetune/{task}/full/{model}.tsv"
    conda:
        ENV
    threads: config["training_threads"]
    resources:
        **requested("finetune_full"),
        gpu=1,
    params:
        settings=finetune_settings("full"),
        seeds=FINETUNE["seeds"],
        languages=list(STUDY.eval_langs),
        kept_seeds=lambda wc: [seed for seed in FINETUNE["seeds"] if STUDY.keeps_weights(wc.encoder, wc.model, seed)],
        steering=Steering(state_every=FINETUNE["state_every"]),
        # resumable state and finished seeds: outside the outputs, so a killed or failed job's rerun resumes
        work=lambda wc: layout.FINETUNE_WORK.format(mode="full", **dict(wc.items())),
    script:
        "../../scripts/finetune_full.py"


# Beyond the paper (docs/science.md, "Joint training"): full fine-tuning with the alignment loss of the model's
# pair and loss code trained alongside the task, from the base encoder or the aligned checkpoint (finetune.joint).
rule finetune_joint:
    input:
        data=layout.TASK_TOKENS,
        encoder=lambda wc: STUDY.joint_start(wc.encoder, wc.model),
        pairs=lambda wc: layout.model_tokens(wc.encoder, wc.model),
    output:
        runs=directory(STUDY.seed_files(layout.FINETUNE_SEED, "joint")),
        zeroshot=STUDY.seed_files(layout.ZEROSHOT, "joint", suffix=""),
        item_scores=STUDY.seed_files(layout.ZEROSHOT, "joint", suffix="_items"),
    log:
        "logs/{encoder}/finetune/{task}/joint/{model}.log",
    benchmark:
        "benchmarks/{encoder}/finetune/{task}/joint/{model}.tsv"
    conda:
        ENV
    threads: config["training_threads"]
    resources:
        **requested("finetune_joint"),
        gpu=1,
    params:
        settings=finetune_settings("full"),
        joint=lambda wc: STUDY.joint_settings(wc.encoder),
        seeds=FINETUNE["seeds"],
        languages=list(STUDY.eval_langs),
        kept_seeds=lambda wc: [seed for seed in FINETUNE["seeds"] if STUDY.keeps_weights(wc.encoder, wc.model, seed)],
        steering=Steering(state_every=FINETUNE["state_every"], log_every=FINETUNE["joint"]["log_every"]),
        work=lambda wc: layout.FINETUNE_WORK.format(mode="joint", **dict(wc.items())),
    script:
        "../../scripts/finetune_full.py"
