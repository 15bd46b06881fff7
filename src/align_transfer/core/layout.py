"""Where every file lies and how checkpoints are named: the one owner of the workflow's layout.

The rules, the library and the scripts ask this module for a path or a model name instead of spelling
one. Pure Python (no third-party import): the Snakefile reads it at parse time.

- ``resources/{source}/...``: what was downloaded, in each source's own layout (``DOWNLOAD_LAYOUTS``, and a
  task's source in its entry of ``core.tasks``), which is also the layout of a mirror.
- ``results/data/...``: the prepared data, shared by every encoder.
- ``results/{encoder}/...``: one encoder's study: its base model, alignment runs, fine-tuning runs,
  evaluations, tables, figures, claims and report.
"""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path

from align_transfer.core.objectives import CODE_PATTERN

#: Where each file of the sources that are not a task's lies under a mirror's base path (and under
#: ``resources/{source}/``); a task's source has its layout in its entry (``core.tasks.SOURCE_LAYOUTS``: all).
DOWNLOAD_LAYOUTS = {
    "opus": "OPUS-{corpus}/{version}/moses/{pair}.txt.zip",
    "muse": "dictionaries/{pair}.txt",
    "flores": "flores200_dataset/{split}/{code}.{split}",
}
#: The FLORES-200 URL is one tarball holding the tree of ``DOWNLOAD_LAYOUTS["flores"]``.
FLORES_TARBALL = "flores200_dataset.tar.gz"
RESOURCES = "resources"
MINI_WORLD = "resources/mini_world"  # the generated world: a mirror of every source
ENCODER_DOWNLOAD = "resources/encoders/{encoder}"


def fill(template: str, **fields) -> str:
    """``template`` with ``fields`` filled in and every other ``{name}`` left as a wildcard."""
    return re.sub(r"\{(\w+)\}", lambda m: str(fields[m[1]]) if m[1] in fields else m[0], template)


def fill_all(template: str, **values) -> list[str]:
    """``fill`` for every combination of ``values`` (each a list), in their order: snakemake's ``expand`` for
    the fields given, the others left as wildcards."""
    names = list(values)
    return [fill(template, **dict(zip(names, combo))) for combo in product(*(list(values[n]) for n in names))]


def resource_parts(path) -> tuple[str, Path] | None:
    """``(source, path within it)`` of a file under ``resources/``; None for any other path."""
    parts = Path(path).parts
    if len(parts) < 3 or parts[0] != RESOURCES:
        return None
    return parts[1], Path(*parts[2:])


# Model names: ``base``, or ``{pair}_{losses}_{step}`` for the checkpoint of an alignment run.
BASE = "base"
PAIR = r"[a-z]{2,3}-[a-z]{2,3}"
LOSS_CODE = CODE_PATTERN  # S1W0M1, and S1W0M0T1 where a term beyond the paper is on
MODEL = rf"{BASE}|{PAIR}_{LOSS_CODE}_\d+"  # the {model} wildcard
_CHECKPOINT = re.compile(rf"(?P<pair>{PAIR})_(?P<losses>{LOSS_CODE})_(?P<step>\d+)")


def model_name(pair: str, losses: str, step: int) -> str:
    return f"{pair}_{losses}_{step}"


def parse_model(model: str) -> dict:
    """``"de-en_S1W0M1_6000"`` -> pair, losses, step; ``"base"`` -> pair ``base``."""
    if model == BASE:
        return {"pair": BASE, "losses": None, "step": None}
    match = _CHECKPOINT.fullmatch(model)
    if not match:
        raise ValueError(f"'{model}' is neither '{BASE}' nor {{pair}}_{{losses}}_{{step}}")
    return {"pair": match["pair"], "losses": match["losses"], "step": int(match["step"])}


# Prepared data, shared by every encoder
PARALLEL = "results/data/parallel/{pair}.tsv"
LEXICON = "results/data/lexicon/{pair}.tsv"
FLORES = "results/data/flores/{split}/{code}.txt"


def task_data(source: str, extension: str) -> str:
    """The layout of a task's prepared splits (``core.tasks.Task.prepared``)."""
    return f"results/data/{source}/{{lang}}/{{split}}.{extension}"


# One encoder's study
BASE_MODEL = "results/{encoder}/models/base"
MINI_TOKENIZER = "results/{encoder}/models/mini_tokenizer"
TOKENS = "results/{encoder}/data/tokens/{pair}"
TASK_TOKENS = "results/{encoder}/data/tasks/{task}"
ALIGNMENT_RUN = "results/{encoder}/align/{pair}/{losses}"
CHECKPOINT = ALIGNMENT_RUN + "/step{step}"
TRAIN_LOG = ALIGNMENT_RUN + "/train_log.csv"
FINETUNE_RUN = "results/{encoder}/finetune/{task}/{mode}/{model}"
FINETUNE_SEED = FINETUNE_RUN + "/seed{seed}"
WORK = "work"  # a training run's resumable state and finished work, inside the run's folder
ALIGNMENT_WORK = f"{ALIGNMENT_RUN}/{WORK}"
FINETUNE_WORK = f"{FINETUNE_RUN}/{WORK}"
ZEROSHOT = "results/{encoder}/eval/zeroshot/{task}/{mode}/{model}/seed{seed}{suffix}.csv"
EMBEDDINGS = "results/{encoder}/embeddings/{model}/{variant}.safetensors"
COMPARISON = "results/{encoder}/eval/{kind}/{model}/{stage}.csv"  # kind: retrieval or similarity
PARALLEL_ITEMS = "results/{encoder}/eval/retrieval/{model}/sib_items.csv"  # the instance level's retrievals
GRADIENTS = "results/{encoder}/eval/gradients/{model}/{name}.csv"
TABLE = "results/{encoder}/tables/{table}.{ext}"
STEP_TABLE = "results/{encoder}/tables/step{step}/{table}.{ext}"
FIGURE = "results/{encoder}/figures/{figure}.{ext}"
CLAIMS = "results/{encoder}/claims/{name}.{ext}"
REPORT = "results/{encoder}/report.html"
HUB = "results/{encoder}/hub"

# The study across its encoders
STUDY_TABLE = "results/tables/{table}.{ext}"
STUDY_FIGURE = "results/figures/{figure}.{ext}"
STUDY_CLAIMS = "results/claims/{name}.{ext}"
STUDY_REPORT = "results/report.html"
DISK_PLAN = "results/plan/disk.tsv"
COMPUTE_PLAN = "results/plan/compute.tsv"  # tools/compute_plan.py


def table(name: str, ext: str = "csv", encoder: str = "{encoder}") -> str:
    return fill(TABLE, encoder=encoder, table=name, ext=ext)


def figure(name: str, ext: str = "png", encoder: str = "{encoder}") -> str:
    return fill(FIGURE, encoder=encoder, figure=name, ext=ext)


def claims(name: str, ext: str = "csv", encoder: str = "{encoder}") -> str:
    return fill(CLAIMS, encoder=encoder, name=name, ext=ext)


def study_claims(name: str, ext: str = "csv") -> str:
    return fill(STUDY_CLAIMS, name=name, ext=ext)


def checkpoint(encoder: str, pair: str, losses: str, step: int) -> str:
    return CHECKPOINT.format(encoder=encoder, pair=pair, losses=losses, step=step)


def model_dir(encoder: str, model: str) -> str:
    """The folder of a model a job reads: the base encoder, or an alignment checkpoint."""
    if model == BASE:
        return BASE_MODEL.format(encoder=encoder)
    return checkpoint(encoder, **parse_model(model))


#: Rule outputs that are folders: a path inside one is rebuilt by forcing the folder.
_FOLDER_OUTPUTS = (
    re.compile(r"(?P<folder>.*/align/[^/]+/[^/]+/step\d+)(/.*)?"),
    re.compile(r"(?P<folder>.*/finetune/[^/]+/[^/]+/[^/]+/seed\d+)(/.*)?"),
    re.compile(r"(?P<folder>.*/models/base)(/.*)?"),
    re.compile(r"(?P<folder>.*/data/(?:tokens|tasks)/[^/]+)(/.*)?"),
)


def output_of(path) -> str:
    """The rule output that holds ``path``: the folder output it lies in, or ``path`` itself."""
    for pattern in _FOLDER_OUTPUTS:
        if match := pattern.fullmatch(str(path)):
            return match["folder"]
    return str(path)


def model_tokens(encoder: str, model: str) -> str:
    """The tokenized parallel corpus a checkpoint was aligned on."""
    return TOKENS.format(encoder=encoder, pair=parse_model(model)["pair"])


#: The embedding jobs also score each evaluation language with the fine-tuning source, in a group of its
#: own that the paper's tables and Figure 1 leave out and the claims layer's join reads.
JOIN_GROUP = "evaluation languages with the source"


def join_pair(language: str, source: str) -> str:
    """How the join group names an evaluation language's pair with the source."""
    return f"{language}-{source}"
