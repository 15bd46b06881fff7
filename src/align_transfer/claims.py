"""The claims layer (DESIGN §7): the paper's claims tested on the workflow's own results.

- ``transfer_join``: one tidy row per aligned model x step x task x mode x seed x evaluation language,
  with Δ accuracy beside that language's Δ alignment with the source language and the gradients;
- ``correlations``: does a model's Δ alignment predict its Δ transfer, per task and mode, at the
  language and the model level;
- ``table1_significance``: each Table 1 cell's Δ with a paired two-level bootstrap interval, Holm-corrected;
- ``instance_level``: are SIB-200 items whose English translation is retrieved first classified
  correctly more often;
- ``claims``: one row per claim of the paper, with its statistic, interval and verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import stats
from .tables import JOIN_GROUP, number, with_encoder_columns

RUN_KEYS = ["task", "mode", "model", "seed"]


def read_runs(paths) -> pd.DataFrame:
    """Concatenate per-run CSVs ``.../{task}/{mode}/{model}/seed{seed}[_items].csv``, tagged with their run."""
    frames = []
    for path in map(str, paths):
        *_, task, mode, model, name = path.split("/")
        seed = int(name.removeprefix("seed").removesuffix(".csv").removesuffix("_items"))
        frames.append(pd.read_csv(path).assign(task=task, mode=mode, model=model, seed=seed))
    return pd.concat(frames, ignore_index=True)


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


def transfer_join(zeroshot: pd.DataFrame, similarity: pd.DataFrame, retrieval: pd.DataFrame,
                  gradients: pd.DataFrame, layers: list[int]) -> pd.DataFrame:  # fmt: skip
    """The join of DESIGN §7. Δ accuracy is against the base encoder's mean over seeds (as Table 1);
    each Δ alignment measure (``delta_cosine_l{k}``, ``delta_gap_l{k}``, ``delta_r{k}``) is the model's
    minus the base encoder's, for that language with the source (empty for the source itself); the
    gradient columns are the run's mean over batches (full fine-tuning runs the analysis kept)."""
    runs = with_encoder_columns(zeroshot)
    base = runs[runs["model"] == "base"].groupby(["task", "mode", "language"])["accuracy"].mean().rename("base_accuracy")
    rows = runs[runs["model"] != "base"].join(base, on=["task", "mode", "language"])
    rows["delta_accuracy"] = rows["accuracy"] - rows["base_accuracy"]

    measures = join_measures(similarity, retrieval, layers)
    names = [c for c in measures.columns if c not in ("model", "language")]
    base_measures = measures[measures["model"] == "base"].set_index("language")[names]
    aligned = measures[measures["model"] != "base"].set_index(["model", "language"])[names]
    deltas = (aligned - base_measures.reindex(aligned.index.get_level_values("language")).values).add_prefix("delta_")
    rows = rows.merge(deltas.reset_index(), on=["model", "language"], how="left")

    if len(gradients):
        per_run = gradients.groupby(["task", "model", "seed"], as_index=False)[
            ["cosine", "baseline_cosine", "task_norm", "alignment_norm"]
        ].mean()
        per_run = per_run.rename(columns={"cosine": "gradient_cosine", "baseline_cosine": "gradient_baseline_cosine"})
        rows = rows.merge(per_run.assign(mode="full"), on=["task", "mode", "model", "seed"], how="left")
    rows["step"] = rows["step"].astype(int)
    columns = ["aligned_pair", "losses", "step", "task", "mode", "seed", "language", "model", "accuracy", "base_accuracy",
               "delta_accuracy"] + [c for c in rows.columns if c.startswith("delta_") and c != "delta_accuracy"]  # fmt: skip
    columns += [c for c in ("gradient_cosine", "gradient_baseline_cosine", "task_norm", "alignment_norm") if c in rows]
    return rows[columns].sort_values(["task", "mode", "aligned_pair", "losses", "step", "seed", "language"]).reset_index(drop=True)


def measure_columns(join: pd.DataFrame) -> list[str]:
    return [c for c in join.columns if c.startswith("delta_") and c != "delta_accuracy"]


def measure_label(column: str) -> str:
    """``delta_r1`` -> ``Δ R@1``; ``delta_gap_l8`` -> ``Δ cosine gap (layer 8)``."""
    name = column.removeprefix("delta_")
    if name.startswith("r"):
        return f"Δ R@{name[1:]}"
    kind, layer = name.rsplit("_l", 1)
    return f"Δ {'cosine gap' if kind == 'gap' else 'cosine'} (layer {layer})"


def levels(join: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The join at the language level (a model x language, Δ accuracy averaged over seeds) and at the
    model level (a model, averaged over its languages); the source language, with no Δ alignment, is left out."""
    measures = measure_columns(join)
    rows = join.dropna(subset=measures, how="all")
    language = rows.groupby(["task", "mode", "model", "step", "language"], as_index=False)[["delta_accuracy", *measures]].mean()
    model = language.groupby(["task", "mode", "model", "step"], as_index=False)[["delta_accuracy", *measures]].mean()
    return {"language": language, "model": model}


def correlations(join: pd.DataFrame, resamples: int, permutations: int, seed: int, alpha: float = 0.05) -> pd.DataFrame:
    """Spearman's ρ and Pearson's r of every Δ alignment measure with Δ accuracy, per task, mode and
    level, with bootstrap intervals and permutation p-values (each computed with a generator seeded
    by ``seed``, so that every row is reproducible on its own)."""
    rows = []
    for level, frame in levels(join).items():
        for (task, mode), block in frame.groupby(["task", "mode"], sort=False):
            for measure in measure_columns(join):
                usable = block.dropna(subset=[measure, "delta_accuracy"])
                for method in ("spearman", "pearson"):
                    result = stats.correlation(usable[measure], usable["delta_accuracy"], method, resamples,
                                               permutations, np.random.default_rng(seed), 1 - alpha)  # fmt: skip
                    rows.append({"task": task, "mode": mode, "level": level, "measure": measure} | result)
    return pd.DataFrame(rows)


def _per_language(items: pd.DataFrame, units: list[tuple]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per language: (correct, total) matrices with a row per (model, seed) unit, columns the test items."""
    out = {}
    for language, block in items.groupby("language", sort=False):
        correct = block.pivot_table(index=["model", "seed"], columns="item", values="correct").reindex(units)
        total = block.pivot_table(index=["model", "seed"], columns="item", values="total").reindex(units)
        out[language] = (correct.to_numpy(np.float64), total.to_numpy(np.float64))
    return out


def table1_significance(items: pd.DataFrame, step: int, resamples: int, seed: int, alpha: float) -> pd.DataFrame:
    """Table 1's companion: each cell's Δ (aligned minus base, mean over seeds of the mean accuracy over
    languages) with a paired two-level bootstrap interval (seeds, then the same test items for both
    encoders) and p-value, Holm-corrected across every cell of the table."""
    rows = []
    for (task, mode), block in items.groupby(["task", "mode"], sort=False):
        parsed = with_encoder_columns(pd.DataFrame({"model": block["model"].unique()}))
        models = ["base"] + list(parsed[(parsed["model"] != "base") & (parsed["step"] == step)]["model"])
        block = block[block["model"].isin(models)]
        seeds = sorted(block["seed"].unique())
        units = [(model, s) for model in models for s in seeds]
        rng = np.random.default_rng(seed)
        seed_weights = stats.resample_weights(len(seeds), resamples, rng)
        scores, observed = 0.0, 0.0
        per_language = _per_language(block, units)
        for correct, total in per_language.values():
            weights = stats.resample_weights(correct.shape[1], resamples, rng)
            scores = scores + stats.resampled_accuracy(correct, total, weights) / len(per_language)
            observed = observed + stats.resampled_accuracy(correct, total, np.ones((1, correct.shape[1]))) / len(per_language)
        scores, observed = scores.reshape(resamples, len(models), len(seeds)), observed.reshape(1, len(models), len(seeds))
        whole = np.ones((1, len(seeds)))
        for index, model in enumerate(models[1:], 1):
            samples = stats.paired_delta(scores[:, index], scores[:, 0], seed_weights)
            low, high = stats.percentile_interval(samples, 1 - alpha)
            info = parsed.set_index("model").loc[model]
            rows.append({"pair": info["aligned_pair"], "losses": info["losses"], "task": task, "mode": mode,
                         "delta": float(stats.paired_delta(observed[:, index], observed[:, 0], whole)[0]),
                         "low": low, "high": high, "p": stats.bootstrap_p(samples), "seeds": len(seeds),
                         "items": sum(c.shape[1] for c, _ in per_language.values())})  # fmt: skip
    table = pd.DataFrame(rows)
    table["p_holm"] = stats.holm(table["p"])
    table["significant"] = table["p_holm"] < alpha
    return table


def table1_significance_markdown(table: pd.DataFrame, losses: list[str], alpha: float, encoder: str = "XLM-R") -> str:
    from .tables import MODE_TITLES, TASK_TITLES, loss_code_cells

    lines = []
    for (task, mode), block in table.groupby(["task", "mode"], sort=False):
        lines += [f"**{TASK_TITLES[task]}, {MODE_TITLES[mode]}**\n", "| Model | " + " | ".join(losses) + " |",
                  "|---" * (len(losses) + 1) + "|"]  # fmt: skip
        for pair in sorted(set(block["pair"])):
            cells = loss_code_cells(block, "pair", pair, losses, lambda r: (
                f"{number(r['delta'], 3)} [{number(r['low'], 3)}, {number(r['high'], 3)}]" + (" *" if r["significant"] else "")))  # fmt: skip
            lines.append(f"| {encoder}_{pair} | " + " | ".join(cells) + " |")
        lines.append("")
    lines.append(
        f"Δ zero-shot accuracy from the base encoder with its {100 * (1 - alpha):g}% paired bootstrap interval (seeds, then test items); "
        f"* marks a Holm-corrected p < {alpha} across the whole table. Table 1 keeps the paper's colour rule."
    )
    return "\n".join(lines) + "\n"


def instance_level(items: pd.DataFrame, retrieved: pd.DataFrame, resamples: int, seed: int, alpha: float = 0.05) -> pd.DataFrame:
    """Per model, mode and language: SIB-200 accuracy on the items whose English translation the model
    retrieves first minus accuracy on the other items, items resampled (all seeds of an item together)."""
    found = {key: block.set_index("item")["retrieved"] for key, block in retrieved.groupby(["model", "language"])}
    scores = items[items["task"] == "sc"].pivot_table(index=["model", "mode", "language", "item"], columns="seed",
                                                       values="correct")  # fmt: skip
    rows = []
    for (model, mode, language), correct in scores.groupby(level=[0, 1, 2], sort=False):
        hits = found.get((model, language))
        if hits is None:
            continue
        correct = correct.droplevel([0, 1, 2])
        correct = correct.loc[correct.index.intersection(hits.index)]
        result = stats.group_difference(correct.to_numpy(), hits.loc[correct.index].to_numpy(bool), resamples,
                                        np.random.default_rng(seed), 1 - alpha)  # fmt: skip
        rows.append({"model": model, "mode": mode, "language": language} | result)
    return pd.DataFrame(rows)


def instance_level_markdown(table: pd.DataFrame) -> str:
    """A block per mode: a row per model, a column per language, each cell the difference and its interval."""
    from .tables import MODE_TITLES

    lines = []
    languages = list(dict.fromkeys(table["language"]))
    for mode, block in table.groupby("mode", sort=False):
        lines += [f"**{MODE_TITLES[mode]}**\n", "| Model | " + " | ".join(languages) + " |", "|---" * (len(languages) + 1) + "|"]
        for model, rows in block.groupby("model", sort=False):
            cells = {r["language"]: "" if pd.isna(r["difference"]) else
                     f"{number(r['difference'], 2)} [{number(r['low'], 2)}, {number(r['high'], 2)}]" for _, r in rows.iterrows()}  # fmt: skip
            lines.append(f"| {model} | " + " | ".join(cells.get(lang, "") for lang in languages) + " |")
        lines.append("")
    caption = (
        "SIB-200 zero-shot accuracy on the test items whose English translation the encoder (before fine-tuning) "
        "retrieves first, minus accuracy on the other items, all seeds pooled, with a bootstrap interval over "
        "items. Empty where every item or none was retrieved. The CSV has the counts and p-values."
    )
    return "\n".join(lines) + f"\n{caption}\n"


CLAIMS = {
    "similarity": "Alignment makes the evaluation languages' sentences more retrievable from the source (Δ R@1 > 0).",
    "transfer": "Alignment improves zero-shot transfer (Δ accuracy > 0); the paper finds it often does not (§1, Table 1).",
    "predicts": "A larger gain in alignment predicts a larger gain in transfer; the paper finds embedding distances "
    "unreliable predictors (Abstract, finding 1).",
    "orthogonal": "Alignment and task gradients are close to orthogonal (Abstract, finding 2; Table 3).",
}


def claims(join: pd.DataFrame, correlation_table: pd.DataFrame, step: int, resamples: int, seed: int,
           threshold: float, band: float, alpha: float = 0.05) -> pd.DataFrame:  # fmt: skip
    """One row per claim and scope: the statistic, its 1 - alpha interval, a p-value where one applies, and the
    verdict of DESIGN §7's rules."""
    rows = []
    at_step = join[join["step"] == step]
    recall = sorted((c for c in join.columns if c.startswith("delta_r")), key=lambda c: int(c[len("delta_r"):]))[0]

    def mean_row(claim, scope, statistic, values, verdict):
        values = np.asarray(values, dtype=np.float64)
        samples = stats.resample_weights(len(values), resamples, np.random.default_rng(seed)) @ values / len(values)
        low, high = stats.percentile_interval(samples, 1 - alpha)
        return {"claim": claim, "text": CLAIMS[claim], "scope": scope, "statistic": statistic, "n": len(values),
                "value": float(values.mean()), "low": low, "high": high, "p": stats.bootstrap_p(samples),
                "verdict": verdict(low, high)}  # fmt: skip

    per_model = at_step.dropna(subset=[recall]).groupby("model")[recall].mean()
    rows.append(mean_row("similarity", f"aligned models at step {step}", f"mean {measure_label(recall)} over aligned models",
                         per_model, stats.verdict_positive))  # fmt: skip
    for (task, mode), block in at_step.groupby(["task", "mode"], sort=False):
        per_model = block.groupby("model")["delta_accuracy"].mean()
        rows.append(mean_row("transfer", f"{task}, {mode}, step {step}", "mean Δ accuracy over aligned models", per_model,
                             stats.verdict_positive))  # fmt: skip
    for _, result in correlation_table[(correlation_table["measure"] == recall) & (correlation_table["level"] == "language")
                                       & (correlation_table["method"] == "spearman")].iterrows():  # fmt: skip
        rows.append({"claim": "predicts", "text": CLAIMS["predicts"], "scope": f"{result['task']}, {result['mode']}, every step",
                     "statistic": f"Spearman ρ of {measure_label(recall)} with Δ accuracy (language level)", "n": result["n"],
                     "value": result["value"], "low": result["low"], "high": result["high"], "p": result["p"],
                     "verdict": stats.verdict_predicts(result["low"], result["high"], threshold)})  # fmt: skip
    if "gradient_cosine" in join:
        runs = join.dropna(subset=["gradient_cosine"]).drop_duplicates(["task", "model", "seed"])
        for task, block in runs.groupby("task", sort=False):
            baseline = block["gradient_baseline_cosine"].dropna().to_numpy()
            base_low = base_high = np.nan  # no baseline with one batch a run (analysis.gradient_batches: 1)
            if len(baseline):
                base_samples = stats.resample_weights(len(baseline), resamples, np.random.default_rng(seed)) @ baseline
                base_low, base_high = stats.percentile_interval(base_samples / len(baseline), 1 - alpha)
            row = mean_row("orthogonal", f"{task}, full fine-tuning, step {step}",
                           "mean task-vs-alignment gradient cosine over runs", block["gradient_cosine"],
                           lambda low, high: stats.verdict_orthogonal(low, high, base_low, base_high, band))  # fmt: skip
            row["baseline"] = float(baseline.mean()) if len(baseline) else np.nan
            row["baseline_low"], row["baseline_high"] = base_low, base_high
            rows.append(row)
    return pd.DataFrame(rows)


def claims_markdown(table: pd.DataFrame, alpha: float = 0.05) -> str:
    lines = [f"| Claim | Scope | Statistic | Value [{100 * (1 - alpha):g}% interval] | p | Verdict |", "|---|---|---|---|---|---|"]
    for _, row in table.iterrows():
        value = f"{number(row['value'], 3)} [{number(row['low'], 3)}, {number(row['high'], 3)}]"
        if row["claim"] == "orthogonal" and not pd.isna(row.get("baseline")):
            value += f"; baseline {number(row['baseline'], 3)} [{number(row['baseline_low'], 3)}, {number(row['baseline_high'], 3)}]"
        p = "" if pd.isna(row["p"]) else f"{row['p']:.3g}"
        lines.append(f"| {row['text']} | {row['scope']} | {row['statistic']} (n={row['n']}) | {value} | {p} | **{row['verdict']}** |")
    legend = (
        f"Verdicts at α = {alpha:g} (DESIGN §7): a claim that a Δ is positive is supported when its interval lies above 0 "
        "and contradicted below; 'predicts' is supported when the interval of ρ lies above the threshold and "
        "contradicted when it contains 0; 'orthogonal' is supported when the interval of the mean cosine lies within "
        "the band around 0 and overlaps the baseline's (task gradients of two disjoint batches), contradicted when it "
        "lies outside the band. Everything else is inconclusive. Computed from this run's results."
    )
    return "\n".join(lines) + f"\n\n{legend}\n"


# Across the encoders (README, "Encoders"): each encoder's study tested as above, then compared


def join_encoders(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every encoder's table (its join, or its claims) in one, its ``encoder`` the first column. A column that
    an encoder lacks (a measure at a layer it does not analyse) is empty in its rows."""
    joined = pd.concat([table.assign(encoder=name) for name, table in tables.items()], ignore_index=True)
    return joined[["encoder", *[column for column in joined.columns if column != "encoder"]]]


def pooled(join: pd.DataFrame) -> pd.DataFrame:
    """The joined table with each model named by its encoder too (``XLM-R/de-en_S1W0M1_6000``): the claims
    then read every encoder's aligned models as units of one population."""
    return join.assign(model=join["encoder"] + "/" + join["model"])


def pooled_claims(join: pd.DataFrame, step: int, resamples: int, permutations: int, seed: int, threshold: float,
                  band: float, alpha: float = 0.05) -> pd.DataFrame:  # fmt: skip
    """Each claim tested on the aligned models of every encoder together (``claims`` on the pooled join)."""
    units = pooled(join)
    table = claims(units, correlations(units, resamples, permutations, seed, alpha), step, resamples, seed, threshold,
                   band, alpha)  # fmt: skip
    return table.assign(scope="every encoder: " + table["scope"])


def encoder_differences(join: pd.DataFrame, step: int, permutations: int, seed: int, alpha: float = 0.05) -> pd.DataFrame:
    """Does what alignment does depend on the encoder? For each claim's statistic, the encoders' means of their
    units (aligned models, as the claims average them; runs for the gradient cosine) and the permutation p-value
    of 'every encoder has the same mean' (between-encoder sum of squares, units relabelled)."""
    at_step = join[join["step"] == step]
    recall = sorted((c for c in join.columns if c.startswith("delta_r")), key=lambda c: int(c[len("delta_r"):]))[0]
    scopes = [("similarity", f"aligned models at step {step}", at_step.dropna(subset=[recall]), ["model"], recall)]
    for (task, mode), block in at_step.groupby(["task", "mode"], sort=False):
        scopes.append(("transfer", f"{task}, {mode}, step {step}", block, ["model"], "delta_accuracy"))
    if "gradient_cosine" in join:
        runs = join.dropna(subset=["gradient_cosine"]).drop_duplicates(["encoder", "task", "model", "seed"])
        for task, block in runs.groupby("task", sort=False):
            scopes.append(("orthogonal", f"{task}, full fine-tuning, step {step}", block, ["model", "seed"], "gradient_cosine"))
    rows = []
    for claim, scope, block, unit, column in scopes:
        units = block.groupby(["encoder", *unit], sort=False)[column].mean().reset_index()
        means = units.groupby("encoder", sort=False)[column].mean()
        p = stats.group_permutation_p(units[column], units["encoder"], permutations, np.random.default_rng(seed))
        rows.append({"claim": claim, "scope": scope, "measure": column, "units": len(units), "encoders": len(means),
                     "means": "; ".join(f"{name} {number(value, 4)}" for name, value in means.items()),
                     "between_ss": float(stats.between_groups(units[column], pd.factorize(units["encoder"])[0])),
                     "p": p, "verdict": stats.verdict_differs(p, alpha)})  # fmt: skip
    return pd.DataFrame(rows)


def encoders_markdown(verdicts: pd.DataFrame, differences: pd.DataFrame, alpha: float = 0.05) -> str:
    """Each claim and scope with every encoder's value, interval and verdict side by side, then whether the
    encoders differ."""
    names = list(dict.fromkeys(verdicts["encoder"]))
    lines = ["### Each encoder's verdicts\n", "| Claim | Scope | " + " | ".join(names) + " |", "|---|---" + "|---" * len(names) + "|"]
    for (claim, scope), block in verdicts.groupby(["claim", "scope"], sort=False):
        cells = {r["encoder"]: f"{number(r['value'], 3)} [{number(r['low'], 3)}, {number(r['high'], 3)}] **{r['verdict']}**"
                 for _, r in block.iterrows()}  # fmt: skip
        lines.append(f"| {claim} | {scope} | " + " | ".join(cells.get(name, "") for name in names) + " |")
    lines += ["", "### Do the encoders differ?\n"]
    if differences.empty or (differences["encoders"] < 2).all():
        lines.append("One encoder: there is nothing to compare.")
    else:
        lines += ["| Claim | Scope | Means of the encoders' units | p | Verdict |", "|---|---|---|---|---|"]
        for _, r in differences.iterrows():
            p = "" if pd.isna(r["p"]) else f"{r['p']:.3g}"
            lines.append(f"| {r['claim']} | {r['scope']} | {r['means']} (n={r['units']}) | {p} | **{r['verdict']}** |")
    legend = (
        f"Each encoder's cells are its own claims layer's (results/<encoder>/claims/claims.md). 'The encoders differ' is "
        f"supported when the permutation p-value of 'every encoder has the same mean' (the between-encoder sum of squares "
        f"of the units: aligned models, or fine-tuning runs for gradients) is below α = {alpha:g}; otherwise inconclusive."
    )
    return "\n".join(lines) + f"\n\n{legend}\n"
