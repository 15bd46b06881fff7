# The study the config describes (core.study: every path through core.layout), the checks of the config and
# the profile, wildcard constraints and the helpers that need snakemake. No heavy imports.
# A rule's params are exactly the values that determine its output (docs/design.md §6): canonical slices of
# the config (keys sorted, so key order never reruns a job), never cadence, threads or resources.
import re
import sys

from align_transfer.core import layout
from align_transfer.core.checks import config_problems, warning_before_limit
from align_transfer.core.config import canonical, digest, key_path, pick, without_operational
from align_transfer.core.results import expected
from align_transfer.core.settings import Steering, encoder_label, grid_values
from align_transfer.core.study import FLORES_SPLITS, Study
from align_transfer.core.tasks import TASK_PATTERN, TASKS, resource
from align_transfer.data.mini_world import LANGUAGES as MINI_LANGUAGES
from align_transfer.data.sources import revision
from align_transfer.ops.work import kept_files

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


if problems := config_problems(config, mini_languages=MINI_LANGUAGES) + signal_problems():  # no traceback
    print("\n".join(f"config error at {key}: {message}" for key, message in problems), file=sys.stderr)
    sys.exit(1)


STUDY = Study(config)
ENCODERS, PAIRS, FINETUNE, ANALYSIS = STUDY.encoders, STUDY.pairs, STUDY.finetune, STUDY.analysis
for pair in STUDY.skipped_lexicons:
    print(f"note: lexicon {pair} skipped (data.lexicons: source: skip)", file=sys.stderr)
if STUDY.unrun_joint_codes:
    print(
        f"note: no joint run of {', '.join(STUDY.unrun_joint_codes)} (finetune.joint.losses): this grid does not "
        "align it or fine-tune fully (alignment.losses, finetune.modes)",
        file=sys.stderr,
    )
# what the tables and claims check their result files against (core.results.expected)
COVERS = Steering(expected=expected(config))


def fetching(name=None, encoder=None):
    """The Steering of a job that fetches or checks inputs: where source ``name`` comes from and how, the lock
    of inputs, and the entry of ``encoder`` (its mirror, the facts stated about it)."""
    index = list(ENCODERS).index(encoder) if encoder else None
    return Steering(
        source=config["sources"][name] if name else None,
        download=config["sources"]["download"],
        inputs_lock=config.get("inputs_lock"),
        encoder=ENCODERS[encoder] if encoder else None,
        encoder_key=key_path(("encoders", index), config) if encoder else "",
    )


def source_files(name, fields):
    """A download job's params: which files (their layout fields) from which URL at which revisions.
    Not the mirror: a mirror is a copy of the same layout, and the lock file pins the content."""
    pinned = {path: revision(name, config["sources"][name], f) for path, f in fields.items()}
    return canonical({"url": config["sources"][name]["url"], "files": fields, "revisions": pinned})


def requested(rule):
    """Memory (MB) and runtime (minutes) of a heavy rule's jobs, from the config's compute.resources."""
    return config["compute"]["resources"][rule]


def finetune_settings(mode):
    return lambda wc: STUDY.finetune_settings(wc.encoder, wc.task, mode)


def encoder_dir(wildcards):
    return layout.model_dir(wildcards.encoder, wildcards.model)


def storage_counts(encoder):
    """How many of each kind of model file an encoder's study keeps (ops.work: the jobs' own work)."""
    return kept_files(STUDY.training_jobs(encoder), config, ENCODERS[encoder])


# the paper's numbers (tools/transcribe_paper.py), its hyper-parameters and grid, which the scorecard reads
PAPER_NUMBERS = str(OWN["data/paper_numbers.csv"])
PAPER_HYPERPARAMETERS = str(OWN["data/paper_hyperparameters.csv"])
PAPER_GRID = str(OWN["data/paper_grid.csv"])


def reported(path, name, subcategory, category="{encoder}"):
    """An output that `snakemake --report` shows, with its caption (workflow/report/{name}.rst, written from
    the captions of the tables: python -m align_transfer.report.docs captions)."""
    return report(path, caption=f"../report/{name}.rst", category=category, subcategory=subcategory)


def reported_table(name, subcategory):
    """A table's CSV (shown in the report with its caption), Markdown and context (core.tables.write_table)."""
    return dict(
        csv=reported(layout.table(name), name, subcategory),
        md=layout.table(name, "md"),
        context=layout.table(name, "context.json"),
    )


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
