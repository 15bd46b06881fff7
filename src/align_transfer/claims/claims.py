"""The claims layer (docs/design.md §7): the paper's claims tested on the workflow's own results.

- ``transfer_join``: one tidy row per aligned model x step x task x mode x seed x evaluation language,
  with Δ accuracy beside that language's Δ alignment with the source language and the gradients;
- ``correlations``: does a run's Δ alignment predict its Δ transfer, per task and mode: within languages
  (runs as units), within languages and loss codes, and across languages (languages as units);
- ``table1_significance``: each Table 1 cell's Δ with a paired two-level bootstrap interval, Holm-corrected;
- ``instance_level``: are SIB-200 items whose English translation is retrieved first classified
  correctly more often (Benjamini-Hochberg across cells; degenerate probes marked);
- ``claims``: one row per claim and scope, with its statistic, interval, verdict, the paper's own
  finding and whether this run agrees with it. A claim the grid cannot test is a row that says why.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from align_transfer.claims import stats
from align_transfer.core.layout import JOIN_GROUP
from align_transfer.core.metrics import METRICS
from align_transfer.core.results import delta_from_base, task_scores
from align_transfer.core.tasks import TASKS
from align_transfer.tables.captions import caption
from align_transfer.tables.document import Cell, Heading, Label, Table, css_class
from align_transfer.tables.tables import colour, number, with_encoder_columns

GRADIENT_COLUMNS = ["gradient_cosine", "gradient_baseline_cosine", "task_norm", "alignment_norm"]


def join_measures(similarity: pd.DataFrame, retrieval: pd.DataFrame, layers: list[int]) -> pd.DataFrame:
    """Per model and evaluation language: cosine and cosine gap with the source at each layer, and R@k
    (both directions averaged), from the embedding jobs' rows of the join group."""
    sentence = similarity[(similarity["group"] == JOIN_GROUP) & (similarity["level"] == "sentence")]
    sentence = sentence[sentence["layer"].isin(layers)].assign(language=lambda f: f["pair"].str.split("-").str[0])
    wide = sentence.pivot_table(index=["model", "language"], columns="layer", values=["cosine", "gap"])
    wide.columns = [f"{value}_l{layer}" for value, layer in wide.columns]
    recall = retrieval[retrieval["group"] == JOIN_GROUP].assign(language=lambda f: f["pair"].str.split("-").str[0])
    recall = recall.pivot_table(index=["model", "language"], columns="k", values="recall")  # mean of the directions
    recall.columns = [f"r{k}" for k in recall.columns]
    return wide.join(recall).reset_index()


def transfer_join(
    zeroshot: pd.DataFrame,
    similarity: pd.DataFrame,
    retrieval: pd.DataFrame,
    gradients: pd.DataFrame | None,
    layers: list[int],
) -> pd.DataFrame:
    """The join of docs/design.md §7, from result files read with their keys (``results.read_results``). Δ accuracy
    is against the base encoder's mean over seeds (as Table 1); each Δ alignment measure
    (``delta_cosine_l{k}``, ``delta_gap_l{k}``, ``delta_r{k}``) is the model's minus the base encoder's,
    for that language with the source (empty for the source itself); the gradient columns are the run's
    mean over batches (full fine-tuning runs the analysis kept; none where the grid has no gradients).
    ``run`` names the alignment run a checkpoint comes from: its checkpoints are one independent unit."""
    runs = with_encoder_columns(zeroshot)
    scores = [name for name in METRICS if name in runs]  # each task's metric: accuracy, and F1 where a task has it
    rows = delta_from_base(runs, ["task", "mode", "language"], scores)
    rows["run"] = rows["aligned_pair"] + "_" + rows["losses"]

    measures = join_measures(similarity, retrieval, layers)
    names = [c for c in measures.columns if c not in ("model", "language")]
    deltas = delta_from_base(measures, ["language"], names)
    rows = rows.merge(
        deltas[["model", "language", *(f"delta_{name}" for name in names)]], on=["model", "language"], how="left"
    )

    if gradients is not None and len(gradients):
        per_run = gradients.groupby(["task", "model", "seed"], as_index=False).agg(
            gradient_cosine=("cosine", "mean"),
            gradient_baseline_cosine=("baseline_cosine", "mean"),
            task_norm=("task_norm", "mean"),
            alignment_norm=("alignment_norm", "mean"),
        )
        rows = rows.merge(per_run.assign(mode="full"), on=["task", "mode", "model", "seed"], how="left")
    rows["step"] = rows["step"].astype(int)
    columns = [
        "encoder",
        "run",
        "aligned_pair",
        "losses",
        "step",
        "task",
        "mode",
        "seed",
        "language",
        "model",
        *scores,
        *(f"base_{name}" for name in scores),
        *(f"delta_{name}" for name in scores),
    ] + measure_columns(rows)
    columns += [c for c in GRADIENT_COLUMNS if c in rows]
    order = ["task", "mode", "aligned_pair", "losses", "step", "seed", "language"]
    return rows[columns].sort_values(order).reset_index(drop=True)


def measure_columns(join: pd.DataFrame) -> list[str]:
    """The join's Δ alignment measures: its Δ columns that are not a task's score."""
    scores = {SCORE, *(f"delta_{name}" for name in METRICS)}
    return [c for c in join.columns if c.startswith("delta_") and c not in scores]


#: Each row's Δ of its task's metric (Δ accuracy, Δ span F1: ``core.metrics``), as the claims read it.
SCORE = "delta_score"


def scored(join: pd.DataFrame) -> pd.DataFrame:
    """The join with ``SCORE``: each row's Δ of its task's metric."""
    return join if SCORE in join else join.assign(**{SCORE: task_scores(join, "delta_")})


def score_label(task: str) -> str:
    """``Δ accuracy``, ``Δ span F1``: how a task's Δ is written."""
    return f"Δ {METRICS[TASKS[task].metric].label}"


def recall_column(join: pd.DataFrame) -> str:
    """The recall of the smallest k (Δ R@1 in the paper's grid): the claims' alignment measure."""
    return sorted((c for c in join.columns if c.startswith("delta_r")), key=lambda c: int(c[len("delta_r") :]))[0]


def measure_label(column: str) -> str:
    """``delta_r1`` -> ``Δ R@1``; ``delta_gap_l8`` -> ``Δ cosine gap (layer 8)``."""
    name = column.removeprefix("delta_")
    if name.startswith("r"):
        return f"Δ R@{name[1:]}"
    kind, layer = name.rsplit("_l", 1)
    return f"Δ {'cosine gap' if kind == 'gap' else 'cosine'} (layer {layer})"


def language_points(join: pd.DataFrame) -> pd.DataFrame:
    """The join's points: a checkpoint x evaluation language per task and mode, Δ accuracy averaged over seeds;
    the source language, with no Δ alignment, left out."""
    measures = measure_columns(join)
    keys = ["task", "mode", "run", "losses", "model", "step", "language"]
    rows = scored(join).dropna(subset=measures, how="all")
    return rows.groupby(keys, as_index=False)[[SCORE, *measures]].mean()


#: How "predicts" is tested (docs/design.md §7), each scope one question with one unit: does a run that aligns
#: a language better than the other runs do also transfer to it better (runs as units, ranks within each
#: language and step), the same within each loss code, and do languages that gain more alignment gain more
#: transfer (languages as units).
WITHIN_LANGUAGES, WITHIN_CODES, ACROSS_LANGUAGES = (
    "within languages",
    "within languages and loss codes",
    "across languages",
)
SCOPES = (WITHIN_LANGUAGES, WITHIN_CODES, ACROSS_LANGUAGES)


def run_matrices(
    points: pd.DataFrame, measure: str, source: str = "the join"
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """(runs, columns) tables of ``measure`` and of Δ accuracy, a row per alignment run and a column per
    (step, language), and each run's loss code. A run that lacks the measure altogether (a layer its encoder
    does not analyse) is left out; one that lacks some of its points is an error naming them."""
    points = points[points["run"].isin(points.dropna(subset=[measure])["run"])]
    x = points.pivot_table(index="run", columns=["step", "language"], values=measure, dropna=False)
    y = points.pivot_table(index="run", columns=["step", "language"], values=SCORE, dropna=False)
    y = y.reindex(index=x.index, columns=x.columns)
    for name, table in ((measure, x), (SCORE, y)):
        missing = table.isna().stack(["step", "language"], future_stack=True)
        if missing.any():
            run, step, language = missing[missing].index[0]
            raise ValueError(
                f"{source}: run {run} has no {name} for language {language} at step {step} "
                f"({int(missing.sum())} such points), though other runs do; every run needs every point"
            )
    codes = points.drop_duplicates("run").set_index("run").loc[x.index, "losses"].to_numpy()
    return x, y, codes


def correlations(
    join: pd.DataFrame, permutations: int, seed: int, alpha: float = 0.05, source: str = "the join"
) -> pd.DataFrame:
    """Spearman's ρ of every Δ alignment measure with Δ accuracy, per task and mode, in each of ``SCOPES``
    (``stats.within_correlation``, ``stats.across_correlation``: a language's point is its mean over runs and
    steps). Each row's generator is seeded by ``seed``, so every row is reproducible on its own; ``source``
    names the join's file in errors."""
    rows = []
    for (task, mode), block in language_points(join).groupby(["task", "mode"], sort=False):
        for measure in measure_columns(join):
            x, y, codes = run_matrices(block, measure, f"{source} ({task}, {mode})")
            for scope in SCOPES:
                rng = np.random.default_rng(seed)
                if scope == ACROSS_LANGUAGES:
                    by_language = [table.T.groupby(level="language").mean().mean(axis=1) for table in (x, y)]
                    result = stats.across_correlation(*by_language, permutations, rng, 1 - alpha, unit="languages")
                else:
                    strata = codes if scope == WITHIN_CODES else None
                    result = stats.within_correlation(x.to_numpy(), y.to_numpy(), strata, permutations, rng, 1 - alpha)
                rows.append({"task": task, "mode": mode, "scope": scope, "measure": measure} | result)
    return pd.DataFrame(rows)


def _per_language(items: pd.DataFrame, units: list[tuple], task: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per language: the (numerator, denominator) matrices of the task's metric (``core.metrics``: correct and
    scored labels; 2·TP and predicted + gold entities) with a row per (model, seed) unit, columns the test items."""
    metric = METRICS[TASKS[task].metric]
    items = items.assign(numerator=metric.numerator(items), denominator=metric.denominator(items))
    out = {}
    for language, block in items.groupby("language", sort=False):
        numerator = block.pivot_table(index=["model", "seed"], columns="item", values="numerator").reindex(units)
        denominator = block.pivot_table(index=["model", "seed"], columns="item", values="denominator").reindex(units)
        out[language] = (numerator.to_numpy(np.float64), denominator.to_numpy(np.float64))
    return out


def table1_significance(
    items: pd.DataFrame, step: int, resamples: int, seed: int, alpha: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Table 1's companion: each cell's Δ (aligned minus base, mean over seeds of the mean accuracy over
    languages) with a paired two-level bootstrap interval (seeds, then the same test items for both
    encoders) and its p-value (``stats.bootstrap_interval``: 0 lies outside exactly when p < alpha),
    Holm-corrected across every cell of the table. Where a task's item i is the same text in every language
    (SIB-200), one draw of items serves every language; otherwise each language's items are drawn apart.

    Also, per task and mode, the test items' terms of the variance of the transfer claim's mean over aligned
    models (``stats.item_components`` of ``item_contributions``): every model and the base encoder were scored
    on the same items, so their noise is common to all the models' Δs."""
    rows, noise = [], []
    for (task, mode), block in items.groupby(["task", "mode"], sort=False):
        parsed = with_encoder_columns(pd.DataFrame({"model": block["model"].unique()}))
        models = ["base"] + list(parsed[(parsed["model"] != "base") & (parsed["step"] == step)]["model"])
        block = block[block["model"].isin(models)]
        seeds = sorted(block["seed"].unique())
        units = [(model, s) for model in models for s in seeds]
        cells, terms = paired_cells(block, task, units, len(seeds), resamples, seed, alpha)
        noise.append({"task": task, "mode": mode, "models": len(models) - 1} | terms)
        info = parsed.set_index("model")
        for model, cell in zip(models[1:], cells):
            keys = {"pair": info.loc[model, "aligned_pair"], "losses": info.loc[model, "losses"]}
            rows.append(keys | {"task": task, "mode": mode} | cell)
    table = pd.DataFrame(rows)
    table["p_holm"] = stats.holm(table["p"])
    table["significant"] = table["p_holm"] < alpha
    return table, pd.DataFrame(noise)


def resampled_scores(
    per_language: dict, shared: np.ndarray | None, resamples: int, rng: np.random.Generator, units: int, seeds: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each (unit, seed)'s score, the mean over languages of its metric, under each bootstrap draw of the test
    items, shape (resamples, units, seeds), and on every item, shape (1, units, seeds). The draw is ``shared``
    by every language where item i is one text in each; otherwise each language's items are drawn apart, in
    the order of ``per_language`` (``_per_language``'s matrices)."""
    scores, observed = 0.0, 0.0
    for numerator, denominator in per_language.values():
        weights = shared if shared is not None else stats.resample_weights(numerator.shape[1], resamples, rng)
        scores = scores + stats.resampled_ratio(numerator, denominator, weights) / len(per_language)
        every_item = np.ones((1, numerator.shape[1]))
        observed = observed + stats.resampled_ratio(numerator, denominator, every_item) / len(per_language)
    return scores.reshape(resamples, units, seeds), observed.reshape(1, units, seeds)


def paired_cells(
    block: pd.DataFrame,
    task: str,
    units: list[tuple],
    seeds: int,
    resamples: int,
    seed: int,
    alpha: float,
    compared: list[tuple[int, int]] | None = None,
) -> tuple[list[dict], dict]:
    """The paired two-level bootstrap of a task's Δs (seeds, then the same test items for both runs of a Δ;
    one draw of items for every language where item i is the same text in each): for each (model, control)
    of ``compared`` (rows of ``units`` // ``seeds``; each model against the first, the base encoder, where
    None), its Δ (the mean over seeds of the mean score over languages), interval and p-value
    (``stats.bootstrap_interval``: 0 lies outside exactly when p < alpha); and the test items' terms of the
    variance of a mean of these Δs (``stats.item_components`` of ``item_contributions``)."""
    models = len(units) // seeds
    rng = np.random.default_rng(seed)
    seed_weights = stats.resample_weights(seeds, resamples, rng)
    per_language = _per_language(block, units, task)
    paired = TASKS[task].parallel_items
    shared = stats.resample_weights(len(paired_items(block, task)), resamples, rng) if paired else None
    scores, observed = resampled_scores(per_language, shared, resamples, rng, models, seeds)
    contributions, strata = item_contributions(per_language, models, seeds, paired, compared)
    items_variance, interaction, item_df = stats.item_components(contributions, strata)
    whole, items = np.ones((1, seeds)), sum(c.shape[1] for c, _ in per_language.values())
    cells = []
    for model, control in compared or [(index, 0) for index in range(1, models)]:
        low, high, p = stats.bootstrap_interval(
            stats.paired_delta(scores[:, model], scores[:, control], seed_weights), 1 - alpha
        )
        delta = float(stats.paired_delta(observed[:, model], observed[:, control], whole)[0])
        cells.append({"delta": delta, "low": low, "high": high, "p": p, "seeds": seeds, "items": items})
    terms = {
        "items": contributions.shape[1],
        "items_variance": float(items_variance),
        "interaction": float(interaction),
        "item_df": item_df,
    }
    return cells, terms


def item_contributions(
    per_language: dict, models: int, seeds: int, paired: bool, compared: list[tuple[int, int]] | None = None
) -> tuple[np.ndarray, list | None]:
    """Each aligned model's Δ as the mean of a row of (aligned models, items): item i of language l adds (its
    numerator over its unit's denominator of l, mean over seeds, minus the base encoder's) / languages to the
    model's Δ, scaled by the number of items. ``compared``: the (model, its control) rows of the Δs, where each
    model has a control of its own (a joint run's sequential run); the base encoder, row 0, for every model
    otherwise. Where every unit's denominator is the same (accuracy: the scored
    labels), it is factored out; where it is not (span F1: the predicted entities differ), each unit's own
    divides, which treats the denominators as fixed (a linearisation: their noise is left out). Where item i is
    one text in every language, its languages' terms make one item; otherwise each language's items are a
    stratum of their own. Rows of ``per_language``'s matrices: (model, seed), the base encoder's first."""
    terms, strata = [], []
    treated, control = map(list, zip(*compared)) if compared else (slice(1, None), slice(0, 1))
    for language, (numerator, denominator) in per_language.items():
        sums = denominator.sum(axis=1)
        if np.all(sums == sums[0]):
            mean = numerator.reshape(models, seeds, -1).mean(axis=1)
            terms.append((mean[treated] - mean[control]) / (len(per_language) * sums[0]))
        else:
            mean = (numerator / sums[:, None]).reshape(models, seeds, -1).mean(axis=1)
            terms.append((mean[treated] - mean[control]) / len(per_language))
        strata += [language] * numerator.shape[1]
    if paired:
        summed = np.sum(terms, axis=0)
        return summed * summed.shape[1], None
    joined = np.concatenate(terms, axis=1)
    return joined * joined.shape[1], strata


def paired_items(block: pd.DataFrame, task: str) -> list:
    """The items of a task whose item i is the same text in every language: the same in every language's rows,
    or an error naming the language that differs."""
    per_language = block.groupby("language", sort=False)["item"].unique()
    first = per_language.index[0]
    reference = sorted(per_language.iloc[0])
    for language, found in per_language.items():
        if sorted(found) != reference:
            raise ValueError(
                f"{task}: the test items of {language} ({len(found)}) are not those of {first} ({len(reference)}) "
                f"in the zero-shot results of {', '.join(block[block['language'] == language]['model'].unique()[:3])}, "
                "though item i is the same text in every language; rebuild those results"
            )
    return reference


def interval_text(value: float, low: float, high: float, digits: int) -> str:
    """``value [low, high]``, or the value alone where there is no interval."""
    if pd.isna(value):
        return ""
    if pd.isna(low):
        return f"{number(value, digits)} (no interval)"
    return f"{number(value, digits)} [{number(low, digits)}, {number(high, digits)}]"


def table1_significance_layout(table: pd.DataFrame, losses: list[str], alpha: float, encoder: str = "XLM-R") -> list:
    from align_transfer.tables.tables import MODE_TITLES, TASK_TITLES, loss_code_cells

    blocks = []
    for (task, mode), block in table.groupby(["task", "mode"], sort=False):
        grid = Table(["Model", *losses])
        for pair in sorted(set(block["pair"])):
            cells = loss_code_cells(
                block,
                "pair",
                pair,
                losses,
                lambda r: interval_text(r["delta"], r["low"], r["high"], 3) + (" *" if r["significant"] else ""),
            )
            grid.rows.append([f"{encoder}_{pair}", *cells])
        blocks += [Label(f"{TASK_TITLES[task]}, {MODE_TITLES[mode]}"), grid, ""]
    return blocks + [caption("table1_significance", confidence=100 * (1 - alpha), alpha=alpha)]


#: A probe is degenerate in a cell when, for some seed, every class but one has a recall below this: it answers
#: (nearly) one class, and a difference between groups would only be their mix of topics.
DEGENERATE_RECALL = 0.1
PROBE_DEGENERATE = "probe degenerate"


def degenerate_probe(scores: pd.DataFrame, labels: pd.Series) -> bool:
    """``scores``: (items, seeds) right (1) or wrong (0); ``labels``: each item's gold class. True where some
    seed's probe recalls at most one class at ``DEGENERATE_RECALL`` or more."""
    recall = scores.groupby(labels.loc[scores.index].to_numpy()).mean()
    return bool(((recall >= DEGENERATE_RECALL).sum(axis=0) <= 1).any())


def gold_labels(task_dirs) -> pd.DataFrame:
    """Each test item's gold label (language, item, label) from a task's tokenized data (``load_tokens``): the
    items as zero-shot evaluation numbered them, a sampled test split's included."""
    from align_transfer.core.modeling import load_tokens

    rows = []
    for task_dir in task_dirs:
        dataset = load_tokens(task_dir)
        for name in dataset:
            if name.startswith("test_"):
                labels = dataset[name]["labels"]
                rows += [
                    {"language": name.removeprefix("test_"), "item": i, "label": label}
                    for i, label in enumerate(labels)
                ]
    return pd.DataFrame(rows, columns=["language", "item", "label"])


def instance_level(
    items: pd.DataFrame,
    retrieved: pd.DataFrame,
    labels: pd.DataFrame,
    alpha: float = 0.05,
    min_group: int = stats.MIN_UNITS["instance"],
) -> pd.DataFrame:
    """Per model, mode and language: SIB-200 accuracy on the items whose English translation the model retrieves
    first minus accuracy on the other items (an item's score: its mean over seeds), with Agresti & Caffo's
    adjusted interval and its p-value (``stats.group_difference``) where the smaller group has ``min_group``
    items, Benjamini-Hochberg's q across every cell that has a p-value (``significant``: q < alpha). A cell
    whose probe answers (nearly) one class (``degenerate_probe``; ``labels``: language, item, label) is marked
    ``probe degenerate`` and has no interval."""
    found = {key: block.set_index("item")["retrieved"] for key, block in retrieved.groupby(["model", "language"])}
    gold = {language: block.set_index("item")["label"] for language, block in labels.groupby("language")}
    scores = items[items["task"].map(lambda task: TASKS[task].parallel_items)].pivot_table(
        index=["model", "mode", "language", "item"], columns="seed", values="correct"
    )
    rows = []
    for (model, mode, language), correct in scores.groupby(level=[0, 1, 2], sort=False):
        hits = found.get((model, language))
        if hits is None:
            continue
        correct = correct.droplevel([0, 1, 2])
        correct = correct.loc[correct.index.intersection(hits.index)]
        in_group = hits.loc[correct.index].to_numpy(bool)
        degenerate = degenerate_probe(correct, gold[language])
        result = stats.group_difference(correct.mean(axis=1).to_numpy(), in_group, correct.shape[1], 1 - alpha)
        if degenerate or min(in_group.sum(), (~in_group).sum()) < min_group:
            result |= stats.NO_INTERVAL
        rows.append({"model": model, "mode": mode, "language": language} | result | {"degenerate": degenerate})
    table = pd.DataFrame(rows)
    if len(table):
        table["q"] = stats.benjamini_hochberg(table["p"])
        table["significant"] = table["q"] < alpha
    return table


def instance_level_layout(
    table: pd.DataFrame, min_group: int = stats.MIN_UNITS["instance"], alpha: float = 0.05
) -> list:
    """A block per mode: a row per model, a column per language, each cell the difference and its interval
    (* where Benjamini-Hochberg's q is below alpha)."""
    from align_transfer.tables.tables import MODE_TITLES

    def cell(row) -> str:
        if row.get("degenerate", False):
            return PROBE_DEGENERATE
        if pd.isna(row["difference"]):
            return ""
        if pd.isna(row["low"]):
            return f"{number(row['difference'], 2)} ({min(row['in_group'], row['items'] - row['in_group'])} in a group)"
        return interval_text(row["difference"], row["low"], row["high"], 2) + (" *" if row["significant"] else "")

    blocks = []
    languages = list(dict.fromkeys(table["language"]))
    for mode, block in table.groupby("mode", sort=False):
        grid = Table(["Model", *languages])
        for model, rows in block.groupby("model", sort=False):
            cells = {r["language"]: cell(r) for _, r in rows.iterrows()}
            grid.rows.append([model, *(cells.get(lang, "") for lang in languages)])
        blocks += [Label(MODE_TITLES[mode]), grid, ""]
    return blocks + [caption("instances", min_group=min_group, alpha=alpha, recall=DEGENERATE_RECALL)]


# The claims: the hypotheses as written, the paper's own findings, and the verdicts of docs/design.md §7


HYPOTHESES = {
    "similarity": "Alignment makes each evaluation language's sentences more retrievable from the source (Δ R@1 > 0).",
    "transfer": "Alignment improves zero-shot transfer (Δ accuracy > 0).",
    "predicts": "A larger gain in alignment (Δ R@1 with the source) predicts a larger gain in transfer (Spearman's ρ "
    "above {threshold:g}).",
    "orthogonal": "Alignment and task gradients are close to orthogonal (|mean cosine| < {band:g}, against a stable "
    "task direction).",
}


@dataclass(frozen=True)
class Finding:
    """The paper's own finding on a hypothesis, where it says so, and which of this run's verdicts agree
    with it or disagree; any other verdict leaves the comparison open."""

    text: str
    agree: tuple[str, ...]
    disagree: tuple[str, ...]


SUPPORTED, CONTRADICTED, INCONCLUSIVE = stats.SUPPORTED, stats.CONTRADICTED, stats.INCONCLUSIVE
FINDINGS = {
    ("similarity", None): Finding(
        "Yes: nearly every language pair gains in cosine, R@5 and R@10; only the word-only "
        "code S0W1M0 loses (§5.1; Tables 2, 7, 8).",
        (SUPPORTED,),
        (CONTRADICTED,),
    ),
    ("transfer", "full"): Finding(
        "No reliable gain: full fine-tuning's Δs lie within ±0.04, mostly within one std "
        "over seeds, and S0W1M0 loses (Table 1; §6, Takeaway II).",
        (INCONCLUSIVE, CONTRADICTED),
        (SUPPORTED,),
    ),
    ("transfer", "linear"): Finding(
        "Yes, with a linear probe: most codes gain, most with a loss of the task's level; "
        "S0W1M0 loses (§5.1; Table 1; §6, Takeaway II).",
        (SUPPORTED,),
        (CONTRADICTED,),
    ),
    ("predicts", None): Finding(
        "No: embedding distances and recall are not reliable predictors of downstream "
        "performance (§6, Takeaway I; Abstract).",
        (CONTRADICTED, stats.WEAK),
        (SUPPORTED,),
    ),
    ("orthogonal", None): Finding(
        "Yes: Table 3's cosines lie between -0.10 and +0.18, near 0 for POS (§5.3; §6, Takeaway II).",
        (SUPPORTED,),
        (CONTRADICTED,),
    ),
}
NOT_TESTED = "not tested"


def finding(claim: str, mode: str | None = None) -> Finding:
    return FINDINGS.get((claim, mode)) or FINDINGS[(claim, None)]


def agreement(verdict: str, found: Finding) -> str:
    """Whether this run's verdict agrees with the paper's finding: yes, no, or inconclusive."""
    if verdict == NOT_TESTED:
        return ""
    return "yes" if verdict in found.agree else "no" if verdict in found.disagree else "inconclusive"


def table1_contrast(verdict: str, colours: Counter, units: int) -> str:
    """One sentence where Table 1's colours (each aligned model against its own spread over seeds) and the
    transfer claim (the aligned models as units) seem to disagree; empty where they do not."""
    cells, green, red = sum(colours.values()), colours["green"], colours["red"]
    scope = (
        "Table 1 colours each aligned model by whether it beats the base encoder by more than its own spread over "
        "seeds, while the claim takes the aligned models as units and asks where their mean lies"
    )
    if verdict == SUPPORTED and green * 2 < cells:
        return f"Table 1 has {green} of {cells} cells green: {scope}; small gains that every model shares make the mean's interval clear 0."
    if verdict == CONTRADICTED and red * 2 < cells:
        return f"Table 1 has {red} of {cells} cells red: {scope}; small losses that every model shares make the mean's interval fall below 0."
    if verdict == stats.TOO_FEW and max(green, red) * 2 >= cells > 0:
        return f"Table 1 colours {max(green, red)} of {cells} cells, each against its own seeds; {units} aligned models are too few for an interval of their mean."
    if verdict == INCONCLUSIVE and max(green, red) * 2 >= cells > 0:
        tint = "green" if green >= red else "red"
        return f"Table 1 has {max(green, red)} of {cells} cells {tint}: {scope}; the models differ from each other more than each one's seeds do, so the mean's interval includes 0."
    return ""


def table1_colours(block: pd.DataFrame) -> Counter:
    """Table 1's colour of each aligned model of a task and mode, from the join: each seed's Δ is its mean
    over languages of Δ accuracy (the base encoder's mean over seeds subtracted, as Table 1 does)."""
    per_seed = block.groupby(["model", "seed"])[SCORE].mean()
    spread = per_seed.groupby(level="model").agg(["mean", "std", "count"])
    return Counter(colour(m, s, n) for m, s, n in spread.itertuples(index=False))


def claim_row(
    claim: str, scope: str, statistic: str, result: dict, verdict: str, found: Finding, note: str = "", **extra
) -> dict:
    return {
        "claim": claim,
        "scope": scope,
        "statistic": statistic,
        "units": result["units"],
        "value": result["value"],
        "low": result["low"],
        "high": result["high"],
        "p": result["p"],
        "verdict": verdict,
        "paper": found.text,
        "agrees": agreement(verdict, found),
        "note": note,
    } | extra


def absent(claim: str, scope: str, why: str) -> dict:
    empty = {"units": 0, "value": math.nan} | stats.NO_INTERVAL
    return claim_row(claim, scope, "", empty, NOT_TESTED, finding(claim), why)


def claims(
    join: pd.DataFrame,
    correlation_table: pd.DataFrame,
    step: int,
    threshold: float,
    band: float,
    alpha: float = 0.05,
    item_noise: pd.DataFrame | None = None,
    source: str = "the join",
) -> pd.DataFrame:
    """One row per claim and scope: the statistic over its independent units with its 1 - alpha interval and
    p-value, the verdict of docs/design.md §7's rules, the paper's finding and whether this run agrees with it,
    and a note (why a scope has no interval; where Table 1 and the claim seem to disagree; what a weak ρ means).
    ``item_noise`` (``table1_significance``'s) adds the shared test items' noise to each transfer mean
    (``stats.crossed_mean``); without it, the transfer claim's interval is the aligned models' alone. ``source``
    names the join's file in errors."""
    rows, level, join = [], 1 - alpha, scored(join)
    if join[SCORE].isna().any():  # the readers refuse such files; a join made elsewhere must not slip through
        missing = join[join[SCORE].isna()].iloc[0]
        raise ValueError(
            f"{source}: no {score_label(missing['task'])} for run {missing['run']}, language {missing['language']}, "
            f"step {missing['step']} ({int(join[SCORE].isna().sum())} rows)"
        )
    at_step = join[join["step"] == step]
    recall = recall_column(join)

    shared = {} if item_noise is None else item_noise.set_index(["task", "mode"]).to_dict("index")

    def mean_claim(values, unit: str, items: dict | None = None) -> tuple[dict, str, str]:
        """The mean's interval (with the shared items' terms where given), its verdict and, where there are too
        few units, why."""
        values = np.asarray(values, dtype=np.float64)
        if items is None:
            result = stats.mean_interval(values, level)
        else:
            terms = items["items_variance"], items["interaction"], int(items["item_df"])
            result = stats.crossed_mean(values, *terms, level)
        reason = stats.too_few(result["units"], "mean", unit)
        verdict = stats.TOO_FEW if reason else stats.verdict_positive(result["low"], result["high"])
        return result, verdict, reason

    # a model's Δ R@1 with the source, per language: the same in every run of the model
    per_model = at_step.dropna(subset=[recall]).drop_duplicates(["model", "language"]).groupby("model")[recall].mean()
    result, verdict, reason = mean_claim(per_model, "aligned models")
    rows.append(
        claim_row(
            "similarity",
            f"aligned models at step {step}",
            f"mean {measure_label(recall)} over aligned models",
            result,
            verdict,
            finding("similarity"),
            reason,
        )
    )
    for (task, mode), block in at_step.groupby(["task", "mode"], sort=False):
        items = shared.get((task, mode))
        result, verdict, reason = mean_claim(block.groupby("model")[SCORE].mean(), "aligned models", items)
        note = reason or table1_contrast(verdict, table1_colours(block), result["units"])
        rows.append(
            claim_row(
                "transfer",
                f"{task}, {mode}, step {step}",
                f"mean {score_label(task)} over aligned models"
                + ("" if items is None else ", with the noise of the test items they share"),
                result,
                verdict,
                finding("transfer", mode),
                note,
            )
        )

    predictive = correlation_table[correlation_table["measure"] == recall]
    for _, result in predictive.iterrows():
        verdict = (
            stats.TOO_FEW
            if result["reason"]
            else stats.verdict_predicts(result["low"], result["high"], result["p"], threshold, alpha)
        )
        unit = "languages" if result["scope"] == ACROSS_LANGUAGES else "alignment runs"
        points = (
            f"{result['points']} languages (each its mean over runs and steps)"
            if result["scope"] == ACROSS_LANGUAGES
            else f"{result['points']} checkpoint x language points, ranked within each language and step"
            + (" after centring within each loss code" if result["scope"] == WITHIN_CODES else "")
        )
        rows.append(
            claim_row(
                "predicts",
                f"{result['task']}, {result['mode']}, every step, {result['scope']}",
                f"Spearman ρ of {measure_label(recall)} with {score_label(result['task'])} over {points}, {unit} as units",
                result.to_dict(),
                verdict,
                finding("predicts"),
                predicts_note(result, verdict, threshold, alpha),
            )
        )

    gradients = join.dropna(subset=["gradient_cosine"]) if "gradient_cosine" in join else join.iloc[:0]
    for task, block in gradients.drop_duplicates(["task", "model", "seed"]).groupby("task", sort=False):
        per_model = block.groupby("model")[["gradient_cosine", "gradient_baseline_cosine"]].mean()
        result, _, reason = mean_claim(per_model["gradient_cosine"], "aligned models")
        baseline = per_model["gradient_baseline_cosine"].dropna()  # none with one gradient batch a run
        base = (
            stats.mean_interval(baseline, level)
            if len(baseline) == len(per_model)
            else {"value": math.nan} | stats.NO_INTERVAL
        )
        verdict = (
            stats.TOO_FEW
            if reason
            else stats.verdict_orthogonal(result["low"], result["high"], base["low"], base["high"], band)
        )
        note = reason or (
            ""
            if not math.isnan(base["value"])
            else "No task-vs-task baseline: each run took one gradient batch (analysis.gradient_batches)."
        )
        rows.append(
            claim_row(
                "orthogonal",
                f"{task}, full fine-tuning, step {step}",
                "mean task-vs-alignment gradient cosine over aligned models (each the mean over its seeds)",
                result,
                verdict,
                finding("orthogonal"),
                note,
                baseline=base["value"],
                baseline_low=base["low"],
                baseline_high=base["high"],
            )
        )
    if not len(gradients):
        rows.append(
            absent(
                "orthogonal",
                "every task",
                "The grid fine-tunes no model fully (finetune.modes), so there "
                "are no task gradients to compare with alignment's.",
            )
        )
    table = pd.DataFrame(rows)
    table.insert(1, "hypothesis", [HYPOTHESES[c].format(threshold=threshold, band=band) for c in table["claim"]])
    if "encoder" in join and join["encoder"].nunique() == 1:
        table.insert(0, "encoder", join["encoder"].iloc[0])
    return table


def predicts_note(result: pd.Series, verdict: str, threshold: float, alpha: float) -> str:
    """Why a 'predicts' scope has no interval; what a weak ρ means; where its interval and permutation p
    disagree on whether ρ differs from 0 (the verdict then does not count it as above 0)."""
    if result["reason"]:
        return f"Too few units for this scope: {result['reason']} (docs/design.md §7)."
    if verdict == stats.WEAK:
        return (
            f"ρ lies reliably above 0 but below {threshold:g}: alignment predicts transfer a little, which agrees "
            "with 'not a reliable predictor'."
        )
    excludes_zero = result["low"] > 0 or result["high"] < 0
    if excludes_zero != (result["p"] < alpha):
        return (
            f"The interval {'excludes' if excludes_zero else 'includes'} 0 while the permutation p is "
            f"{result['p']:.3g}: the two disagree at the boundary, and the verdict does not count ρ as different from 0."
        )
    return ""


def claims_layout(table: pd.DataFrame, alpha: float = 0.05, name: str = "claims") -> list:
    """Each claim once: its hypothesis and the paper's finding, then a row per scope (statistic, value and
    interval, p, the verdict and whether this run agrees with the paper, both coloured in the report); then the
    notes, each once, and the rules."""
    blocks, notes = [], {}
    for claim, rows in table.groupby("claim", sort=False):
        first = rows.iloc[0]
        blocks += [Label(f"{CLAIM_NAMES[claim]}. {first['hypothesis']}"), f"The paper finds: {first['paper']}", ""]
        grid = Table(
            [
                "Scope",
                "Statistic (units)",
                f"Value [{100 * (1 - alpha):g}% interval]",
                "p",
                "Verdict",
                "This run agrees",
            ]
        )
        for _, row in rows.iterrows():
            value = interval_text(row["value"], row["low"], row["high"], 3)
            if row["claim"] == "orthogonal" and not pd.isna(row.get("baseline")):
                value += f"; baseline {interval_text(row['baseline'], row['baseline_low'], row['baseline_high'], 3)}"
            statistic = (
                f"{row['statistic']} (n={row['units']})"
                if isinstance(row["statistic"], str) and row["statistic"]
                else ""
            )
            note = row["note"] if isinstance(row["note"], str) else ""
            mark = f" [{notes.setdefault(note, len(notes) + 1)}]" if note else ""
            agrees = row["agrees"] if isinstance(row["agrees"], str) else ""
            grid.rows.append(
                [
                    row["scope"],
                    statistic,
                    value,
                    "" if pd.isna(row["p"]) else f"{row['p']:.3g}",
                    Cell(f"**{row['verdict']}**{mark}", f"verdict-{css_class(row['verdict'])}"),
                    Cell(agrees, f"agrees-{css_class(agrees)}" if agrees else "black"),
                ]
            )
        blocks += [grid, ""]
    return [*blocks, *(f"[{number}] {note}" for note, number in notes.items()), "", caption(name, alpha=alpha)]


CLAIM_NAMES = {
    "similarity": "Retrieval gains",
    "transfer": "Transfer gains",
    "predicts": "'Alignment predicts transfer'",
    "orthogonal": "'Alignment and task gradients are orthogonal'",
    "joint_transfer": "'Joint training recovers transfer'",
    "joint_gradients": "'Joint training turns the gradients towards each other'",
}


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _scope_parts(scope: str) -> tuple[str, str]:
    """``"pos, full, every step, within languages"`` -> ``("POS full", "within languages")``."""
    parts = [part for part in scope.split(", ") if not part.startswith("step") and part != "every step"]
    return " ".join(part.upper() if part in TASKS else part for part in parts[:2]), ", ".join(parts[2:])


def claim_sentences(each: pd.DataFrame) -> list[str]:
    """A sentence per claim of every encoder's verdicts (``each``: the encoders' claims tables in one, each with
    its ``encoder`` column), then one of how often they agree with the paper: the headline of a report, and the
    paragraph docs/science.md shows of a run."""
    sentences = []
    for claim, block in each.groupby("claim", sort=False):
        parts = []
        for encoder, rows in block.groupby("encoder", sort=False):
            grouped: dict[str, dict[str, list[str]]] = {}
            for _, row in rows.iterrows():
                where, within = _scope_parts(row["scope"])
                if claim in ("similarity", "orthogonal") and not pd.isna(row["value"]):
                    where += f" ({interval_text(row['value'], row['low'], row['high'], 3)})"
                grouped.setdefault(within, {}).setdefault(row["verdict"], []).append(
                    "" if claim == "similarity" else where
                )
            clauses = []
            for within, verdicts in grouped.items():
                said = "; ".join(
                    f"{verdict} for {_listed(scopes)}" if any(scopes) else verdict
                    for verdict, scopes in verdicts.items()
                )
                clauses.append(f"{within}, {said}" if within else said)
            if claim == "similarity":
                value = rows.iloc[0]
                clauses = [f"{value['verdict']} ({interval_text(value['value'], value['low'], value['high'], 3)})"]
            parts.append(f"{encoder} " + "; ".join(clauses))
        sentences.append(f"{CLAIM_NAMES[claim]}: " + "; ".join(parts) + ".")
    agrees = Counter(each["agrees"].replace("", np.nan).dropna())
    sentences.append(
        f"Against the paper's own findings, {agrees['yes']} of these rows agree, {agrees['no']} disagree and "
        f"{agrees['inconclusive']} leave it open."
    )
    return sentences


def verdict_summary(each: pd.DataFrame) -> str:
    """``claim_sentences`` as one paragraph: what docs/science.md says of a run, written by the run."""
    return " ".join(claim_sentences(each)) + "\n"


# Across the encoders (docs/science.md, "Encoders"): each encoder's study tested as above, then compared


def join_encoders(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Every encoder's table (its join, or its claims, each with its ``encoder`` column) in one. A column that
    an encoder lacks (a measure at a layer it does not analyse) is empty in its rows."""
    joined = pd.concat(tables, ignore_index=True)
    return joined[["encoder", *[column for column in joined.columns if column != "encoder"]]]


def pooled(join: pd.DataFrame) -> pd.DataFrame:
    """The joined table with each model and run named by its encoder too (``XLM-R/de-en_S1W0M1_6000``): the
    claims then read every encoder's aligned models as units of one population."""
    return join.assign(model=join["encoder"] + "/" + join["model"], run=join["encoder"] + "/" + join["run"])


def pooled_claims(
    join: pd.DataFrame,
    step: int,
    permutations: int,
    seed: int,
    threshold: float,
    band: float,
    alpha: float = 0.05,
    source: str = "the join",
    item_noise: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each claim tested on the aligned models of every encoder together (``claims`` on the pooled join).
    ``item_noise``: every encoder's (``table1_significance``'s, with an ``encoder`` column); the encoders were
    scored on the same items, so their noise adds as if perfectly correlated: the square of the
    models-weighted mean of their standard deviations, which errs wide."""
    units, shared = pooled(join), None
    if item_noise is not None and len(item_noise):
        noise = item_noise.assign(
            weight=item_noise["models"] / item_noise.groupby(["task", "mode"])["models"].transform("sum"),
            sd=np.sqrt((item_noise["items_variance"] - item_noise["interaction"]).clip(lower=0)),
        )
        shared = (
            noise.assign(sd=noise["sd"] * noise["weight"])
            .groupby(["task", "mode"], as_index=False)
            .agg(sd=("sd", "sum"), item_df=("item_df", "min"))
        )
        shared = shared.assign(items_variance=shared["sd"] ** 2, interaction=0.0)
    correlation_table = correlations(units, permutations, seed, alpha, source)
    table = claims(units, correlation_table, step, threshold, band, alpha, shared, source)
    return table.assign(scope="every encoder: " + table["scope"])


def encoder_differences(
    join: pd.DataFrame, step: int, permutations: int, seed: int, alpha: float = 0.05
) -> pd.DataFrame:
    """Does what alignment does depend on the encoder? For each claim's statistic, the encoders' means of their
    units (aligned models, as the claims average them) and the permutation p-value of 'every encoder has the
    same mean' (between-encoder sum of squares, units relabelled)."""
    join = scored(join)
    at_step = join[join["step"] == step]
    recall = recall_column(join)
    scopes = [("similarity", f"aligned models at step {step}", at_step.dropna(subset=[recall]), recall, recall)]
    for (task, mode), block in at_step.groupby(["task", "mode"], sort=False):
        measure = f"delta_{METRICS[TASKS[task].metric].name}"
        scopes.append(("transfer", f"{task}, {mode}, step {step}", block, SCORE, measure))
    if "gradient_cosine" in join:
        runs = join.dropna(subset=["gradient_cosine"]).drop_duplicates(["encoder", "task", "model", "seed"])
        for task, block in runs.groupby("task", sort=False):
            scope = f"{task}, full fine-tuning, step {step}"
            scopes.append(("orthogonal", scope, block, "gradient_cosine", "gradient_cosine"))
    rows = []
    for claim, scope, block, column, measure in scopes:
        units = block.groupby(["encoder", "model"], sort=False)[column].mean().reset_index()
        means = units.groupby("encoder", sort=False)[column].mean()
        p = stats.group_permutation_p(units[column], units["encoder"], permutations, np.random.default_rng(seed))
        groups = [units.loc[units["encoder"] == name, column].to_numpy() for name in means.index]
        rows.append(
            {
                "claim": claim,
                "scope": scope,
                "measure": measure,
                "units": len(units),
                "encoders": len(means),
                "means": "; ".join(f"{name} {number(value, 4)}" for name, value in means.items()),
                "between_ss": float(stats.between_groups(*groups)) if len(groups) > 1 else math.nan,
                "p": p,
                "verdict": stats.verdict_differs(p, alpha),
            }
        )
    return pd.DataFrame(rows)


def encoders_layout(verdicts: pd.DataFrame, differences: pd.DataFrame, alpha: float = 0.05) -> list:
    """Each claim and scope with every encoder's value, interval and verdict side by side, then whether the
    encoders differ."""
    names = list(dict.fromkeys(verdicts["encoder"]))
    grid = Table(["Claim", "Scope", *names])
    for (claim, scope), block in verdicts.groupby(["claim", "scope"], sort=False):
        cells = {
            r["encoder"]: Cell(
                f"{interval_text(r['value'], r['low'], r['high'], 3)} **{r['verdict']}**".strip(),
                f"verdict-{css_class(r['verdict'])}",
            )
            for _, r in block.iterrows()
        }
        grid.rows.append([claim, scope, *(cells.get(name, "") for name in names)])
    blocks = [Heading("Each encoder's verdicts"), grid, "", Heading("Do the encoders differ?")]
    if differences.empty or (differences["encoders"] < 2).all():
        blocks.append("One encoder: there is nothing to compare.")
    else:
        rows = []
        for _, r in differences.iterrows():
            p = "" if pd.isna(r["p"]) else f"{r['p']:.3g}"
            rows.append(
                [
                    r["claim"],
                    r["scope"],
                    f"{r['means']} (n={r['units']})",
                    p,
                    Cell(f"**{r['verdict']}**", f"verdict-{css_class(r['verdict'])}"),
                ]
            )
        blocks.append(Table(["Claim", "Scope", "Means of the encoders' units", "p", "Verdict"], rows))
    return blocks + ["", caption("encoders", alpha=alpha)]
