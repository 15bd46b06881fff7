"""Every table's and figure's title and caption, in one place: the tables' Markdown, the report and the
figures take them from here. A caption's ``{fields}`` are filled by the table's context (``tables.layout``)."""

from __future__ import annotations

#: Headings of the report's sections, by table or figure name.
TITLES = {
    "scorecard": "Against the paper: the scorecard",
    "claims": "Claims: the paper's findings tested on these results",
    "instances": "Instance level: retrieved translations and correct classifications (SIB-200)",
    "table1": "Table 1: Δ zero-shot accuracy",
    "table1_significance": "Table 1 with 95% intervals and Holm-corrected significance",
    "joint_transfer": "Beyond the paper: joint training's Δ zero-shot score against sequential",
    "joint_gradients": "Beyond the paper: joint training's task vs alignment gradient cosine",
    "joint": "Claims beyond the paper: alignment trained jointly with the task",
    "table2_gap": "Table 2 beside the cosine gap (translations minus non-translations)",
    "table3_baseline": "Table 3 beside its task-vs-task baseline",
    "alignment_vs_transfer": "Δ alignment against Δ transfer",
    "table2": "Table 2: Δ cosine similarity of translations",
    "table3": "Table 3: task vs alignment gradient cosine",
    "table7": "Table 7: Δ R@5",
    "table8": "Table 8: Δ R@10",
    "gradient_languages": "§4.5: per-language gradient cosines",
    "table4": "Table 4: alignment hyper-parameters",
    "table5": "Table 5: POS hyper-parameters",
    "table6": "Table 6: SC hyper-parameters",
    "figure1": "Figure 1: Δ cosine distance",
    "study_claims": "Claims across the encoders: every encoder's aligned models together",
    "encoders": "The encoders compared",
}


def title(name: str, step: int | None = None) -> str:
    """A table's or figure's heading; ``step`` where it is at an alignment step other than Table 1's."""
    heading = TITLES.get(name, name.replace("_", " ").replace("recall at ", "Δ R@"))
    return heading if step is None else f"{heading}, at alignment step {step}"


#: What each table says below it.
CAPTIONS = {
    "table1": (
        "Δ accuracy from the base encoder, mean ± sample std over seeds of the mean over the evaluation "
        "languages. ▲ green: mean - std > 0 (improvement); ▼ red: mean + std < 0 (deterioration); "
        "no marker: black (high variance, a Δ that prints as zero, or one seed: no std)."
    ),
    "table1_significance": (
        "Δ zero-shot accuracy from the base encoder with its {confidence:g}% paired bootstrap interval (seeds, then test "
        "items, drawn together in every language where item i is the same text in each, as SIB-200's are); "
        "* marks a Holm-corrected p < {alpha} across the whole table. Table 1 keeps the paper's colour rule."
    ),
    "table2": (
        "Table 2: Cosine similarity Δ from the base encoder, averaged over all aligned models and grouped by loss "
        "configuration (FLORES-200 translations, mean-pooled layer {layer})."
    ),
    "table2 at a step": "Table 2 at step {step}: Δ mean cosine of translations.",
    "recall": (
        "{label} Δ from the base encoder, averaged over all aligned models and grouped by loss configuration "
        "(FLORES-200, both directions averaged)."
    ),
    "recall at a step": "{name} at step {step}: Δ R@{k}.",
    "gains": (
        "Mean ± sample std over the aligned models. ▼ red: mean + std < 0; · blue: a gain up to +0.005; "
        "▲ green: up to +0.01; ▲▲ dark green: above +0.01; no marker: a loss within one std, a Δ that prints "
        "as zero, or one aligned model (no std)."
    ),
    "table2_gap": (
        "Δ mean cosine of FLORES translations / Δ cosine gap (translations minus non-translation pairs of the "
        "same two languages) from the base encoder, mean over the aligned models. Where the cosine moves and "
        "the gap does not, the space moved as a whole."
    ),
    "table3": (
        "Cosine similarity between the task-loss gradient (English training batches) and the gradient of "
        "the encoder's own alignment loss, on the aligned-then-fully-fine-tuned encoder, over the backbone's "
        "parameters; mean over batches, then over seeds (the CSV has the std over seeds)."
    ),
    "table3_baseline": (
        "Task-vs-alignment gradient cosine (Table 3) and, in brackets, the null baseline: the cosine between "
        "the task gradients of two disjoint English batches of the same run. A cosine near 0 means "
        "'orthogonal' only where the baseline is clearly above it; the CSV has both gradients' norms."
    ),
    "gradient_languages": "Pairwise cosine of per-language mean gradients, mean over the aligned models and seeds (§4.5).",
    "table4": "Hyperparameters used during alignment enhancement (Phase I).",
    "table5": "Hyperparameters used for full model and linear layer only fine-tuning (Phase II) for POS-Tagging.",
    "table6": "Hyperparameters used for full model and linear layer only fine-tuning (Phase II) for Sentence Classification.",
    "instances": (
        "SIB-200 zero-shot accuracy on the test items whose English translation the encoder (before fine-tuning) "
        "retrieves first, minus accuracy on the other items (each item's mean over seeds), with Agresti & Caffo's "
        "adjusted 95% interval (one right and one wrong pseudo-answer in each group, so a group that is all right or "
        "all wrong still has a spread); * marks a Benjamini-Hochberg q < {alpha:g} across every cell. No interval "
        "where a group has fewer than {min_group} items (the smaller group's size is shown); 'probe degenerate' where "
        "a seed's probe recalls fewer than two classes at {recall:.0%} or more (it answers one class, and a difference "
        "would be the groups' mix of topics); empty where every item or none was retrieved. The CSV has the counts, "
        "p and q."
    ),
    "claims": (
        "Verdicts at α = {alpha:g} (docs/design.md §7). Intervals: the t-interval of a mean; for ρ, the jackknife "
        "over runs (within languages) or Fisher's z (across languages), beside a permutation p. 'improves' is "
        "supported when the interval of the mean Δ over aligned models lies above 0, contradicted below 0; 'predicts' "
        "is supported when the interval of ρ lies above the threshold, weak when it lies between 0 and the threshold "
        "(and p < α), contradicted when it lies below the threshold and reaches 0; 'orthogonal' is supported when the "
        "interval of the mean cosine lies within the band around 0 and the task-vs-task baseline's lies above the "
        "band, contradicted when it lies outside the band. Everything else is inconclusive. A scope with fewer units "
        "than its interval needs to cover (docs/science.md, 'Coverage') is 'too few units'. Computed from this run's "
        "results."
    ),
    "joint_transfer": (
        "Zero-shot score (accuracy; span F1 for NER) of full fine-tuning with the alignment loss of the same pair and "
        "loss code trained alongside the task (joint) minus that of aligning first and fine-tuning after (sequential: "
        "Table 1's full fine-tuning of the checkpoint), mean over seeds of the mean over the evaluation languages, with "
        "its {confidence:g}% paired bootstrap interval (seeds, then the same test items for both runs); * marks a "
        "Holm-corrected p < {alpha} across the whole table."
    ),
    "joint_gradients": (
        "Table 3's task-vs-alignment gradient cosine of the joint runs and, in brackets, joint minus sequential on "
        "the same English and parallel batches of the same seeds, with its {confidence:g}% t-interval over batches "
        "(none with fewer than 3 batches)."
    ),
    "joint": (
        "Verdicts at α = {alpha:g} (docs/design.md §7): a claim is supported when the interval of the mean Δ (joint "
        "minus sequential) over (pair, loss code) cells lies above 0, contradicted when it lies below 0, inconclusive "
        "otherwise; fewer than 3 cells are 'too few units'. The transfer claim's interval adds the noise of the test "
        "items every cell shares; across tasks, each cell counts with its mean over the tasks. Computed from this "
        "run's results."
    ),
    "encoders": (
        "Each encoder's cells are its own claims layer's (results/<encoder>/claims/claims.md). 'The encoders differ' is "
        "supported when the permutation p-value of 'every encoder has the same mean' (the between-encoder sum of squares "
        "of the units: aligned models) is below α = {alpha:g}; otherwise inconclusive."
    ),
    "figure1": (
        "Δ cosine distance from the base encoder by loss code: token level on top, sentence level below, a column "
        "per analysed layer; bars: the mean over the aligned (or fully fine-tuned) models, each averaged over its "
        "language pairs, whiskers one std."
    ),
    "alignment_vs_transfer": (
        "What 'alignment predicts transfer' tests: a point per aligned checkpoint and evaluation language, its Δ R@1 "
        "with the source and its Δ zero-shot accuracy, each minus that language's mean over the runs at that step "
        "(a language effect moves no point); a panel per task and mode, with the claim's ρ within languages, its "
        "interval, p and verdict."
    ),
    "study_claims": "Each claim tested on the aligned models of every encoder together.",
    "scorecard": (
        "This run's tables cell by cell against the paper's published numbers (workflow/data/paper_numbers.csv, "
        "each with its line of the paper): cells matched by the table's keys, the share with the same sign (a value "
        "the paper prints as zero has no sign and is counted apart), Spearman's ρ between the two, the mean absolute "
        "difference, and how often the paper's value lies within this run's interval, one kind per table. Table 1's "
        "base scores are accuracies and have a row of their own. The paper's text gives no colours, no std for Table "
        "3 and no Figure 1 data. Below: every setting of the paper's grid (workflow/data/paper_grid.csv) and every "
        "hyper-parameter of Tables 4-6 that this run changes. claims/scorecard_cells.csv has every cell."
    ),
    "scorecard, mini world": (
        "This is the synthetic mini world: generated languages and tiny encoders, a few dozen steps. Its numbers "
        "cannot match the paper's; the comparison runs so that every run exercises it."
    ),
}
#: Table 7 is R@5 and Table 8 R@10 (Appendix C); any other k is named by its k.
RECALL_LABELS = {"table7": "Table 7: R@5", "table8": "Table 8: R@10"}


def caption(key: str, /, **fields) -> str:
    return CAPTIONS[key].format(**fields)
