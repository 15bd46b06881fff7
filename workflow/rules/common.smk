# Target lists from the config, wildcard constraints and small helpers. No heavy imports.
# A rule's params are exactly the values that determine its output (docs/design.md §6): canonical slices of
# the config (keys sorted, so key order never reruns a job), never cadence, threads or resources.
# Every encoder of `encoders` is one study: its outputs live under results/{encoder}/ (docs/science.md, "Encoders").
import re
import sys

from align_transfer.core import layout
from align_transfer.core.checks import config_problems, encoder_losses as losses_of, warning_before_limit
from align_transfer.core.config import canonical, digest, key_path, pick, without_operational
from align_transfer.core.results import expected
from align_transfer.core.settings import AlignmentSettings, FinetuneSettings, Steering, encoder_label, grid_values
from align_transfer.data.sources import revision
from align_transfer.data.mini_world import LANGUAGES as MINI_LANGUAGES
from align_transfer.data.wikiann import SPLITS as WIKIANN_SPLITS
from align_transfer.core.tasks import TASK_PATTERN, TASKS

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
    print(
        "profile error: fill in these values for your cluster (docs/running.md, 'Running on SLURM'):", file=sys.stderr
    )
    print("\n".join(f"  {line}" for line in placeholders), file=sys.stderr)
    sys.exit(1)


def signal_problems():
    """Heavy rules whose runtime is no longer than the profile's warning before the time limit (SIGUSR1)."""
    settings = workflow.resource_settings
    default = dict(settings.default_resources or {}).get("slurm_extra")
    problems = []
    for rule, wanted in config["compute"]["resources"].items():
        own = dict(dict(settings.overwrite_resources).get(rule) or {})
        extra = getattr(own.get("slurm_extra", default), "raw", own.get("slurm_extra", default))
        runtime = getattr(own["runtime"], "raw", own["runtime"]) if "runtime" in own else wanted["runtime"]
        if problem := warning_before_limit(rule, runtime, extra):
            problems.append((f"compute.resources.{rule}.runtime", problem))
    return problems


SOURCES = config["sources"]
# what the tables and claims check their result files against (core.results.expected)
COVERS = Steering(expected=expected(config))


def fetching(name=None, encoder=None):
    """The Steering of a job that fetches or checks inputs: where source ``name`` comes from and how, the lock
    of inputs, and the entry of ``encoder`` (its mirror, the facts stated about it)."""
    index = [entry["name"] for entry in config["encoders"]].index(encoder) if encoder else None
    return Steering(
        source=SOURCES[name] if name else None,
        download=SOURCES["download"],
        inputs_lock=config.get("inputs_lock"),
        encoder=ENCODERS[encoder] if encoder else None,
        encoder_key=key_path(("encoders", index), config) if encoder else "",
    )


PAIRS = {p["pair"]: p for p in config["alignment"]["pairs"]}


if problems := config_problems(config, mini_languages=MINI_LANGUAGES) + signal_problems():  # no traceback
    print("\n".join(f"config error at {key}: {message}" for key, message in problems), file=sys.stderr)
    sys.exit(1)


def sample(limits):
    """A smoke run's sample of some inputs (``limits``: N or None each) and its seed; None where nothing is
    sampled, so that the seed then determines nothing."""
    if all(limit is None for limit in limits.values()):
        return None
    return canonical({"limits": limits, "seed": config["data"]["shuffle_seed"]})


SOURCE = config["finetune"]["source"]
EVAL_LANGS = {code: config["languages"][code] for code in config["evaluation"]["languages"]}
LANGS = {SOURCE: config["languages"][SOURCE], **EVAL_LANGS}
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
    return config["analysis"]["flores_codes"][short]


FLORES_LANGS = sorted(
    {flores_code(code) for pair in retrieval_pairs() for code in pair.split("-")}
    | {lang["sib"] for lang in LANGS.values()}
)
FLORES_SPLITS = ["dev", "devtest"]
CHECKPOINT_STEPS = sorted(config["alignment"]["checkpoint_steps"])
FINETUNE = config["finetune"]
TABLE_STEP = config["evaluation"]["table_step"]
# Table 3, the per-language gradients and Figure 1's fine-tuned condition read fully fine-tuned encoders: a
# grid without full fine-tuning (finetune.modes: [linear]) plans none of them, and the claims layer says so.
FULL = "full" in FINETUNE["modes"]


# The encoders, by name: each is a study of its own under results/{name}/.
ENCODERS = {entry["name"]: entry for entry in config["encoders"]}
MINI_ENCODERS = [name for name, entry in ENCODERS.items() if entry["source"] == "mini"]
HUB_ENCODERS = [name for name, entry in ENCODERS.items() if entry["source"] == "hub"]


def encoder_losses(encoder):
    return losses_of(config, ENCODERS[encoder])


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
    return [layout.BASE] + [
        layout.model_name(pair, losses, step) for pair in PAIRS for losses in encoder_losses(encoder)
    ]


def finetuned_models(encoder):
    """Every checkpoint of an encoder that is fine-tuned: base and each step of finetune.checkpoint_steps."""
    return ["base"] + [model for step in FINETUNE["checkpoint_steps"] for model in models_at(encoder, step)[1:]]


def carded_models(encoder):
    """The aligned checkpoints that are fine-tuned and analysed, each published with a model card."""
    return finetuned_models(encoder)[1:]


def table_models(encoder):
    return models_at(encoder, TABLE_STEP)


def aligned_table_models(encoder):
    return table_models(encoder)[1:]


def task_splits(task, lang):
    """The prepared splits of a task's data that a language needs (``tasks.Task.splits``)."""
    return TASKS[task].splits(lang, SOURCE, lang in EVAL_LANGS, FINETUNE[task], config["evaluation"]["split"])


def ud_splits(lang):
    return task_splits("pos", lang)


def sib_splits(lang):
    return task_splits("sc", lang)


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
NER_FIELDS = {  # WikiANN, where a run has named entities
    layout.resource("wikiann", lang=lang, split=WIKIANN_SPLITS[split]): {"lang": lang, "split": WIKIANN_SPLITS[split]}
    for lang in (LANGS if "ner" in FINETUNE["tasks"] else [])
    for split in task_splits("ner", lang)
}
LEXICON_FIELDS = {f"resources/muse/dictionaries/{pair}.txt": {"pair": pair} for pair in LEXICONS}
# {downloaded file: prepared file}
UD_PREPARED = {
    ud_raw(lang, split): layout.UD.format(lang=lang, split=split) for lang in LANGS for split in ud_splits(lang)
}
SIB_PREPARED = {
    f"resources/sib200/data/annotated/{LANGS[lang]['sib']}/{split}.tsv": layout.SIB.format(lang=lang, split=split)
    for lang in LANGS
    for split in sib_splits(lang)
}
NER_PREPARED = {
    raw: layout.NER.format(
        lang=fields["lang"], split=next(s for s, n in WIKIANN_SPLITS.items() if n == fields["split"])
    )
    for raw, fields in NER_FIELDS.items()
}
LEXICON_PREPARED = {raw: layout.LEXICON.format(**fields) for raw, fields in LEXICON_FIELDS.items()}


def source_files(name, fields):
    """A download job's params: which files (their layout fields) from which URL at which revisions.
    Not the mirror: a mirror is a copy of the same layout, and the lock file pins the content."""
    pinned = {path: revision(name, SOURCES[name], f) for path, f in fields.items()}
    return canonical({"url": SOURCES[name]["url"], "files": fields, "revisions": pinned})


def encoder_dir(wildcards):
    return layout.model_dir(wildcards.encoder, wildcards.model)


def task_files(task):
    """The prepared files of a task's splits: the source's train and dev, each evaluation language's test."""
    return TASKS[task].files(SOURCE, EVAL_LANGS, FINETUNE[task], config["evaluation"]["split"])


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
                run = layout.ALIGNMENT_RUN.format(encoder=encoder, pair=pair, losses=losses)
                jobs[f"{run}/{layout.WORK}"] = [f"{run}/step{step}" for step in CHECKPOINT_STEPS] + [
                    f"{run}/train_log.csv"
                ]
        if FULL:
            for task in FINETUNE["tasks"]:
                for model in finetuned_models(encoder):
                    run = layout.FINETUNE_RUN.format(encoder=encoder, task=task, mode="full", model=model)
                    jobs[f"{run}/{layout.WORK}"] = [f"{run}/seed{seed}" for seed in FINETUNE["seeds"]]
    return jobs


def seed_files(template, mode, suffix=None):
    """A fine-tuning job's file of each seed; its other fields stay the job's wildcards."""
    extra = {} if suffix is None else {"suffix": suffix}
    return expand(
        template, encoder="{encoder}", task="{task}", mode=mode, model="{model}", seed=FINETUNE["seeds"], **extra
    )


def zeroshot_csvs(encoder, models, suffix="", tasks=None):
    """Each run's zero-shot scores (``suffix="_items"``: its per-item scores)."""
    return expand(
        layout.ZEROSHOT,
        encoder=encoder,
        task=tasks or FINETUNE["tasks"],
        mode=FINETUNE["modes"],
        model=models,
        seed=FINETUNE["seeds"],
        suffix=suffix,
    )


def comparisons(encoder, kind, stage, models):
    return expand(layout.COMPARISON, encoder=encoder, kind=kind, model=models, stage=stage)


def gradient_csvs(encoder, name):
    if not FULL:
        return []
    return expand(layout.GRADIENTS, encoder=encoder, model=aligned_table_models(encoder), name=name)


ANALYSIS = config["analysis"]
# the FLORES text of every language of Table 2's pairs (retrieval, similarity, Figure 1)
RETRIEVAL_FLORES = {
    flores_code(code): layout.FLORES.format(split=ANALYSIS["flores_split"], code=flores_code(code))
    for pair in retrieval_pairs()
    for code in pair.split("-")
}
# the FLORES code of every short code that Table 2's pairs use
RETRIEVAL_CODES = {code: flores_code(code) for pair in retrieval_pairs() for code in sorted(pair.split("-"))}
RETRIEVAL_CODES = canonical(RETRIEVAL_CODES)
# ... and of English and each evaluation language (per-language MLM gradients, §4.5)
GRADIENT_FLORES = {
    lang: layout.FLORES.format(split=ANALYSIS["flores_split"], code=info["sib"]) for lang, info in LANGS.items()
}
# The claims layer's join (docs/design.md §7) sets each evaluation language's transfer beside its alignment
# with the source: the embedding jobs score those pairs too, in a group of their own.
EMBEDDED_FLORES = canonical(RETRIEVAL_FLORES | {LANGS[lang]["sib"]: path for lang, path in GRADIENT_FLORES.items()})
JOIN_PAIRS = [layout.join_pair(lang, SOURCE) for lang in EVAL_LANGS if lang != SOURCE]
EMBEDDED_GROUPS = canonical(ANALYSIS["retrieval_groups"] + [{"group": layout.JOIN_GROUP, "pairs": JOIN_PAIRS}])
EMBEDDED_CODES = canonical(RETRIEVAL_CODES | {lang: info["sib"] for lang, info in LANGS.items()})
SIB_TEST = {lang: layout.SIB.format(lang=lang, split=config["evaluation"]["split"]) for lang in LANGS}
LEXICON_FILES = {pair: layout.LEXICON.format(pair=pair) for pair in LEXICONS}
# the kept full fine-tuning runs of each aligned encoder, by name: {task}_seed{seed} -> (task, seed)
FINETUNED_VARIANTS = {
    f"{task}_seed{seed}": (task, seed) for task in FINETUNE["tasks"] for seed in ANALYSIS["finetuned_seeds"] if FULL
}
# Table 7 is R@5 and Table 8 R@10 (Appendix C); any other k gets a table of its own
RECALL_TABLES = {k: {5: "table7", 10: "table8"}.get(k, f"recall_at_{k}") for k in ANALYSIS["recall_at"]}


def hyperparameter_values():
    """The values Tables 4, 5 and 6 print, and nothing else."""
    shown = ["batch_size", "backbone_lr", "head_lr", "linear_lr", "epochs", "weight_decay", "max_length"]
    alignment = pick(
        config["alignment"],
        ["learning_rate", "batch_size", "max_length", "word_negatives", "temperature", "epochs", "steps", "seed"],
    )
    finetune = {"seeds": FINETUNE["seeds"], **{task: pick(FINETUNE[task], shown) for task in TASKS}}
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
    return canonical(
        {
            "layers": sorted(set(entry["layers"]) | {entry["retrieval_layer"]}),
            "compared_layers": entry["layers"],
            "retrieval_layer": entry["retrieval_layer"],
            "max_length": entry["max_length"],
        }
    )


def requested(rule):
    """Memory (MB) and runtime (minutes) of a heavy rule's jobs, from the config's compute.resources."""
    return config["compute"]["resources"][rule]


def finetuned_runs(wildcards):
    """The kept full fine-tuning runs of an aligned encoder: Figure 1's fine-tuned condition and Table 3."""
    return {
        name: layout.FINETUNE_SEED.format(
            encoder=wildcards.encoder, task=task, mode="full", model=wildcards.model, seed=seed
        )
        for name, (task, seed) in FINETUNED_VARIANTS.items()
    }


# the checkpoints fine-tuned besides Table 1's step: the dose-response tables (docs/design.md §7)
OTHER_STEPS = [step for step in FINETUNE["checkpoint_steps"] if step != TABLE_STEP]
STEP_TABLES = ["table1", "table2", *RECALL_TABLES.values()]
# the instance level reads the items of tasks whose items are parallel (SIB-200): without one there is none
PARALLEL_TASKS = [task for task in FINETUNE["tasks"] if TASKS[task].parallel_items]
CLAIM_PAGES = ["scorecard", "claims"] + (["instances"] if PARALLEL_TASKS else [])
# the paper's numbers (tools/transcribe_paper.py) and the tables of this run that the scorecard sets beside them
PAPER_NUMBERS = str(OWN["data/paper_numbers.csv"])
PAPER_HYPERPARAMETERS = str(OWN["data/paper_hyperparameters.csv"])
PAPER_GRID = str(OWN["data/paper_grid.csv"])
SCORED_TABLES = ["table1", "table1_significance", "table2"] + (["table3"] if FULL else [])
SCORED_TABLES += [name for name in RECALL_TABLES.values() if name in ("table7", "table8")]


def reported(path, name, subcategory, category="{encoder}"):
    """An output that `snakemake --report` shows, with its caption (workflow/report/{name}.rst, written from
    the captions of the tables: python -m align_transfer.report.docs captions)."""
    return report(path, caption=f"../report/{name}.rst", category=category, subcategory=subcategory)


# an encoder's tables and figures, in the order its report shows them
GRADIENT_TABLES = ["table3", "table3_baseline", "gradient_languages"] if FULL else []
PAPER_TABLES = [
    "table1",
    "table1_significance",
    "table2",
    "table2_gap",
    *GRADIENT_TABLES[:2],
    *RECALL_TABLES.values(),
    *GRADIENT_TABLES[2:],
    "table4",
    "table5",
    "table6",
]
FIGURES = ["alignment_vs_transfer", "figure1"] + (["gradient_languages"] if FULL else [])
# The study's own tables and figures (results/tables/, results/figures/): each table with every encoder's rows;
# each figure as it is with one encoder, one per encoder (figure1_{encoder}) with several.
STUDY_FIGURES = {
    (figure if len(ENCODERS) == 1 else f"{figure}_{encoder}"): (encoder, figure)
    for encoder in ENCODERS
    for figure in FIGURES
}


def encoder_targets(encoder):
    """Everything of one encoder's study: its checkpoints, runs, tables, figures, claims and report."""
    targets = expand(
        "results/{encoder}/align/{pair}/{losses}/{file}",
        encoder=encoder,
        pair=PAIRS,
        losses=encoder_losses(encoder),
        file=[f"step{step}" for step in CHECKPOINT_STEPS] + ["train_log.csv"],
    )
    targets += zeroshot_csvs(encoder, finetuned_models(encoder))
    targets += expand("results/{encoder}/tables/{table}.{ext}", encoder=encoder, table=PAPER_TABLES, ext=["csv", "md"])
    targets += expand("results/{encoder}/figures/{figure}.{ext}", encoder=encoder, figure=FIGURES, ext=["png", "pdf"])
    targets += expand("results/{encoder}/claims/{name}.{ext}", encoder=encoder, name=CLAIM_PAGES, ext=["csv", "md"])
    targets += expand("results/{encoder}/claims/{name}.csv", encoder=encoder, name=["join", "correlations"])
    targets += expand(
        "results/{encoder}/tables/step{step}/{table}.{ext}",
        encoder=encoder,
        step=OTHER_STEPS,
        table=STEP_TABLES,
        ext=["csv", "md"],
    )
    return targets + [f"results/{encoder}/hub", f"results/{encoder}/report.html"]


def study_targets():
    """The study's tables and figures (results/tables/, results/figures/); with two encoders or more, what
    compares them: the claims tested across them, and the study's report."""
    tables = expand("results/tables/{table}.{ext}", table=PAPER_TABLES, ext=["csv", "md"])
    tables += expand("results/figures/{name}.{ext}", name=STUDY_FIGURES, ext=["png", "pdf"])
    if len(ENCODERS) < 2:
        return tables
    return (
        tables
        + expand("results/claims/{name}.{ext}", name=["claims", "encoders"], ext=["csv", "md"])
        + [
            "results/claims/join.csv",
            "results/claims/differences.csv",
            "results/claims/summary.md",
            "results/report.html",
        ]
    )


def data_targets():
    targets = expand(layout.PARALLEL, pair=PAIRS)
    targets += expand(layout.LEXICON, pair=LEXICONS)
    targets += expand(layout.FLORES, split=FLORES_SPLITS, code=FLORES_LANGS)
    for lang in LANGS:
        targets += expand(layout.UD, lang=lang, split=ud_splits(lang))
        targets += expand(layout.SIB, lang=lang, split=sib_splits(lang))
    targets += list(NER_PREPARED.values())
    return targets + expand("resources/encoders/{encoder}", encoder=HUB_ENCODERS)


def one_of(names):
    """A wildcard constraint matching exactly these names (and nothing where there are none)."""
    return "|".join(map(re.escape, names)) or "(?!)"


wildcard_constraints:
    encoder=one_of(ENCODERS),
    pair=layout.PAIR,
    lang=r"[a-z]{2,3}",
    split=r"train|dev|test",
    losses=layout.LOSS_CODE,
    model=layout.MODEL,
    task=TASK_PATTERN,
    seed=r"\d+",
    variant=rf"encoder|({TASK_PATTERN})_seed\d+",
    step=r"\d+",
