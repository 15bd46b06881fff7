# Target lists from the config, wildcard constraints and small helpers. No heavy imports.
# A rule's params are exactly the values that determine its output (DESIGN §6): canonical slices of
# the config (keys sorted, so key order never reruns a job), never cadence, threads or resources.
# Every encoder of `encoders` is one study: its outputs live under results/{encoder}/ (README, "Encoders").
import re
import sys

from align_transfer.checks import impossible_settings
from align_transfer.config import canonical, pick, without_operational, digest
from align_transfer.settings import AlignmentSettings, FinetuneSettings, encoder_label
from align_transfer.sources import revision
from align_transfer.tables import JOIN_GROUP

ENV = "../envs/align_transfer.yaml"


def profile_placeholders():
    """Resources of the profile still set to a FILL_IN_... placeholder (slurm/config.yaml before it is filled in)."""
    settings = workflow.resource_settings
    scopes = [("default-resources", settings.default_resources)]
    scopes += [(f"set-resources: {rule}", resources) for rule, resources in dict(settings.overwrite_resources).items()]
    return [
        f"{scope}: {name}: {resource.raw}"
        for scope, resources in scopes
        for name, resource in dict(resources or {}).items()
        if "FILL_IN" in str(getattr(resource, "raw", ""))
    ]


if placeholders := profile_placeholders():  # refuse before anything is submitted, even in a dry run
    print("profile error: fill in these values for your cluster (README, 'Running on SLURM'):", file=sys.stderr)
    print("\n".join(f"  {line}" for line in placeholders), file=sys.stderr)
    sys.exit(1)


SOURCES = config["sources"]
PAIRS = {p["pair"]: p for p in config["alignment"]["pairs"]}


def config_error(key, message):
    """A config value that the schema cannot check: a few lines naming the key, no traceback."""
    print(f"config error at {key}: {message}", file=sys.stderr)
    sys.exit(1)


def sample(limits):
    """A smoke run's sample of some inputs (``limits``: N or None each) and its seed; None where nothing is
    sampled, so that the seed then determines nothing."""
    if all(limit is None for limit in limits.values()):
        return None
    return canonical({"limits": limits, "seed": config["data"]["shuffle_seed"]})


def language(code, key):
    if code not in config["languages"]:
        config_error(key, f"'{code}' is not in `languages` (its UD treebank and SIB-200 code)")
    return config["languages"][code]


SOURCE = config["finetune"]["source"]
EVAL_LANGS = {code: language(code, "evaluation.languages") for code in config["evaluation"]["languages"]}
LANGS = {SOURCE: language(SOURCE, "finetune.source"), **EVAL_LANGS}
# A generated world is an input of every download, so it exists before they read their mirror.
MINI_WORLD = ["resources/mini_world"] if config["mini_world"] else []


LEXICONS = {}
for entry in config["data"]["lexicons"]:
    if entry["source"] == "skip":
        print(f"note: lexicon {entry['pair']} skipped (data.lexicons: source: skip)", file=sys.stderr)
    else:
        LEXICONS[entry["pair"]] = entry["source"]


def retrieval_pairs():
    return [p for group in config["analysis"]["retrieval_groups"] for p in group["pairs"]]


def flores_code(short):
    codes = config["analysis"]["flores_codes"]
    if short not in codes:
        config_error("analysis.flores_codes", f"'{short}' (used in analysis.retrieval_groups) has no FLORES code")
    return codes[short]


FLORES_LANGS = sorted(
    {flores_code(code) for pair in retrieval_pairs() for code in pair.split("-")}
    | {lang["sib"] for lang in LANGS.values()}
)
FLORES_SPLITS = ["dev", "devtest"]
CHECKPOINT_STEPS = sorted(config["alignment"]["checkpoint_steps"])
if CHECKPOINT_STEPS[-1] > config["alignment"]["steps"]:
    config_error("alignment.checkpoint_steps", f"{CHECKPOINT_STEPS[-1]} is beyond alignment.steps")
FINETUNE = config["finetune"]
if not set(FINETUNE["checkpoint_steps"]) <= set(CHECKPOINT_STEPS):
    config_error("finetune.checkpoint_steps", "must be steps of alignment.checkpoint_steps")
TABLE_STEP = config["evaluation"]["table_step"]
if TABLE_STEP not in FINETUNE["checkpoint_steps"]:
    config_error("evaluation.table_step", "must be one of finetune.checkpoint_steps")
if not set(config["analysis"]["finetuned_seeds"]) <= set(FINETUNE["seeds"]):
    config_error("analysis.finetuned_seeds", "must be seeds of finetune.seeds")
# Table 3, the per-language gradients and Figure 1's fine-tuned condition read fully fine-tuned encoders: a
# grid without full fine-tuning (finetune.modes: [linear]) plans none of them, and the claims layer says so.
FULL = "full" in FINETUNE["modes"]


# The encoders, by name: each is a study of its own under results/{name}/.
ENCODERS = {entry["name"]: entry for entry in config["encoders"]}
if len(ENCODERS) < len(config["encoders"]):
    config_error("encoders", "two encoders share a name (each names a folder under results/)")
MINI_ENCODERS = [name for name, entry in ENCODERS.items() if entry["source"] == "mini"]
HUB_ENCODERS = [name for name, entry in ENCODERS.items() if entry["source"] == "hub"]
if MINI_ENCODERS and not config["mini_world"]:
    config_error("encoders", f"{', '.join(MINI_ENCODERS)}: source: mini needs a mini_world to pretrain on")


def encoder_losses(encoder):
    """The loss codes an encoder is aligned with: its own `losses`, or every code of `alignment.losses`."""
    return ENCODERS[encoder]["losses"] or config["alignment"]["losses"]


for index, (name, entry) in enumerate(ENCODERS.items()):
    key = f"encoders[{index}] ({name})"
    if not entry["mlm_head"] and (needs_head := [code for code in encoder_losses(name) if code.endswith("M1")]):
        without = [code for code in encoder_losses(name) if code.endswith("M0")]
        config_error(key, f"mlm_head: false, so it cannot take the M loss of {', '.join(needs_head)}; leave those "
                          f"codes out for it (losses: [{', '.join(without)}])")  # fmt: skip
    if entry["source"] == "mini":
        depth = entry["mini"]["layers"]
        deepest = max(entry["layers"] + [entry["sentence_layer"], entry["retrieval_layer"]])
        if deepest > depth:
            config_error(key, f"layer {deepest} (layers, sentence_layer, retrieval_layer) is beyond its {depth} layers")


for key, message in impossible_settings(config):
    config_error(key, message)


def encoder_config(encoder):
    """The config as one encoder's study sees it: every section, and of `encoders` its own entry only."""
    return config | {"encoders": [ENCODERS[encoder]]}


def alignment_settings(encoder):
    """What determines an alignment run's weights: the `alignment` section and the encoder's facts."""
    return AlignmentSettings.determining(config["alignment"], ENCODERS[encoder])


def finetune_settings(mode):
    return lambda wc: FinetuneSettings.determining(FINETUNE, wc.task, mode, ENCODERS[wc.encoder]["max_length"])


def task_max_length(encoder, task):
    """A task's max length (Tables 5, 6), cut to the encoder's position limit."""
    return min(FINETUNE[task]["max_length"], ENCODERS[encoder]["max_length"])


# {model} names an encoder's checkpoints: base, or {pair}_{losses}_{step} for an alignment checkpoint
def models_at(encoder, step):
    return ["base"] + [f"{pair}_{losses}_{step}" for pair in PAIRS for losses in encoder_losses(encoder)]


def finetuned_models(encoder):
    """Every checkpoint of an encoder that is fine-tuned: base and each step of finetune.checkpoint_steps."""
    return ["base"] + [model for step in FINETUNE["checkpoint_steps"] for model in models_at(encoder, step)[1:]]


def table_models(encoder):
    return models_at(encoder, TABLE_STEP)


def aligned_table_models(encoder):
    return table_models(encoder)[1:]


def ud_splits(lang):
    """The UD splits a language needs: training and dev for the source, the test split elsewhere."""
    splits = {config["evaluation"]["split"]} if lang in EVAL_LANGS else set()
    if lang == SOURCE:
        splits |= {config["finetune"]["pos"]["train_split"], config["finetune"]["pos"]["dev_split"]}
    return sorted(splits)


def sib_splits(lang):
    # the source's test items too: the instance level retrieves each item's translation among them
    splits = {config["evaluation"]["split"]}
    if lang == SOURCE:
        splits |= {"train", "dev"}
    return sorted(splits)


def ud_raw(lang, split):
    info = LANGS[lang]
    return f"resources/ud/{info['treebank']}/{info['ud_prefix']}-ud-{split}.conllu"


# Each source's files: one job fetches them all and one prepares them all (they are small, and a
# job's start-up would dominate a single file's work). {path under resources/: its layout's fields}
UD_FIELDS = {
    ud_raw(lang, split): {"treebank": LANGS[lang]["treebank"], "file": f"{LANGS[lang]['ud_prefix']}-ud-{split}.conllu"}
    for lang in LANGS
    for split in ud_splits(lang)
}
SIB_FIELDS = {
    f"resources/sib200/data/annotated/{LANGS[lang]['sib']}/{split}.tsv": {"code": LANGS[lang]["sib"], "split": split}
    for lang in LANGS
    for split in sib_splits(lang)
}
LEXICON_FIELDS = {f"resources/muse/dictionaries/{pair}.txt": {"pair": pair} for pair in LEXICONS}
# {downloaded file: prepared file}
UD_PREPARED = {
    ud_raw(lang, split): f"results/data/ud/{lang}/{split}.jsonl" for lang in LANGS for split in ud_splits(lang)
}
SIB_PREPARED = {
    f"resources/sib200/data/annotated/{LANGS[lang]['sib']}/{split}.tsv": f"results/data/sib200/{lang}/{split}.tsv"
    for lang in LANGS
    for split in sib_splits(lang)
}
LEXICON_PREPARED = {raw: f"results/data/lexicon/{fields['pair']}.tsv" for raw, fields in LEXICON_FIELDS.items()}


def source_files(name, fields):
    """A download job's params: which files (their layout fields) from which URL at which revisions.
    Not the mirror: a mirror is a copy of the same layout, and the lock file pins the content."""
    pinned = {path: revision(name, SOURCES[name], f) for path, f in fields.items()}
    return canonical({"url": SOURCES[name]["url"], "files": fields, "revisions": pinned})


def encoder_dir(wildcards):
    """The folder of the encoder a job reads: the base encoder, or an alignment checkpoint."""
    if wildcards.model == "base":
        return f"results/{wildcards.encoder}/models/base"
    pair, losses, step = wildcards.model.split("_")
    return f"results/{wildcards.encoder}/align/{pair}/{losses}/step{step}"


def task_files(task):
    """The prepared files of a task's splits: English train and dev, each evaluation language's test."""
    source, split = SOURCE, config["evaluation"]["split"]
    if task == "pos":
        files = {
            "train": f"results/data/ud/{source}/{FINETUNE['pos']['train_split']}.jsonl",
            "dev": f"results/data/ud/{source}/{FINETUNE['pos']['dev_split']}.jsonl",
        }
        return files | {f"test_{lang}": f"results/data/ud/{lang}/{split}.jsonl" for lang in EVAL_LANGS}
    files = {
        "train": f"results/data/sib200/{source}/train.tsv",
        "dev": f"results/data/sib200/{source}/dev.tsv",
    }
    return files | {f"test_{lang}": f"results/data/sib200/{lang}/{split}.tsv" for lang in EVAL_LANGS}


def keeps_weights(encoder, model, seed):
    """Whether a full fine-tuning run keeps its backbone: Table 3 and Figure 1 read these."""
    return FULL and model in aligned_table_models(encoder) and int(seed) in config["analysis"]["finetuned_seeds"]


def storage_counts(encoder):
    """How many of each kind of model file an encoder's study keeps (resumable states: at most one per running job)."""
    runs = [
        (task, mode, model, seed)
        for task in FINETUNE["tasks"]
        for mode in FINETUNE["modes"]
        for model in finetuned_models(encoder)
        for seed in FINETUNE["seeds"]
    ]
    aligned = len(PAIRS) * len(encoder_losses(encoder))
    return {
        "alignment checkpoints (model + tokenizer)": aligned * len(CHECKPOINT_STEPS),
        "fully fine-tuned backbones kept for Table 3 and Figure 1": sum(
            mode == "full" and keeps_weights(encoder, model, seed) for _, mode, model, seed in runs
        ),
        "fine-tuning heads (every other run keeps only this)": len(runs),
        "alignment resumable state while a run trains (weights + AdamW moments; removed at the end)": aligned,
        "full fine-tuning resumable state while a run trains (weights + AdamW moments; removed at each seed's end)": sum(
            mode == "full" and seed == FINETUNE["seeds"][0] for _, mode, _, seed in runs
        ),
    }


def training_work():
    """Every training job's work folder and its outputs (``snakemake clean_state`` removes the finished ones)."""
    jobs = {}
    for encoder in ENCODERS:
        for pair in PAIRS:
            for losses in encoder_losses(encoder):
                run = f"results/{encoder}/align/{pair}/{losses}"
                jobs[f"{run}/work"] = [f"{run}/step{step}" for step in CHECKPOINT_STEPS] + [f"{run}/train_log.csv"]
        if FULL:
            for task in FINETUNE["tasks"]:
                for model in finetuned_models(encoder):
                    run = f"results/{encoder}/finetune/{task}/full/{model}"
                    jobs[f"{run}/work"] = [f"{run}/seed{seed}" for seed in FINETUNE["seeds"]]
    return jobs


def zeroshot_csvs(encoder, models, suffix="", tasks=None):
    """Each run's zero-shot scores (``suffix="_items"``: its per-item scores)."""
    return expand(
        "results/{encoder}/eval/zeroshot/{task}/{mode}/{model}/seed{seed}{suffix}.csv",
        encoder=encoder,
        task=tasks or FINETUNE["tasks"],
        mode=FINETUNE["modes"],
        model=models,
        seed=FINETUNE["seeds"],
        suffix=suffix,
    )


def comparisons(encoder, kind, stage, models):
    path = "results/{encoder}/eval/{kind}/{model}/{stage}.csv"
    return expand(path, encoder=encoder, kind=kind, model=models, stage=stage)


def gradient_csvs(encoder, name):
    if not FULL:
        return []
    return expand("results/{encoder}/eval/gradients/{model}/{name}.csv", encoder=encoder, model=aligned_table_models(encoder),
                  name=name)  # fmt: skip


ANALYSIS = config["analysis"]
# the FLORES text of every language of Table 2's pairs (retrieval, similarity, Figure 1)
RETRIEVAL_FLORES = {
    flores_code(code): f"results/data/flores/{ANALYSIS['flores_split']}/{flores_code(code)}.txt"
    for pair in retrieval_pairs()
    for code in pair.split("-")
}
# the FLORES code of every short code that Table 2's pairs use
RETRIEVAL_CODES = {code: flores_code(code) for pair in retrieval_pairs() for code in sorted(pair.split("-"))}
RETRIEVAL_CODES = canonical(RETRIEVAL_CODES)
# ... and of English and each evaluation language (per-language MLM gradients, §4.5)
GRADIENT_FLORES = {
    lang: f"results/data/flores/{ANALYSIS['flores_split']}/{info['sib']}.txt" for lang, info in LANGS.items()
}
# The claims layer's join (DESIGN §7) sets each evaluation language's transfer beside its alignment
# with the source: the embedding jobs score those pairs too, in a group of their own.
EMBEDDED_FLORES = canonical(RETRIEVAL_FLORES | {LANGS[lang]["sib"]: path for lang, path in GRADIENT_FLORES.items()})
JOIN_PAIRS = [f"{lang}-{SOURCE}" for lang in EVAL_LANGS if lang != SOURCE]
EMBEDDED_GROUPS = canonical(ANALYSIS["retrieval_groups"] + [{"group": JOIN_GROUP, "pairs": JOIN_PAIRS}])
EMBEDDED_CODES = canonical(RETRIEVAL_CODES | {lang: info["sib"] for lang, info in LANGS.items()})
SIB_TEST = {lang: f"results/data/sib200/{lang}/{config['evaluation']['split']}.tsv" for lang in LANGS}
LEXICON_FILES = {pair: f"results/data/lexicon/{pair}.tsv" for pair in LEXICONS}
# the kept full fine-tuning runs of each aligned encoder, by name: {task}_seed{seed} -> (task, seed)
FINETUNED_VARIANTS = {
    f"{task}_seed{seed}": (task, seed) for task in FINETUNE["tasks"] for seed in ANALYSIS["finetuned_seeds"] if FULL
}
# Table 7 is R@5 and Table 8 R@10 (Appendix C); any other k gets a table of its own
RECALL_TABLES = {k: {5: "table7", 10: "table8"}.get(k, f"recall_at_{k}") for k in ANALYSIS["recall_at"]}


def hyperparameter_values():
    """The values Tables 4, 5 and 6 print, and nothing else."""
    shown = ["batch_size", "backbone_lr", "head_lr", "linear_lr", "epochs", "weight_decay", "max_length"]
    alignment = pick(config["alignment"], ["learning_rate", "batch_size", "max_length", "word_negatives",
                                           "temperature", "epochs", "steps", "seed"])  # fmt: skip
    finetune = {"seeds": FINETUNE["seeds"], **{task: pick(FINETUNE[task], shown) for task in ("pos", "sc")}}
    return {"alignment": alignment, "finetune": finetune}


# what determines an embeddings file and the comparisons read from it (with the encoder's layers: embedding_params)
FLORES_SAMPLE = sample({"flores": ANALYSIS["flores_examples"]})
EMBEDDING_PARAMS = dict(
    flores=EMBEDDED_FLORES,
    lexicons=canonical(LEXICON_FILES),
    lexicon_size=ANALYSIS["lexicon_size"],
    flores_sample=FLORES_SAMPLE,
    groups=EMBEDDED_GROUPS,
    codes=EMBEDDED_CODES,
    recall_at=ANALYSIS["recall_at"],
    bf16=ANALYSIS["bf16"],
)


def embedding_layers(encoder):
    """The encoder's facts an embeddings file depends on: the layers it holds and the longest input."""
    entry = ENCODERS[encoder]
    return canonical({"layers": sorted(set(entry["layers"]) | {entry["retrieval_layer"]}), "compared_layers": entry["layers"],
                      "retrieval_layer": entry["retrieval_layer"], "max_length": entry["max_length"]})  # fmt: skip


def requested(rule):
    """Memory (MB) and runtime (minutes) of a heavy rule's jobs, from the config's compute.resources."""
    return config["compute"]["resources"][rule]


def finetuned_runs(wildcards):
    """The kept full fine-tuning runs of an aligned encoder: Figure 1's fine-tuned condition and Table 3."""
    return {
        name: f"results/{wildcards.encoder}/finetune/{task}/full/{wildcards.model}/seed{seed}"
        for name, (task, seed) in FINETUNED_VARIANTS.items()
    }


# the checkpoints fine-tuned besides Table 1's step: the dose-response tables (DESIGN §7)
OTHER_STEPS = [step for step in FINETUNE["checkpoint_steps"] if step != TABLE_STEP]
STEP_TABLES = ["table1", "table2", *RECALL_TABLES.values()]
# the instance level reads the SC runs' items: without the SC task there is none
CLAIM_PAGES = ["claims"] + (["instances"] if "sc" in FINETUNE["tasks"] else [])
# the report renders the claims from their CSV (verdicts coloured), the instance level from its table
REPORTED_CLAIMS = ["claims.csv"] + (["instances.md"] if "sc" in FINETUNE["tasks"] else [])
# an encoder's tables and figures, in the order its report shows them
GRADIENT_TABLES = ["table3", "table3_baseline", "gradient_languages"] if FULL else []
PAPER_TABLES = ["table1", "table1_significance", "table2", "table2_gap", *GRADIENT_TABLES[:2], *RECALL_TABLES.values(),
                *GRADIENT_TABLES[2:], "table4", "table5", "table6"]  # fmt: skip
FIGURES = ["alignment_vs_transfer", "figure1"] + (["gradient_languages"] if FULL else [])


def encoder_targets(encoder):
    """Everything of one encoder's study: its checkpoints, runs, tables, figures, claims and report."""
    targets = expand("results/{encoder}/align/{pair}/{losses}/{file}", encoder=encoder, pair=PAIRS,
                     losses=encoder_losses(encoder), file=[f"step{step}" for step in CHECKPOINT_STEPS] + ["train_log.csv"])  # fmt: skip
    targets += zeroshot_csvs(encoder, finetuned_models(encoder))
    targets += expand("results/{encoder}/tables/{table}.{ext}", encoder=encoder, table=PAPER_TABLES, ext=["csv", "md"])
    targets += expand("results/{encoder}/figures/{figure}.{ext}", encoder=encoder, figure=FIGURES, ext=["png", "pdf"])
    targets += expand("results/{encoder}/claims/{name}.{ext}", encoder=encoder, name=CLAIM_PAGES, ext=["csv", "md"])
    targets += expand("results/{encoder}/claims/{name}.csv", encoder=encoder, name=["join", "correlations"])
    targets += expand("results/{encoder}/tables/step{step}/{table}.{ext}", encoder=encoder, step=OTHER_STEPS,
                      table=STEP_TABLES, ext=["csv", "md"])  # fmt: skip
    return targets + [f"results/{encoder}/report.html"]


def study_targets():
    """What compares the encoders: the claims tested across them, and the study's report (none for one encoder)."""
    if len(ENCODERS) < 2:
        return []
    return expand("results/claims/{name}.{ext}", name=["claims", "encoders"], ext=["csv", "md"]) + [
        "results/claims/join.csv",
        "results/claims/differences.csv",
        "results/claims/summary.md",
        "results/report.html",
    ]


def data_targets():
    targets = expand("results/data/parallel/{pair}.tsv", pair=PAIRS)
    targets += expand("results/data/lexicon/{pair}.tsv", pair=LEXICONS)
    targets += expand("results/data/flores/{split}/{code}.txt", split=FLORES_SPLITS, code=FLORES_LANGS)
    for lang in LANGS:
        targets += expand("results/data/ud/{lang}/{split}.jsonl", lang=lang, split=ud_splits(lang))
        targets += expand("results/data/sib200/{lang}/{split}.tsv", lang=lang, split=sib_splits(lang))
    return targets + expand("resources/encoders/{encoder}", encoder=HUB_ENCODERS)


def one_of(names):
    """A wildcard constraint matching exactly these names (and nothing where there are none)."""
    return "|".join(map(re.escape, names)) or "(?!)"


wildcard_constraints:
    encoder=one_of(ENCODERS),
    pair=r"[a-z]{2,3}-[a-z]{2,3}",
    lang=r"[a-z]{2,3}",
    split=r"train|dev|test",
    losses=r"S[01]W[01]M[01]",
    model=r"base|[a-z]{2,3}-[a-z]{2,3}_S[01]W[01]M[01]_\d+",
    task=r"pos|sc",
    seed=r"\d+",
    variant=r"encoder|(pos|sc)_seed\d+",
    step=r"\d+",
