# Phase I (paper §4.2): each encoder's base model, the parallel corpora tokenized once per encoder, and
# one alignment run per encoder, pair and loss code, with checkpoints at the configured steps.

if STUDY.mini_encoders:

    rule train_mini_tokenizer:
        input:
            layout.MINI_WORLD,
        output:
            directory(layout.MINI_TOKENIZER),
        log:
            "logs/{encoder}/models/train_mini_tokenizer.log",
        benchmark:
            "benchmarks/{encoder}/models/train_mini_tokenizer.tsv"
        wildcard_constraints:
            encoder=one_of(STUDY.mini_encoders),
        conda:
            ENV
        params:
            tokenizer=lambda wc: pick(ENCODERS[wc.encoder]["mini"], ["architecture", "vocab_size"]),
            max_length=lambda wc: ENCODERS[wc.encoder]["max_length"],
        script:
            "../../scripts/train_mini_tokenizer.py"

    rule pretrain_mini_encoder:
        input:
            world=layout.MINI_WORLD,
            tokenizer=layout.MINI_TOKENIZER,
        output:
            directory(layout.BASE_MODEL),
        log:
            "logs/{encoder}/models/pretrain_mini_encoder.log",
        benchmark:
            "benchmarks/{encoder}/models/pretrain_mini_encoder.tsv"
        wildcard_constraints:
            encoder=one_of(STUDY.mini_encoders),
        priority: 20
        conda:
            ENV
        resources:
            mem_mb=4000,
            runtime=30,
        params:
            mini=lambda wc: canonical(ENCODERS[wc.encoder]["mini"]),
            max_length=lambda wc: ENCODERS[wc.encoder]["max_length"],
        script:
            "../../scripts/pretrain_mini_encoder.py"


if STUDY.hub_encoders:

    # The downloaded encoder saved for training, after its facts in the config are checked against it.
    rule prepare_base_encoder:
        input:
            layout.ENCODER_DOWNLOAD,
        output:
            directory(layout.BASE_MODEL),
        log:
            "logs/{encoder}/models/prepare_base_encoder.log",
        benchmark:
            "benchmarks/{encoder}/models/prepare_base_encoder.tsv"
        wildcard_constraints:
            encoder=one_of(STUDY.hub_encoders),
        conda:
            ENV
        resources:
            mem_mb=8000,
            runtime=20,
        params:
            mlm_head=lambda wc: ENCODERS[wc.encoder]["mlm_head"],
            steering=lambda wc: fetching(encoder=wc.encoder),  # the facts it checks
        script:
            "../../scripts/prepare_base_encoder.py"


rule tokenize_parallel:
    input:
        corpus=layout.PARALLEL,
        encoder=layout.BASE_MODEL,
    output:
        directory(layout.TOKENS),
    log:
        "logs/{encoder}/align/tokenize_parallel/{pair}.log",
    benchmark:
        "benchmarks/{encoder}/align/tokenize_parallel/{pair}.tsv"
    priority: 10
    conda:
        ENV
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        max_length=lambda wc: STUDY.alignment_settings(wc.encoder)["max_length"],
    script:
        "../../scripts/tokenize_parallel.py"


rule align:
    input:
        tokens=layout.TOKENS,
        encoder=layout.BASE_MODEL,
    output:
        checkpoints=directory(layout.fill_all(layout.CHECKPOINT, step=STUDY.checkpoint_steps)),
        train_log=layout.TRAIN_LOG,
    log:
        "logs/{encoder}/align/{pair}/{losses}.log",
    benchmark:
        "benchmarks/{encoder}/align/{pair}/{losses}.tsv"
    priority: 10  # alignment is the critical path: it runs before the probes and fine-tunes of earlier runs
    conda:
        ENV
    threads: config["training_threads"]
    resources:
        **requested("align"),
        gpu=1,
    params:
        alignment=lambda wc: STUDY.alignment_settings(wc.encoder),
        mlm_head=lambda wc: ENCODERS[wc.encoder]["mlm_head"],
        steps=STUDY.checkpoint_steps,
        steering=Steering(**pick(config["alignment"], ["log_every", "state_every"])),
        # resumable state: outside the outputs, so a killed job's rerun resumes from it
        work=lambda wc: layout.ALIGNMENT_WORK.format(**dict(wc.items())),
    script:
        "../../scripts/align.py"
