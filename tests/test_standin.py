"""A real multilingual encoder with XLM-R's vocabulary (no MLM head) aligned on real parallel text."""

import pytest
import torch
from transformers import AutoModelForMaskedLM

from align_transfer.align import AlignmentSettings, mlm_head, train_alignment
from align_transfer.encoders import tokenize_parallel
from align_transfer.parallel import prepare_parallel
from conftest import SHARED_DATA, needs_shared

pytestmark = [needs_shared, pytest.mark.realdata]


def test_an_encoder_without_mlm_head_gets_one_tied_to_its_embeddings(stand_in):
    model = AutoModelForMaskedLM.from_pretrained(stand_in)
    decoder = model.get_output_embeddings().weight
    assert decoder.data_ptr() == model.get_input_embeddings().weight.data_ptr()
    assert mlm_head(model) is not None and decoder.shape[0] > 250_000


def test_a_few_alignment_steps_on_shared_de_en_and_the_checkpoint_loads_back(stand_in, tmp_path):
    corpus = SHARED_DATA / "opus/OPUS-DebianLibreOffice/v7.4.7/moses/de-en.txt.zip"
    prepare_parallel(corpus, tmp_path / "de-en.tsv", pair="de-en", max_chars=1000, cap=64, seed=0)
    tokenize_parallel(tmp_path / "de-en.tsv", stand_in, tmp_path / "tokens", max_length=32)
    settings = AlignmentSettings(
        losses="S1W1M1", learning_rate=1e-5, batch_size=4, max_length=32, word_negatives=64, temperature=0.1,
        steps=3, checkpoint_steps=[3], seed=42, sentence_layer=8, log_every=1, state_every=2,
    )  # fmt: skip
    train_alignment(
        stand_in, tmp_path / "tokens", {3: tmp_path / "step3"}, tmp_path / "log.csv", tmp_path / "work", settings
    )
    before = AutoModelForMaskedLM.from_pretrained(stand_in)
    after = AutoModelForMaskedLM.from_pretrained(tmp_path / "step3")
    assert type(after) is type(before)
    changed = [n for (n, a), (_, b) in zip(before.named_parameters(), after.named_parameters()) if not torch.equal(a, b)]
    assert changed and len((tmp_path / "log.csv").read_text().splitlines()) == 4
