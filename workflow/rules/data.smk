# Download every source (from its URL or a mirror) and prepare the normalised inputs (docs/design.md §3).
# Downloads run on the login node, where clusters have internet. Every fetched file is checked
# against the lock file of inputs (docs/running.md, "Inputs lock").


localrules:
    data,
    generate_mini_world,
    download_parallel,
    download_lexicon,
    download_flores,
    download_encoder,


rule generate_mini_world:
    output:
        directory(layout.MINI_WORLD),
    log:
        "logs/data/generate_mini_world.log",
    benchmark:
        "benchmarks/data/generate_mini_world.tsv"
    conda:
        ENV
    params:
        world=canonical(config["mini_world"]),
        pairs=list(PAIRS),
    script:
        "../../scripts/generate_mini_world.py"


rule download_parallel:
    input:
        STUDY.mini_world,
    output:
        resource("opus", corpus="{corpus}", version="{version}", pair="{pair}"),
    log:
        "logs/data/download_parallel/{corpus}_{version}_{pair}.log",
    conda:
        ENV
    params:
        name="opus",
        url=config["sources"]["opus"]["url"],
        steering=fetching("opus"),
    script:
        "../../scripts/download_files.py"


rule download_lexicon:
    input:
        STUDY.mini_world,
    output:
        list(STUDY.lexicon_files()),
    log:
        "logs/data/download_lexicon.log",
    conda:
        ENV
    params:
        name="muse",
        steering=fetching("muse"),
        source=source_files("muse", STUDY.lexicon_files()),
        # a lexicon given by its own URL or path (data.lexicons: source) instead of MUSE's
        locations=canonical(
            {
                path: STUDY.lexicons[f["pair"]]
                for path, f in STUDY.lexicon_files().items()
                if STUDY.lexicons[f["pair"]] != "muse"
            }
        ),
    script:
        "../../scripts/download_files.py"


rule download_flores:
    input:
        STUDY.mini_world,
    output:
        STUDY.flores_downloads(),
    log:
        "logs/data/download_flores.log",
    conda:
        ENV
    params:
        url=config["sources"]["flores"]["url"],
        codes=STUDY.flores_langs(),
        splits=FLORES_SPLITS,
        steering=fetching("flores"),
    script:
        "../../scripts/download_flores.py"


# Each hub encoder's files, at its pinned revision (or from its mirror folder).
rule download_encoder:
    output:
        directory(layout.ENCODER_DOWNLOAD),
    log:
        "logs/data/download_encoder/{encoder}.log",
    conda:
        ENV
    params:
        identity=lambda wc: pick(ENCODERS[wc.encoder], ["hub_id", "revision"]),
        steering=lambda wc: fetching(encoder=wc.encoder),
    script:
        "../../scripts/download_encoder.py"


rule prepare_parallel:
    input:
        lambda wc: STUDY.opus_download(wc.pair),
    output:
        layout.PARALLEL,
    log:
        "logs/data/prepare_parallel/{pair}.log",
    benchmark:
        "benchmarks/data/prepare_parallel/{pair}.tsv"
    conda:
        ENV
    resources:
        mem_mb=4000,
        runtime=20,
    params:
        cap=lambda wc: PAIRS[wc.pair]["cap"],
        max_chars=config["data"]["parallel_max_chars"],
        seed=config["data"]["shuffle_seed"],
    script:
        "../../scripts/prepare_parallel.py"


rule prepare_lexicon:
    input:
        list(STUDY.lexicon_files()),
    output:
        [layout.LEXICON.format(**fields) for fields in STUDY.lexicon_files().values()],
    log:
        "logs/data/prepare_lexicon.log",
    benchmark:
        "benchmarks/data/prepare_lexicon.tsv"
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../../scripts/prepare_lexicon.py"


rule prepare_flores:
    input:
        rules.download_flores.output,
    output:
        layout.fill_all(layout.FLORES, split=FLORES_SPLITS, code=STUDY.flores_langs()),
    log:
        "logs/data/prepare_flores.log",
    benchmark:
        "benchmarks/data/prepare_flores.tsv"
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        codes=STUDY.flores_langs(),
        splits=FLORES_SPLITS,
    script:
        "../../scripts/prepare_flores.py"


# Each task's source (core.tasks): one job fetches its files and one prepares them.
for task, files in STUDY.task_sources().items():
    source = TASKS[task].source

    rule:
        name:
            f"download_{source}"
        input:
            STUDY.mini_world,
        output:
            list(files),
        log:
            f"logs/data/download_{source}.log",
        localrule: True
        conda:
            ENV
        params:
            name=source,
            steering=fetching(source),
            source=source_files(source, {raw: fields for raw, (fields, _) in files.items()}),
        script:
            "../../scripts/download_files.py"

    rule:
        name:
            f"prepare_{source}"
        input:
            list(files),
        output:
            [prepared for _, prepared in files.values()],
        log:
            f"logs/data/prepare_{source}.log",
        benchmark:
            f"benchmarks/data/prepare_{source}.tsv"
        conda:
            ENV
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            task=task,
        script:
            "../../scripts/prepare_task_data.py"
