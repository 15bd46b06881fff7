"""Aligned checkpoints as Hugging Face Hub repositories: each checkpoint's files (hard links, no extra disk)
with a model card (README.md) that says what it is, how it was trained and how well it retrieves, so that
``hf upload <user>/<name> results/{encoder}/hub/{model}`` shares it as it is."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from align_transfer.core import layout
from align_transfer.core.io import atomic_path
from align_transfer.core.objectives import active_terms
from align_transfer.core.results import write_frame
from align_transfer.core.state import link_copy
from align_transfer.tables.document import Table, markdown

#: What each loss of a code is (paper §4.2).
#: The row of every Table 2 pair together (the group of the evaluation languages with the source is not one).
TABLE2_PAIRS = "all of Table 2's pairs"

#: At most this many rows of the alignment log in the card (the whole log is a file beside it).
LOG_ROWS = 12


def retrieval_summary(model: pd.DataFrame, base: pd.DataFrame, layer: int) -> pd.DataFrame:
    """R@k per group of Table 2's pairs and over all of them: the mean over a group's pairs of the mean over
    both directions, at ``layer``, for the checkpoint and the base encoder, and their difference."""

    def per_group(frame):
        frame = frame[frame["layer"] == layer]
        pairs = frame.groupby(["group", "pair", "k"], sort=False)["recall"].mean().reset_index()
        groups = pairs.groupby(["group", "k"], sort=False)["recall"].mean().unstack("k")
        table2 = pairs[pairs["group"] != layout.JOIN_GROUP]
        groups.loc[TABLE2_PAIRS] = table2.groupby("k")["recall"].mean()
        return groups

    ours, theirs = per_group(model), per_group(base)
    rows = {}
    for k in ours.columns:
        rows[f"R@{k}"] = ours[k]
        rows[f"Δ R@{k}"] = ours[k] - theirs[k].reindex(ours.index)
    return pd.DataFrame(rows).rename_axis("group")


def markdown_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """A small frame (its index too, where named) as the tables' Markdown (``tables.document``)."""
    frame = frame.reset_index() if frame.index.name else frame
    rows = [[f"{v:.{digits}f}" if isinstance(v, float) else str(v) for v in row] for row in frame.itertuples(False)]
    return markdown([Table([str(name) for name in frame.columns], rows)]).rstrip("\n")


def model_card(
    model: str,
    encoder: dict,
    corpus: dict,
    settings: dict,
    train_log: pd.DataFrame,
    retrieval: pd.DataFrame,
    code_version: str = "",
) -> str:
    """The README.md of an aligned checkpoint: Hub metadata, what it is, its settings, its alignment log up to
    its step (``train_log`` as read, as text, so its numbers print as logged) and its retrieval scores
    (``retrieval_summary``)."""
    parsed = layout.parse_model(model)
    pair, losses, step = parsed["pair"], parsed["losses"], parsed["step"]
    base = encoder.get("hub_id") or encoder["name"]
    synthetic = encoder.get("source") == "mini"
    metadata = {
        "library_name": "transformers",
        "pipeline_tag": "fill-mask" if encoder.get("mlm_head", True) else "feature-extraction",
        # the mini world's languages only borrow the codes of real ones: the Hub's language field would lie
        **({} if synthetic else {"language": pair.split("-")}),
        "tags": ["cross-lingual-alignment", "contrastive-learning", f"loss-{losses}"]
        + (["synthetic-languages"] if synthetic else []),
    }
    if encoder.get("hub_id"):
        metadata["base_model"] = encoder["hub_id"]
    used = [term.description for term in active_terms(losses)]
    shown = train_log[train_log["step"].astype(int) <= step]
    every = max(1, -(-len(shown) // LOG_ROWS))
    excerpt = shown.iloc[::-1].iloc[::every].iloc[::-1]  # evenly spaced, ending on the checkpoint's step
    settings_table = pd.DataFrame({"setting": list(settings), "value": [str(v) for v in settings.values()]})
    revision = f" at revision `{encoder['revision']}`" if encoder.get("revision") else ""
    loading = "AutoModelForMaskedLM" if encoder.get("mlm_head", True) else "AutoModel"
    sections = [
        "---\n" + yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True) + "---",
        f"# {encoder['name']} aligned on {pair} with {losses}, {step:,} steps",
        f"`{base}`{revision} after {step:,} steps of cross-lingual alignment on the {pair} parallel corpus "
        f"({corpus.get('corpus', '?')} {corpus.get('version', '')}, at most {corpus.get('cap', '?'):,} sentence "
        f"pairs) with loss code {losses}: the sum of\n\n" + "\n".join(f"- {name}" for name in used) + "\n\n"
        "It is one checkpoint of a reproduction of Veitsman, Liu & Schütze, *Why Better Cross-Lingual Alignment "
        "Fails for Better Cross-Lingual Transfer: Case of Encoders* (§4.2), made by the align_transfer "
        f"workflow{f' ({code_version})' if code_version else ''}."
        + (
            f" Its base encoder is a small model pretrained on the workflow's synthetic mini world, whose languages "
            f"only borrow the codes {pair.replace('-', ' and ')} (they are generated, not those languages): it "
            "exercises the workflow and says nothing about XLM-R."
            if synthetic
            else ""
        ),
        f"```python\nfrom transformers import {loading}, AutoTokenizer\n\n"
        f'model = {loading}.from_pretrained("<this folder or repository>")\n'
        'tokenizer = AutoTokenizer.from_pretrained("<this folder or repository>")\n```',
        "## Alignment settings\n\n" + markdown_table(settings_table),
        f"## Alignment log\n\nMean loss terms over each logging window, to step {step:,} "
        f"(every row: `train_log.csv` beside this card).\n\n" + markdown_table(excerpt),
        "## Retrieval\n\n"
        "Recall@k of FLORES-200 translations (both directions averaged) over Table 2's language pairs, by "
        "group, and its change from the base encoder (Δ).\n\n" + markdown_table(retrieval),
    ]
    return "\n\n".join(sections) + "\n"


def publish_checkpoint(checkpoint, out_dir, card: str, train_log: pd.DataFrame, step: int) -> None:
    """``out_dir``: the checkpoint's files as hard links, its card as README.md and its log to ``step``."""
    with atomic_path(out_dir) as tmp:
        link_copy(checkpoint, tmp)
        (Path(tmp) / ".snakemake_timestamp").unlink(missing_ok=True)  # snakemake's marker of a folder output
        (Path(tmp) / "README.md").write_text(card, encoding="utf-8")
        write_frame(Path(tmp) / "train_log.csv", train_log[train_log["step"].astype(int) <= step])
