"""Retrieval, translation similarity and embeddings: hand-made vectors, numpy by hand, layer indexing."""

import numpy as np
import pytest
import torch

from align_transfer.analysis.representations import (
    cosine_gap,
    cosine_matrix,
    embed_encoder,
    encode,
    load_embeddings,
    recall_at,
    retrieval_rows,
    sib_retrieval_rows,
    similarity_rows,
    tokenize_inputs,
    translation_cosine,
    word_tables,
)


def test_recall_counts_ties_against_the_query():
    similarity = np.array([[0.9, 0.1, 0.2], [0.8, 0.5, 0.1], [0.3, 0.3, 0.3]])
    # by hand: query 0 ranks its translation 1st, query 1 2nd (0.8 beats 0.5), query 2 ties all three: 3rd
    assert recall_at(similarity, [1, 2, 3]) == pytest.approx({1: 1 / 3, 2: 2 / 3, 3: 1.0})
    # the other direction: every translation is the column maximum
    assert recall_at(similarity.T, [1]) == pytest.approx({1: 1.0})


def test_retrieval_in_both_directions_on_known_neighbours():
    embeddings = {
        "flores/deu_Latn/layer8": np.array([[1.0, 0.0], [1.0, 0.1]]),
        "flores/eng_Latn/layer8": np.array([[1.0, 0.0], [0.0, 1.0]]),
    }
    groups = [{"group": "G", "pairs": ["deu-eng"]}]
    rows = retrieval_rows(embeddings, groups, {"deu": "deu_Latn", "eng": "eng_Latn"}, 8, [1, 2])
    recall = {(r["direction"], r["k"]): r["recall"] for r in rows}
    # deu 1 = (1, 0.1) is nearer eng 0 (cos 0.995) than its translation eng 1 (cos 0.0995): a miss at 1
    assert recall[("deu->eng", 1)] == 0.5 and recall[("deu->eng", 2)] == 1.0
    # eng 1 = (0, 1): deu 1 (cos 0.0995) beats deu 0 (cos 0); eng 0 finds deu 0 (cos 1 > 0.995)
    assert recall[("eng->deu", 1)] == 1.0
    assert {r["group"] for r in rows} == {"G"} and {r["layer"] for r in rows} == {8}


def test_cosine_and_translation_similarity_against_numpy_by_hand():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    by_hand = [[np.dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y)) for y in b] for x in a]
    assert cosine_matrix(a, b) == pytest.approx(np.array(by_hand))
    assert translation_cosine(a, b) == pytest.approx(np.mean([by_hand[i][i] for i in range(5)]))
    # distance = 1 - cosine: a vector and its scaled copy are at distance 0, opposite ones at 2
    assert 1 - translation_cosine(a, 3 * a) == pytest.approx(0.0)
    assert 1 - translation_cosine(a, -a) == pytest.approx(2.0)


def test_the_cosine_gap_subtracts_the_non_translation_pairs():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    by_hand = [[np.dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y)) for y in b] for x in a]
    matched = np.mean([by_hand[i][i] for i in range(4)])
    others = np.mean([by_hand[i][j] for i in range(4) for j in range(4) if i != j])
    assert cosine_gap(a, b) == pytest.approx(matched - others)
    # a collapsed space (every vector alike) has translations no closer than strangers: gap 0, cosine 1
    same = np.ones((3, 2)) + 1e-9 * rng.normal(size=(3, 2))
    assert cosine_gap(same, same) == pytest.approx(0.0, abs=1e-6) and translation_cosine(same, same) == pytest.approx(
        1.0
    )


def test_a_sib_item_is_retrieved_when_its_translation_ranks_first():
    embeddings = {
        "sib/en/layer2": np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]]),  # items 7, 8, 9
        "sib/de/layer2": np.array([[0.1, 1.0], [1.0, 0.05], [0.0, 1.0]]),  # items 8, 7, 9
    }
    rows = sib_retrieval_rows(embeddings, {"en": ["7", "8", "9"], "de": ["8", "7", "9"]}, "en", 2)
    # de 8 -> en 8 (cos 0.995 beats en 9's 0.77); de 7 -> en 7; de 9 = (0, 1) -> en 8, not its translation en 9
    assert [(r["index_id"], r["retrieved"]) for r in rows] == [("8", 1), ("7", 1), ("9", 0)]
    assert {r["language"] for r in rows} == {"de"} and [r["item"] for r in rows] == [0, 1, 2]


def test_word_tables_encode_each_word_once_and_index_the_pairs():
    words, index = word_tables(
        {"en-de": [("dog", "Hund"), ("cat", "Katze")], "en-fr": [("cat", "chat"), ("dog", "chien")]}
    )
    assert words == {"en": ["dog", "cat"], "de": ["Hund", "Katze"], "fr": ["chat", "chien"]}
    assert index["lexicon/en-fr/src"].tolist() == [1, 0] and index["lexicon/en-fr/tgt"].tolist() == [0, 1]


def test_token_level_similarity_reads_the_lexicon_rows():
    embeddings = {
        "words/en/layer1": np.array([[1.0, 0.0], [0.0, 1.0]]),  # dog, cat
        "words/fr/layer1": np.array([[0.0, 2.0], [1.0, 1.0]]),  # chat, chien
        "lexicon/en-fr/src": np.array([1, 0]),
        "lexicon/en-fr/tgt": np.array([0, 1]),
        "flores/eng_Latn/layer1": np.eye(2),
        "flores/fra_Latn/layer1": np.eye(2),
    }
    groups = [{"group": "G", "pairs": ["eng-fra"]}]
    rows = similarity_rows(embeddings, groups, {"eng": "eng_Latn", "fra": "fra_Latn"}, ["en-fr"], [1])
    token = next(r for r in rows if r["level"] == "token")
    assert token["cosine"] == pytest.approx((1.0 + 1 / np.sqrt(2)) / 2)  # cat-chat 1, dog-chien 1/sqrt(2)
    assert next(r for r in rows if r["level"] == "sentence")["cosine"] == pytest.approx(1.0)


def test_layer_k_is_hidden_states_k_mean_pooled_over_non_special_tokens(tiny):
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(tiny / "encoder", add_pooling_layer=False).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny / "encoder")
    texts = (tiny / "world/mono/en.txt").read_text(encoding="utf-8").splitlines()[:7]
    ids = tokenizer(texts)["input_ids"]
    vectors = encode(model, tokenizer, ids, [0, 1, 2], batch_size=3)  # batches of unequal lengths
    for i, text in enumerate(texts):
        ids = torch.tensor([tokenizer(text)["input_ids"]])
        with torch.no_grad():
            states = model(ids, output_hidden_states=True).hidden_states
        for k in (0, 1, 2):
            expected = states[k][0, 1:-1].mean(0).numpy()  # <s> x </s>: drop the two specials
            assert np.allclose(vectors[k][i], expected, atol=1e-5), (i, k)
    assert not np.allclose(vectors[0], vectors[2])


def test_embeddings_file_holds_every_language_and_layer_once(tiny, tmp_path):
    flores = {"eng_Latn": ["a b c", "d e"], "deu_Latn": ["x y", "z"]}
    lexicons = {"en-de": [("a", "x"), ("b", "y")]}
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny / "encoder")
    inputs = tokenize_inputs(tokenizer, flores, lexicons)
    cut = tokenize_inputs(tokenizer, {"eng_Latn": ["a b c d e f g h i j"]}, {}, max_length=6)[0]["flores/eng_Latn"]
    assert len(cut[0]) == 6 and cut[0][-1] == tokenizer.eos_token_id  # the encoder's position limit, specials kept
    embed_encoder(tiny / "encoder", inputs, [1, 2], tmp_path / "e.safetensors", device="cpu")
    embeddings = load_embeddings(tmp_path / "e.safetensors")
    assert embeddings["flores/deu_Latn/layer2"].shape == (2, 32)
    assert embeddings["words/de/layer1"].shape == (2, 32) and "lexicon/en-de/src" in embeddings
    with pytest.raises(ValueError, match=r"encoders\[\]\): layer 3 is beyond the 2 layers"):
        embed_encoder(tiny / "encoder", inputs, [3], tmp_path / "f.safetensors", device="cpu")
    assert not (tmp_path / "f.safetensors").exists()


def test_the_bf16_path_embeds_like_fp32(tiny, bf16_on_cpu):
    """Embeddings under the GPU path's bf16 autocast, against fp32: each vector within a cosine of 0.99
    of its fp32 twin, and the same nearest neighbour for nearly every sentence."""
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(tiny / "encoder", add_pooling_layer=False).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny / "encoder")
    ids = tokenizer((tiny / "world/mono/en.txt").read_text(encoding="utf-8").splitlines()[:40])["input_ids"]
    fp32, bf16 = (encode(model, tokenizer, ids, [1, 2], bf16=b) for b in (False, True))
    for layer in (1, 2):
        assert bf16[layer].dtype == np.float32 and not np.array_equal(bf16[layer], fp32[layer])  # bf16 did run
        cosines = (
            (fp32[layer] * bf16[layer]).sum(1)
            / np.linalg.norm(fp32[layer], axis=1)
            / np.linalg.norm(bf16[layer], axis=1)
        )
        assert cosines.min() > 0.99, cosines.min()
        same = (cosine_matrix(fp32[layer], fp32[layer]) - 2 * np.eye(40)).argmax(1) == (
            cosine_matrix(bf16[layer], bf16[layer]) - 2 * np.eye(40)
        ).argmax(1)
        assert same.mean() >= 0.9
