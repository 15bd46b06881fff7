# Target lists from the config, wildcard constraints and small helpers. No heavy imports.
# A rule's params are exactly the values that determine its output (DESIGN §6): canonical slices of
# the config (keys sorted, so key order never reruns a job), never cadence, threads or resources.
import sys

from align_transfer.config import canonical, pick, without_operational, digest
from align_transfer.settings import AlignmentSettings, FinetuneSettings
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
LOSSES = config["alignment"]["losses"]
CHECKPOINT_STEPS = sorted(config["alignment"]["checkpoint_steps"])
if CHECKPOINT_STEPS[-1] > config["alignment"]["steps"]:
    config_error("alignment.checkpoint_steps", f"{CHECKPOINT_STEPS[-1]} is beyond alignment.steps")
FINETUNE = config["finetune"]
if not set(FINETUNE["checkpoint_steps"]) <= set(CHECKPOINT_STEPS):
    config_error("finetune.checkpoint_steps", "must be steps of alignment.checkpoint_steps")
if config["evaluation"]["table_step"] not in FINETUNE["checkpoint_steps"]:
    config_error("evaluation.table_step", "must be one of finetune.checkpoint_steps")
if not set(config["analysis"]["finetuned_seeds"]) <= set(FINETUNE["seeds"]):
    config_error("analysis.finetuned_seeds", "must be seeds of finetune.seeds")
# {model} names every encoder: base, or {pair}_{losses}_{step} for an alignment checkpoint
FINETUNED_MODELS = ["base"] + [
    f"{pair}_{losses}_{step}" for pair in PAIRS for losses in LOSSES for step in FINETUNE["checkpoint_steps"]
]
TABLE_MODELS = ["base"] + [
    f"{pair}_{losses}_{config['evaluation']['table_step']}" for pair in PAIRS for losses in LOSSES
]
if config["encoder"]["source"] == "mini" and not (config["encoder"]["mini"] and config["mini_world"]):
    config_error("encoder", "source: mini needs encoder.mini and a mini_world to pretrain on")


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


def encoder_dir(model):
    if model == "base":
        return "results/models/base"
    pair, losses, step = model.split("_")
    return f"results/align/{pair}/{losses}/step{step}"


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


def keeps_weights(model, seed):
    """Whether a full fine-tuning run keeps its backbone: Table 3 and Figure 1 read these."""
    return model in TABLE_MODELS[1:] and int(seed) in config["analysis"]["finetuned_seeds"]


def storage_counts():
    """How many of each kind of model file the rules keep (resumable states: at most one per running job)."""
    runs = [
        (task, mode, model, seed)
        for task in FINETUNE["tasks"]
        for mode in FINETUNE["modes"]
        for model in FINETUNED_MODELS
        for seed in FINETUNE["seeds"]
    ]
    return {
        "alignment checkpoints (masked LM + tokenizer)": len(PAIRS) * len(LOSSES) * len(CHECKPOINT_STEPS),
        "fully fine-tuned backbones kept for Table 3 and Figure 1": sum(
            mode == "full" and keeps_weights(model, seed) for _, mode, model, seed in runs
        ),
        "fine-tuning heads (every other run keeps only this)": len(runs),
        "alignment resumable state while a run trains (weights + AdamW moments; removed at the end)": len(PAIRS)
        * len(LOSSES),
    }


def zeroshot_csvs(models, suffix="", tasks=None):
    """Each run's zero-shot scores (``suffix="_items"``: its per-item scores)."""
    return expand(
        "results/eval/zeroshot/{task}/{mode}/{model}/seed{seed}{suffix}.csv",
        task=tasks or FINETUNE["tasks"],
        mode=FINETUNE["modes"],
        model=models,
        seed=FINETUNE["seeds"],
        suffix=suffix,
    )


def finetune_targets():
    tables = expand("results/tables/table{n}.{ext}", n=[1, 4, 5, 6], ext=["csv", "md"])
    return zeroshot_csvs(FINETUNED_MODELS) + tables


ANALYSIS = config["analysis"]
EMBEDDING_LAYERS = sorted(set(ANALYSIS["layers"]) | {ANALYSIS["retrieval_layer"]})
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
ALIGNED_TABLE_MODELS = TABLE_MODELS[1:]
# the kept full fine-tuning runs of each aligned encoder, by name: {task}_seed{seed} -> (task, seed)
FINETUNED_VARIANTS = {
    f"{task}_seed{seed}": (task, seed) for task in FINETUNE["tasks"] for seed in ANALYSIS["finetuned_seeds"]
}
# Table 7 is R@5 and Table 8 R@10 (Appendix C); any other k gets a table of its own
RECALL_TABLES = {k: {5: "table7", 10: "table8"}.get(k, f"recall_at_{k}") for k in ANALYSIS["recall_at"]}


ALIGNMENT = AlignmentSettings.determining(config["alignment"])


def finetune_settings(mode):
    return lambda wc: FinetuneSettings.determining(FINETUNE, wc.task, mode)


def hyperparameter_values():
    """The values Tables 4, 5 and 6 print, and nothing else."""
    shown = ["batch_size", "backbone_lr", "head_lr", "linear_lr", "epochs", "weight_decay", "max_length"]
    alignment = pick(config["alignment"], ["learning_rate", "batch_size", "max_length", "word_negatives",
                                           "temperature", "epochs", "steps", "seed"])  # fmt: skip
    finetune = {"seeds": FINETUNE["seeds"], **{task: pick(FINETUNE[task], shown) for task in ("pos", "sc")}}
    return {"alignment": alignment, "finetune": finetune}


ENCODER = config["encoder"]
if ENCODER["source"] == "mini":
    mini = ENCODER["mini"]
    ENCODER_LABEL = f"{ENCODER['name']} (the mini world's own: {mini['layers']} layers of width {mini['hidden_size']})"
else:
    where = (
        f"the folder {ENCODER['mirror']}" if ENCODER.get("mirror") else f"{ENCODER['hub_id']} at {ENCODER['revision']}"
    )
    ENCODER_LABEL = f"{ENCODER['name']} ({where})"


# what determines an embeddings file and the comparisons read from it
EMBEDDING_PARAMS = dict(
    flores=EMBEDDED_FLORES,
    lexicons=canonical(LEXICON_FILES),
    lexicon_size=ANALYSIS["lexicon_size"],
    layers=EMBEDDING_LAYERS,
    flores_examples=ANALYSIS["flores_examples"],
    groups=EMBEDDED_GROUPS,
    codes=EMBEDDED_CODES,
    retrieval_layer=ANALYSIS["retrieval_layer"],
    recall_at=ANALYSIS["recall_at"],
    compared_layers=ANALYSIS["layers"],
    bf16=ANALYSIS["bf16"],
)


def requested(rule):
    """Memory (MB) and runtime (minutes) of a heavy rule's jobs, from the config's compute.resources."""
    return config["compute"]["resources"][rule]


def finetuned_runs(wildcards):
    """The kept full fine-tuning runs of an aligned encoder: Figure 1's fine-tuned condition and Table 3."""
    return {
        name: f"results/finetune/{task}/full/{wildcards.model}/seed{seed}"
        for name, (task, seed) in FINETUNED_VARIANTS.items()
    }


def comparisons(kind, stage, models):
    return expand("results/eval/{kind}/{model}/{stage}.csv", kind=kind, model=models, stage=stage)


def analysis_targets():
    tables = ["table2", "table3", *RECALL_TABLES.values(), "gradient_languages"]
    targets = expand("results/tables/{table}.{ext}", table=tables, ext=["csv", "md"])
    targets += expand("results/figures/{figure}.{ext}", figure=["figure1", "gradient_languages"], ext=["png", "pdf"])
    return targets + claims_targets() + ["results/report.html"]


# the checkpoints fine-tuned besides Table 1's step: the dose-response tables (DESIGN §7)
OTHER_STEPS = [step for step in FINETUNE["checkpoint_steps"] if step != config["evaluation"]["table_step"]]
STEP_TABLES = ["table1", "table2", *RECALL_TABLES.values()]


def models_at(step):
    return ["base"] + [f"{pair}_{losses}_{step}" for pair in PAIRS for losses in LOSSES]


# the instance level reads the SC runs' items: without the SC task there is none
CLAIM_PAGES = ["claims"] + (["instances"] if "sc" in FINETUNE["tasks"] else [])


def claims_targets():
    targets = expand("results/claims/{name}.{ext}", name=CLAIM_PAGES, ext=["csv", "md"])
    targets += ["results/claims/join.csv", "results/claims/correlations.csv"]
    targets += expand("results/tables/{table}.{ext}", table=["table1_significance", "table2_gap", "table3_baseline"],
                      ext=["csv", "md"])  # fmt: skip
    targets += expand("results/figures/alignment_vs_transfer.{ext}", ext=["png", "pdf"])
    steps = expand("results/tables/step{step}/{table}.{ext}", step=OTHER_STEPS, table=STEP_TABLES, ext=["csv", "md"])
    return targets + steps


def data_targets():
    targets = expand("results/data/parallel/{pair}.tsv", pair=PAIRS)
    targets += expand("results/data/lexicon/{pair}.tsv", pair=LEXICONS)
    targets += expand("results/data/flores/{split}/{code}.txt", split=FLORES_SPLITS, code=FLORES_LANGS)
    for lang in LANGS:
        targets += expand("results/data/ud/{lang}/{split}.jsonl", lang=lang, split=ud_splits(lang))
        targets += expand("results/data/sib200/{lang}/{split}.tsv", lang=lang, split=sib_splits(lang))
    if config["encoder"]["source"] == "hub":
        targets.append("resources/encoder")
    return targets


def align_targets():
    return expand(
        "results/align/{pair}/{losses}/{file}",
        pair=PAIRS,
        losses=LOSSES,
        file=[f"step{step}" for step in CHECKPOINT_STEPS] + ["train_log.csv"],
    )


wildcard_constraints:
    pair=r"[a-z]{2,3}-[a-z]{2,3}",
    lang=r"[a-z]{2,3}",
    split=r"train|dev|test",
    losses=r"S[01]W[01]M[01]",
    model=r"base|[a-z]{2,3}-[a-z]{2,3}_S[01]W[01]M[01]_\d+",
    task=r"pos|sc",
    seed=r"\d+",
    variant=r"encoder|(pos|sc)_seed\d+",
    step=r"\d+",
