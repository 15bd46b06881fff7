# Download every source (from its URL or a mirror) and prepare the normalised inputs (docs/design.md §3).
# Downloads run on the login node, where clusters have internet. Every fetched file is checked
# against the lock file of inputs (docs/running.md, "Inputs lock").


localrules:
    data,
    generate_mini_world,
    download_parallel,
    download_lexicon,
    download_flores,
    download_ud,
    download_sib200,
    download_encoder,


rule generate_mini_world:
    output:
        directory("resources/mini_world"),
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
        MINI_WORLD,
    output:
        "resources/opus/OPUS-{corpus}/{version}/moses/{pair}.txt.zip",
    log:
        "logs/data/download_parallel/{corpus}_{version}_{pair}.log",
    conda:
        ENV
    params:
        name="opus",
        url=SOURCES["opus"]["url"],
        steering=fetching("opus"),
    script:
        "../../scripts/download_files.py"


rule download_lexicon:
    input:
        MINI_WORLD,
    output:
        list(LEXICON_FIELDS),
    log:
        "logs/data/download_lexicon.log",
    conda:
        ENV
    params:
        name="muse",
        steering=fetching("muse"),
        source=source_files("muse", LEXICON_FIELDS),
        # a lexicon given by its own URL or path (data.lexicons: source) instead of MUSE's
        locations=canonical(
            {path: LEXICONS[f["pair"]] for path, f in LEXICON_FIELDS.items() if LEXICONS[f["pair"]] != "muse"}
        ),
    script:
        "../../scripts/download_files.py"


rule download_ud:
    input:
        MINI_WORLD,
    output:
        list(UD_FIELDS),
    log:
        "logs/data/download_ud.log",
    conda:
        ENV
    params:
        name="ud",
        steering=fetching("ud"),
        source=source_files("ud", UD_FIELDS),
    script:
        "../../scripts/download_files.py"


rule download_sib200:
    input:
        MINI_WORLD,
    output:
        list(SIB_FIELDS),
    log:
        "logs/data/download_sib200.log",
    conda:
        ENV
    params:
        name="sib200",
        steering=fetching("sib200"),
        source=source_files("sib200", SIB_FIELDS),
    script:
        "../../scripts/download_files.py"


rule download_flores:
    input:
        MINI_WORLD,
    output:
        expand(
            "resources/flores/flores200_dataset/{split}/{code}.{split}",
            split=FLORES_SPLITS,
            code=FLORES_LANGS,
        ),
    log:
        "logs/data/download_flores.log",
    conda:
        ENV
    params:
        url=SOURCES["flores"]["url"],
        codes=FLORES_LANGS,
        splits=FLORES_SPLITS,
        steering=fetching("flores"),
    script:
        "../../scripts/download_flores.py"


# Each hub encoder's files, at its pinned revision (or from its mirror folder).
rule download_encoder:
    output:
        directory("resources/encoders/{encoder}"),
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
        lambda wc: "resources/opus/OPUS-{corpus}/{version}/moses/{pair}.txt.zip".format(**PAIRS[wc.pair]),
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
        list(LEXICON_PREPARED),
    output:
        list(LEXICON_PREPARED.values()),
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
        expand(
            layout.FLORES,
            split=FLORES_SPLITS,
            code=FLORES_LANGS,
        ),
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
        codes=FLORES_LANGS,
        splits=FLORES_SPLITS,
    script:
        "../../scripts/prepare_flores.py"


rule prepare_ud:
    input:
        list(UD_PREPARED),
    output:
        list(UD_PREPARED.values()),
    log:
        "logs/data/prepare_ud.log",
    benchmark:
        "benchmarks/data/prepare_ud.tsv"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../../scripts/prepare_ud.py"


rule prepare_sib200:
    input:
        list(SIB_PREPARED),
    output:
        list(SIB_PREPARED.values()),
    log:
        "logs/data/prepare_sib200.log",
    benchmark:
        "benchmarks/data/prepare_sib200.tsv"
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../../scripts/prepare_sib200.py"


# Named entities (beyond the paper): WikiANN's parquet files, where finetune.tasks has ner.
if NER_FIELDS:

    localrules:
        download_wikiann,

    rule download_wikiann:
        input:
            MINI_WORLD,
        output:
            list(NER_FIELDS),
        log:
            "logs/data/download_wikiann.log",
        conda:
            ENV
        params:
            name="wikiann",
            steering=fetching("wikiann"),
            source=source_files("wikiann", NER_FIELDS),
        script:
            "../../scripts/download_files.py"

    rule prepare_wikiann:
        input:
            list(NER_PREPARED),
        output:
            list(NER_PREPARED.values()),
        log:
            "logs/data/prepare_wikiann.log",
        benchmark:
            "benchmarks/data/prepare_wikiann.tsv"
        conda:
            ENV
        resources:
            mem_mb=2000,
            runtime=10,
        script:
            "../../scripts/prepare_wikiann.py"
