"""Result files carry their keys as columns, and a reader stops at a damaged one, naming it."""

import pandas as pd
import pytest

from align_transfer.core.io import InputError
from align_transfer.core.layout import JOIN_GROUP
from align_transfer.core.results import expected, keyed, read_result, read_results, write_frame

CONFIG = {"evaluation": {"languages": ["de", "ja", "ko"]}, "finetune": {"source": "en"}}
KEYS = dict(encoder="MiniXLM-R", task="sc", mode="linear", model="de-en_S1W0M0_40", seed=15)


def zeroshot(tmp_path, name="seed15.csv", languages=("de", "ja", "ko"), **keys):
    path = tmp_path / name
    write_frame(path, keyed([{"language": lang, "n": 60, "accuracy": 0.5} for lang in languages], **(KEYS | keys)))
    return path


def test_a_run_s_file_carries_its_keys_and_reads_back_with_them(tmp_path):
    path = zeroshot(tmp_path)
    assert path.read_text().splitlines()[0] == "encoder,task,mode,model,seed,language,n,accuracy"
    frame = read_results([path, zeroshot(tmp_path, "seed42.csv", seed=42)], "zeroshot", expected(CONFIG))
    assert frame.groupby("seed").size().to_dict() == {15: 3, 42: 3} and set(frame["model"]) == {KEYS["model"]}


def test_a_file_cut_to_one_language_is_an_error_naming_it(tmp_path):
    path = zeroshot(tmp_path, languages=("de",))
    with pytest.raises(InputError, match=rf"{path}: has no rows for ja, ko .*snakemake --force {path}"):
        read_results([path], "zeroshot", expected(CONFIG))


def test_a_nan_is_an_error_naming_the_file_and_line(tmp_path):
    path = zeroshot(tmp_path)
    path.write_text(path.read_text().replace("ja,60,0.5", "ja,60,"))
    with pytest.raises(InputError, match=rf"{path}:3: has no number in column `accuracy`"):
        read_result(path, "zeroshot", ["de", "ja", "ko"])


def test_empty_headless_and_foreign_files_are_refused(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="is empty; it is damaged or stale"):
        read_result(empty, "zeroshot")
    header = tmp_path / "header.csv"
    header.write_text("encoder,task,mode,model,seed,language,n,accuracy\n")
    with pytest.raises(InputError, match="has a header and no rows"):
        read_result(header, "zeroshot")
    old = tmp_path / "old.csv"
    old.write_text("language,n,accuracy\nde,60,0.5\n")  # written before the keys were columns
    with pytest.raises(InputError, match="lacks the column.s. encoder, task, mode, model, seed"):
        read_result(old, "zeroshot")
    twice = zeroshot(tmp_path, languages=("de", "ja", "ko", "ko"))
    with pytest.raises(InputError, match="has ko more than once"):
        read_result(twice, "zeroshot", ["de", "ja", "ko"])
    mixed = tmp_path / "mixed.csv"
    write_frame(mixed, pd.concat([pd.read_csv(zeroshot(tmp_path)), pd.read_csv(zeroshot(tmp_path, "b.csv", seed=42))]))
    with pytest.raises(InputError, match="holds rows of 2 values of `seed`"):
        read_result(mixed, "zeroshot")


def test_a_similarity_file_must_pair_every_evaluation_language_with_the_source(tmp_path):
    rows = [
        {
            "variant": "encoder",
            "level": "sentence",
            "group": JOIN_GROUP,
            "pair": pair,
            "layer": 2,
            "cosine": 0.5,
            "gap": 0.1,
        }
        for pair in ("de-en", "ja-en")
    ]
    rows.append(
        {"variant": "encoder", "level": "token", "group": "", "pair": "en-ko", "layer": 2, "cosine": 0.5, "gap": 0.1}
    )
    path = tmp_path / "encoder.csv"
    write_frame(path, keyed(rows, encoder="E", model="base"))
    assert expected(CONFIG)["pair"] == ["de-en", "ja-en", "ko-en"]
    with pytest.raises(InputError, match="has no rows for ko-en"):
        read_results([path], "similarity", expected(CONFIG))
    frame = read_result(path, "similarity")  # without a config, the columns alone are checked
    assert len(frame) == 3
