"""A real multilingual encoder with XLM-R's vocabulary and no MLM head, prepared as the workflow prepares a
downloaded encoder: its facts checked against its weights (its alignment on real parallel text is in test_realdata)."""

import pytest
from conftest import STAND_IN_FACTS, needs_shared

from align_transfer.alignment.encoders import prepare_base_encoder
from align_transfer.core.config import ConfigError

pytestmark = [needs_shared, pytest.mark.realdata]


def test_an_encoder_without_an_mlm_head_is_kept_as_its_backbone(stand_in):
    from transformers import AutoConfig, AutoModel

    from align_transfer.core.modeling import load_encoder

    assert AutoConfig.from_pretrained(stand_in).model_type == "bert"
    model, tokenizer = load_encoder(stand_in, mlm_head=False)
    assert model is model.base_model and len(tokenizer) > 250_000
    assert type(AutoModel.from_pretrained(stand_in)).__name__ == "BertModel"


@pytest.mark.parametrize(
    "facts, message",
    [
        ({"mlm_head": True}, r"encoders\[0\] \(StandIn\).mlm_head: true, but it has no pretrained MLM head"),
        ({"layers": [4, 8, 24]}, r"layer 24 \(layers, sentence_layer, retrieval_layer\) is beyond its 12 layers"),
        ({"max_length": 1024}, r"max_length: 1024 is beyond its position limit, 512"),
    ],
)
def test_facts_its_weights_contradict_are_refused_and_nothing_is_written(stand_in, tmp_path, facts, message):
    with pytest.raises(ConfigError, match=message):
        prepare_base_encoder(
            stand_in.parent / "raw", tmp_path / "base", "encoders[0] (StandIn)", STAND_IN_FACTS | facts
        )
    assert list(tmp_path.iterdir()) == []
