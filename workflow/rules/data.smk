# Download every source (from its URL or a mirror) and prepare the normalised inputs (DESIGN §3).
# Downloads run on the login node, where clusters have internet.


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
        identity=source_identity("opus"),
    script:
        "../../scripts/download_file.py"


rule download_lexicon:
    input:
        MINI_WORLD,
    output:
        "resources/muse/dictionaries/{pair}.txt",
    log:
        "logs/data/download_lexicon/{pair}.log",
    conda:
        ENV
    params:
        name="muse",
        identity=source_identity("muse"),
        location=lambda wc: None if LEXICONS[wc.pair] == "muse" else LEXICONS[wc.pair],
    script:
        "../../scripts/download_file.py"


rule download_ud:
    input:
        MINI_WORLD,
    output:
        "resources/ud/{treebank}/{file}",
    log:
        "logs/data/download_ud/{treebank}/{file}.log",
    wildcard_constraints:
        treebank=r"UD_[^/]+",
        file=r"[^/]+\.conllu",
    conda:
        ENV
    params:
        name="ud",
        identity=source_identity("ud"),
    script:
        "../../scripts/download_file.py"


rule download_sib200:
    input:
        MINI_WORLD,
    output:
        "resources/sib200/data/annotated/{code}/{split}.tsv",
    log:
        "logs/data/download_sib200/{code}_{split}.log",
    conda:
        ENV
    params:
        name="sib200",
        identity=source_identity("sib200"),
    script:
        "../../scripts/download_file.py"


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
    script:
        "../../scripts/download_flores.py"


rule download_encoder:
    output:
        directory("resources/encoder"),
    log:
        "logs/data/download_encoder.log",
    conda:
        ENV
    params:
        identity=pick(config["encoder"], ["hub_id", "revision"]),
    script:
        "../../scripts/download_encoder.py"


rule prepare_parallel:
    input:
        lambda wc: "resources/opus/OPUS-{corpus}/{version}/moses/{pair}.txt.zip".format(**PAIRS[wc.pair]),
    output:
        "results/data/parallel/{pair}.tsv",
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
        "resources/muse/dictionaries/{pair}.txt",
    output:
        "results/data/lexicon/{pair}.tsv",
    log:
        "logs/data/prepare_lexicon/{pair}.log",
    benchmark:
        "benchmarks/data/prepare_lexicon/{pair}.tsv"
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
            "results/data/flores/{split}/{code}.txt",
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
        lambda wc: ud_raw(wc.lang, wc.split),
    output:
        "results/data/ud/{lang}/{split}.jsonl",
    log:
        "logs/data/prepare_ud/{lang}_{split}.log",
    benchmark:
        "benchmarks/data/prepare_ud/{lang}_{split}.tsv"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../../scripts/prepare_ud.py"


rule prepare_sib200:
    input:
        lambda wc: f"resources/sib200/data/annotated/{LANGS[wc.lang]['sib']}/{wc.split}.tsv",
    output:
        "results/data/sib200/{lang}/{split}.tsv",
    log:
        "logs/data/prepare_sib200/{lang}_{split}.log",
    benchmark:
        "benchmarks/data/prepare_sib200/{lang}_{split}.tsv"
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../../scripts/prepare_sib200.py"
