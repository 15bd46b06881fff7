"""The one owner of paths and model names, and the task registry."""

import re

import pytest

from align_transfer.core import layout
from align_transfer.core.tasks import TASKS, resource


def test_model_names_round_trip_and_match_the_wildcard():
    name = layout.model_name("kk-ko", "S0W1M1", 3000)
    assert name == "kk-ko_S0W1M1_3000" and re.fullmatch(layout.MODEL, name) and re.fullmatch(layout.MODEL, "base")
    assert layout.parse_model(name) == {"pair": "kk-ko", "losses": "S0W1M1", "step": 3000}
    assert layout.parse_model("base") == {"pair": "base", "losses": None, "step": None}
    for bad in ("kk-ko_S0W1M1", "kk-ko_S2W1M1_30", "base_1"):
        assert not re.fullmatch(layout.MODEL, bad)
        with pytest.raises(ValueError, match="neither 'base'"):
            layout.parse_model(bad)


def test_a_model_names_its_folder_and_its_corpus():
    assert layout.model_dir("X", "base") == "results/X/models/base"
    assert layout.model_dir("X", "de-en_S1W0M1_6000") == "results/X/align/de-en/S1W0M1/step6000"
    assert layout.model_tokens("X", "de-en_S1W0M1_6000") == "results/X/data/tokens/de-en"


def test_resources_keep_each_sources_layout():
    path = resource("ud", treebank="UD_German-GSD", file="de_gsd-ud-test.conllu")
    assert path == "resources/ud/UD_German-GSD/de_gsd-ud-test.conllu"
    assert layout.resource_parts(path) == ("ud", layout.Path("UD_German-GSD/de_gsd-ud-test.conllu"))
    assert layout.resource_parts("results/data/ud/de/test.jsonl") is None


def test_tasks_say_which_splits_and_files_each_language_needs():
    pos, sc = TASKS["pos"], TASKS["sc"]
    assert pos.token_level and not sc.token_level and sc.parallel_items and not pos.parallel_items
    settings = {"train_split": "train", "dev_split": "dev"}
    assert pos.splits("en", "en", False, settings, "test") == ["dev", "train"]
    assert pos.splits("de", "en", True, settings, "test") == ["test"]
    # the source's SIB-200 test items too: the instance level retrieves each item's translation among them
    assert sc.splits("en", "en", False, {}, "test") == ["dev", "test", "train"]
    assert sc.files("en", ["de"], {}, "test") == {
        "train": "results/data/sib200/en/train.tsv",
        "dev": "results/data/sib200/en/dev.tsv",
        "test_de": "results/data/sib200/de/test.tsv",
    }
    assert len(pos.labels) == 17 and len(sc.labels) == 7
