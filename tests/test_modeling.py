"""What the workflow wrote, read back whole or refused: tokenized data against its manifest, models and
safetensors files that cannot be read, each an error naming the file and the command that rebuilds it."""

import pyarrow as pa
import pytest
import torch
from datasets import Dataset

from align_transfer.core.io import InputError
from align_transfer.core.modeling import load_model, load_tensors, load_tokens, save_dataset


def cut_to_first_record_batch(folder):
    """Rewrite a saved dataset's Arrow file with its first record batch only: Arrow still reads it."""
    import os

    path = next(folder.glob("*.arrow"))
    with pa.ipc.open_stream(path) as reader:
        first, schema = reader.read_next_batch(), reader.schema
    with pa.ipc.new_stream(f"{path}.cut", schema) as writer:
        writer.write_batch(first)
    os.replace(f"{path}.cut", path)  # a new file: a dataset read before keeps its memory map of the old one
    return path


def test_a_token_file_cut_at_a_record_batch_boundary_is_refused(tmp_path):
    dataset = Dataset.from_dict({"src": [[1, 2, 3]] * 1500, "tgt": [[4, 5]] * 1500})
    manifest = save_dataset(dataset, tmp_path / "tokens")
    assert manifest == {"": {"rows": 1500, "sha256": manifest[""]["sha256"]}}
    assert len(load_tokens(tmp_path / "tokens")) == 1500
    cut_to_first_record_batch(tmp_path / "tokens")
    from datasets import load_from_disk

    assert len(load_from_disk(str(tmp_path / "tokens"))) == 1000  # what a reader without the manifest trained on
    with pytest.raises(
        InputError,
        match=r"tokens: it holds 1000 rows that do not match the 1500 its manifest records.*snakemake --force",
    ):
        load_tokens(tmp_path / "tokens")


def test_a_task_dataset_without_its_manifest_or_with_a_foreign_file_is_refused(tmp_path):
    from datasets import DatasetDict

    data = DatasetDict({"train": Dataset.from_dict({"input_ids": [[1, 2]], "labels": [3]})})
    save_dataset(data, tmp_path / "task")
    (tmp_path / "task/manifest.json").unlink()
    with pytest.raises(InputError, match="has no manifest.json"):
        load_tokens(tmp_path / "task")
    (tmp_path / "garbage").mkdir()
    (tmp_path / "garbage/dataset_dict.json").write_text("{not json")
    with pytest.raises(
        InputError, match=r"garbage: cannot be read as a tokenized dataset \(Arrow\).*it is damaged or stale"
    ):
        load_tokens(tmp_path / "garbage")


def test_a_truncated_safetensors_file_names_the_file_and_how_to_rebuild_it(tiny, tmp_path):
    import shutil

    model_dir = tmp_path / "model"
    shutil.copytree(tiny / "encoder", model_dir)
    weights = model_dir / "model.safetensors"
    assert len(load_tensors(weights)) > 10
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(
        InputError, match=rf"{weights}: cannot be read as a safetensors file .*snakemake --force {weights}"
    ):
        load_tensors(weights)
    with pytest.raises(InputError, match=rf"{model_dir}: cannot be read as a Hugging Face model folder"):
        load_model(model_dir)
    assert isinstance(
        load_tensors(tiny / "encoder/model.safetensors")["roberta.embeddings.word_embeddings.weight"], torch.Tensor
    )


def test_a_sample_of_rows_is_recorded_as_the_rows_it_keeps(tmp_path):
    dataset = Dataset.from_dict({"input_ids": [[i] * 3 for i in range(100)], "labels": list(range(100))})
    save_dataset(dataset.select([5, 3, 9]), tmp_path / "sample")  # a smoke run's sample (sampling.sample_rows)
    assert load_tokens(tmp_path / "sample")["labels"] == [5, 3, 9]
