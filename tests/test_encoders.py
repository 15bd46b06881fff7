"""The encoders under study: the mini world's two kinds (XLM-R type with a unigram tokenizer, BERT type with
WordPiece), and a downloaded encoder checked against the facts its config entry states."""

import json

import pytest
from transformers import AutoConfig, AutoModel, AutoModelForMaskedLM, AutoTokenizer

from align_transfer.alignment.encoders import (
    mini_config,
    position_limit,
    prepare_base_encoder,
    pretrain_mini_encoder,
)
from align_transfer.core.architectures import ARCHITECTURES
from align_transfer.core.config import ConfigError

FACTS = {"mlm_head": True, "max_length": 64, "sentence_layer": 1, "layers": [1, 2], "retrieval_layer": 2}


def test_the_mini_tokenizers_have_the_special_ids_their_configs_expect(tiny, tiny_bert):
    unigram, wordpiece = AutoTokenizer.from_pretrained(tiny / "encoder"), AutoTokenizer.from_pretrained(tiny_bert)
    for tokenizer, architecture in ((unigram, "xlm-roberta"), (wordpiece, "bert")):
        ids = ARCHITECTURES[architecture].mini_special_ids
        assert {name: getattr(tokenizer, name) for name in ids} == ids
    assert (unigram.cls_token, wordpiece.cls_token) == ("<s>", "[CLS]") and wordpiece.model_max_length == 64
    hindi = next(line for line in (tiny / "world/mono/hi.txt").read_text(encoding="utf-8").splitlines() if line)
    # cased and with its marks, as mBERT: the Devanagari vowel signs survive the WordPiece tokenizer
    assert wordpiece.decode(wordpiece(hindi, add_special_tokens=False)["input_ids"]).replace(" ", "") == hindi.replace(
        " ", ""
    )


@pytest.mark.parametrize("architecture, model_type", [("xlm-roberta", "xlm-roberta"), ("bert", "bert")])
def test_a_mini_encoder_of_either_architecture_pretrains_and_reports_what_it_learned(
    tiny, tiny_bert, tmp_path, architecture, model_type
):
    tokenizer = tiny / "encoder" if architecture == "xlm-roberta" else tiny_bert
    report = pretrain_mini_encoder(
        tokenizer,
        sorted((tiny / "world/mono").glob("*.txt")),
        tmp_path / "base",
        architecture=architecture,
        hidden_size=16,
        layers=2,
        heads=2,
        intermediate_size=32,
        steps=3,
        batch_size=8,
        learning_rate=1e-3,
        seed=0,
        max_length=64,
    )
    config = AutoConfig.from_pretrained(tmp_path / "base")
    assert config.model_type == model_type and position_limit(config) == 64  # XLM-R's positions start after its pad id
    assert (
        json.loads((tmp_path / "base/pretraining.json").read_text()) == report and report["held_out_masked_tokens"] > 0
    )
    assert AutoModelForMaskedLM.from_pretrained(tmp_path / "base") is not None


def test_mini_configs_have_the_asked_position_limit():
    for architecture in ("xlm-roberta", "bert"):
        config = mini_config(
            architecture, 100, hidden_size=8, layers=1, heads=1, intermediate_size=8, dropout=0.0, max_length=128
        )
        assert position_limit(config) == 128


def test_a_downloaded_encoder_is_saved_with_or_without_its_head_after_its_facts_are_checked(tiny, tmp_path):
    prepare_base_encoder(tiny / "encoder", tmp_path / "with", "encoders[0] (Tiny)", FACTS)
    assert AutoModelForMaskedLM.from_pretrained(tmp_path / "with") is not None
    prepare_base_encoder(tiny / "encoder", tmp_path / "without", "encoders[0] (Tiny)", FACTS | {"mlm_head": False})
    assert type(AutoModel.from_pretrained(tmp_path / "without")).__name__ == "XLMRobertaModel"
    assert not any(
        "lm_head" in line
        for line in (tmp_path / "without/config.json").read_text().splitlines()
        if "architectures" in line
    )
    for facts, message in (
        ({"layers": [1, 3]}, "layer 3 .* is beyond its 2 layers"),
        ({"sentence_layer": 4}, "layer 4 .* is beyond its 2 layers"),
        ({"max_length": 299}, "max_length: 299 is beyond its position limit, 298"),
    ):
        with pytest.raises(ConfigError, match=r"config error at encoders\[0\] \(Tiny\).*" + message):
            prepare_base_encoder(tiny / "encoder", tmp_path / "refused", "encoders[0] (Tiny)", FACTS | facts)
        assert not (tmp_path / "refused").exists()


def test_the_architecture_registry_loads_each_family_bare_and_takes_an_unknown_one_as_it_is(tiny, tiny_bert):
    from transformers import AutoConfig

    from align_transfer.core.architectures import backbone_options, family_of, mlm_head_keys, position_offset
    from align_transfer.core.modeling import bare_backbone

    for folder, offset in ((tiny / "encoder", 2), (tiny_bert, 0)):
        config = AutoConfig.from_pretrained(folder)
        assert position_offset(config) == offset  # XLM-R's positions start after its padding id 1
        backbone = bare_backbone(folder)
        assert backbone.pooler is None and type(backbone).__name__.endswith("Model")
    assert backbone_options("deberta-v2") == {} and family_of("modernbert") is None
    assert set(mlm_head_keys()) == {"lm_head.", "cls.predictions."}
