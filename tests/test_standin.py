"""A real multilingual encoder with XLM-R's vocabulary and no MLM head (its alignment on real parallel text is in
test_realdata)."""

import pytest
from transformers import AutoModelForMaskedLM

from align_transfer.align import mlm_head
from conftest import needs_shared

pytestmark = [needs_shared, pytest.mark.realdata]


def test_an_encoder_without_mlm_head_gets_one_tied_to_its_embeddings(stand_in):
    model = AutoModelForMaskedLM.from_pretrained(stand_in)
    decoder = model.get_output_embeddings().weight
    assert decoder.data_ptr() == model.get_input_embeddings().weight.data_ptr()
    assert mlm_head(model) is not None and decoder.shape[0] > 250_000
