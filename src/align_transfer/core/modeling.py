"""What every phase does with models and data: choose the device, load models through the Auto classes,
pad batches, make the optimizer, read tokenized data with a manifest of what was written and safetensors
files. A file that cannot be read is an error naming it and the command that rebuilds it, never a library's
traceback.

A tokenized dataset (``save_to_disk``) carries ``manifest.json``: each split's row count and the sha256 of
its columns, written by the job that tokenized it and checked by every job that reads it, so that a file
cut short (at a record-batch boundary, say: Arrow still reads it) is refused instead of trained on. A model
folder the workflow writes carries ``sha256.json``, the digest of each of its files (``write_digests``),
checked by every job that loads it, so that a damaged checkpoint (a flipped bit loads without complaint) is
named as damaged instead of trained on.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

import torch

from align_transfer.core.architectures import backbone_options
from align_transfer.core.io import InputError, atomic_path
from align_transfer.core.results import rebuild_hint

MANIFEST = "manifest.json"
DIGESTS = "sha256.json"


def write_digests(folder) -> None:
    """``sha256.json`` in a model folder being written: the digest of each of its files."""
    from align_transfer.core.state import file_digests

    digests = {name: value for name, value in file_digests(folder).items() if name != DIGESTS}
    (Path(folder) / DIGESTS).write_text(json.dumps(digests, indent=1, sort_keys=True))


def verify_digests(folder) -> None:
    """Refuse a model folder whose files differ from its ``sha256.json`` (none: nothing to check), naming the
    file and the command that rebuilds the folder."""
    from align_transfer.core.state import file_digest

    record = Path(folder) / DIGESTS
    if not record.is_file():
        return
    for name, digest in json.loads(record.read_text()).items():
        file = Path(folder) / name
        if not file.is_file() or file_digest(file) != digest:
            state = "is missing" if not file.is_file() else "differs from the sha256 recorded when it was written"
            raise InputError(folder, f"is damaged: {name} {state}; {rebuild_hint(folder)}")


@contextlib.contextmanager
def readable(path, what: str):
    """Turn a failure to read ``path`` into an InputError that names it, says it is damaged or stale, and
    gives the command that rebuilds it."""
    try:
        yield
    except InputError:
        raise
    except Exception as error:  # the libraries raise many types for a truncated or foreign file
        reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        raise InputError(
            path, f"cannot be read as {what} ({type(error).__name__}: {reason}); {rebuild_hint(path)}"
        ) from None


def device_of(name: str | None = None) -> torch.device:
    """The device a job computes on: ``name`` where given, else CUDA where there is one, else the CPU."""
    return torch.device(name or ("cuda" if torch.cuda.is_available() else "cpu"))


def bare_backbone(source, **options):
    """The backbone of a model folder (or of a transformers config: new weights) through ``AutoModel``,
    without the pooler its family may build (``core.architectures``): the workflow never trains one."""
    from transformers import AutoConfig, AutoModel, PretrainedConfig

    if isinstance(source, PretrainedConfig):
        return AutoModel.from_config(source, **backbone_options(source.model_type), **options)
    config = AutoConfig.from_pretrained(source)
    return AutoModel.from_pretrained(source, config=config, **backbone_options(config.model_type), **options)


def load_model(path, device="cpu", mlm_head: bool = False):
    """An encoder saved with ``save_pretrained``, through the Auto classes, with SDPA attention: a masked-LM
    model (backbone and MLM head) where ``mlm_head``, the bare backbone otherwise."""
    from transformers import AutoModelForMaskedLM

    verify_digests(path)
    with readable(path, "a Hugging Face model folder"):
        if mlm_head:
            model = AutoModelForMaskedLM.from_pretrained(path, attn_implementation="sdpa")
        else:
            model = bare_backbone(path, attn_implementation="sdpa")
    return model.to(device)


def load_tokenizer(path):
    from transformers import AutoTokenizer

    with readable(path, "a tokenizer folder"):
        return AutoTokenizer.from_pretrained(path)


def load_encoder(path, device="cpu", mlm_head: bool = True):
    """An encoder and its tokenizer: a masked-LM model where ``mlm_head``, the bare backbone otherwise."""
    return load_model(path, device, mlm_head), load_tokenizer(path)


def mlm_head(model) -> torch.nn.Module:
    """The MLM head of a ``*ForMaskedLM`` model: its one child besides the backbone."""
    heads = [module for module in model.children() if module is not model.base_model]
    if len(heads) != 1:
        raise ValueError(f"{type(model).__name__} has {len(heads)} modules besides its backbone; expected one MLM head")
    return heads[0]


def pad(sequences: list[list[int]], pad_id: int, width: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad to the longest sequence of this batch (dynamic padding), or to ``width`` if that is longer."""
    width = max(width, *map(len, sequences))
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids, mask


def adamw(params, **options) -> torch.optim.AdamW:
    """AdamW as one fused kernel per step (CPU and CUDA): the update touches every one of XLM-R base's
    278M parameters, and the default per-tensor loop took 7.4 s of a CPU step where this takes 1.2 s."""
    return torch.optim.AdamW(params, fused=True, **options)


def load_tensors(path, framework: str = "pt") -> dict:
    """A safetensors file's tensors (torch, or numpy with ``framework="np"``)."""
    from safetensors import safe_open

    with readable(path, "a safetensors file"), safe_open(str(path), framework=framework) as handle:
        return {key: handle.get_tensor(key) for key in handle.keys()}


def table_digest(dataset) -> str:
    """sha256 of a dataset's columns (in name order), independent of how it was saved: list columns as their
    lengths and their values, the others as their values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if dataset._indices is not None:  # a selection of rows (a smoke run's sample): the rows it selects
        dataset = dataset.flatten_indices()
    digest = hashlib.sha256()
    for column in sorted(dataset.column_names):
        chunks = dataset.data.column(column).chunks  # however many the file was written in: the same digest
        if chunks and (pa.types.is_list(chunks[0].type) or pa.types.is_large_list(chunks[0].type)):
            for chunk in chunks:
                digest.update(pc.list_value_length(chunk).to_numpy(zero_copy_only=False).astype("int64").tobytes())
            chunks = [pc.list_flatten(chunk) for chunk in chunks]
        for chunk in chunks:
            digest.update(chunk.to_numpy(zero_copy_only=False).tobytes())
    return digest.hexdigest()


def _splits(dataset) -> dict:
    from datasets import DatasetDict

    return dict(dataset) if isinstance(dataset, DatasetDict) else {"": dataset}


def save_dataset(dataset, out_dir) -> dict:
    """``save_to_disk`` into ``out_dir``, complete or absent, with the manifest the readers check; returns it."""
    manifest = {name: {"rows": len(split), "sha256": table_digest(split)} for name, split in _splits(dataset).items()}
    with atomic_path(out_dir) as tmp:
        dataset.save_to_disk(str(tmp))
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def load_tokens(path):
    """A tokenized dataset (``save_dataset``), checked against its manifest: every split whole."""
    from datasets import load_from_disk

    path = Path(path)
    with readable(path, "a tokenized dataset (Arrow)"):
        dataset = load_from_disk(str(path))
    if not (path / MANIFEST).exists():
        raise InputError(path, f"has no {MANIFEST} (the record of what was written); {rebuild_hint(path)}")
    manifest = json.loads((path / MANIFEST).read_text())
    splits = _splits(dataset)
    if set(splits) != set(manifest):
        raise InputError(
            path, f"holds the splits {sorted(splits)}, its manifest {sorted(manifest)}; {rebuild_hint(path)}"
        )
    for name, split in splits.items():
        recorded = manifest[name]
        if len(split) != recorded["rows"] or table_digest(split) != recorded["sha256"]:
            label = f"split {name}" if name else "it"
            raise InputError(
                path,
                f"{label} holds {len(split)} rows that do not match the {recorded['rows']} its "
                f"manifest records (a cut or changed file); {rebuild_hint(path)}",
            )
    return dataset
