import hashlib
import unicodedata

import pytest

from align_transfer.data.lexicon import read_muse
from align_transfer.data.mini_world import LANGUAGES, World, generate, surface, transliterate
from align_transfer.data.parallel import read_moses_zip
from align_transfer.data.sib200 import read_sib_tsv
from align_transfer.data.ud import read_conllu

SIZES = dict(
    parallel=60, monolingual=20, flores=15, ud_train=12, ud_dev=6, ud_test=6, sib_train=14, sib_dev=7, sib_test=7
)


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("world") / "mini_world"
    generate(root, seed=3, sizes=SIZES, anchor_share=0.3, pairs=["de-en", "ja-kk"])
    return root


def digest(root):
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())).hexdigest()


def test_generation_is_deterministic(world_dir, tmp_path, monkeypatch):
    import time

    later = time.time() + 3 * 3600  # whenever it runs: the clock never reaches the files (zip members' dates)
    monkeypatch.setattr(time, "time", lambda: later)
    generate(tmp_path / "again", seed=3, sizes=SIZES, anchor_share=0.3, pairs=["de-en", "ja-kk"])
    assert digest(tmp_path / "again") == digest(world_dir)


def test_every_source_is_written_in_its_real_format(world_dir):
    src, tgt = read_moses_zip(world_dir / "opus/OPUS-MiniWorld/v1/moses/ja-kk.txt.zip", "ja-kk")
    assert len(src) == len(tgt) >= SIZES["parallel"]  # plus injected noise
    fr = read_conllu(world_dir / "ud/UD_French-Mini/fr_mini-ud-train.conllu")
    assert len(fr) == SIZES["ud_train"]
    assert len(read_sib_tsv(world_dir / "sib200/data/annotated/kaz_Cyrl/test.tsv")) == SIZES["sib_test"]
    assert len(read_muse(world_dir / "muse/dictionaries/en-kk.txt")) > 100
    lines = {
        code: (world_dir / f"flores/flores200_dataset/devtest/{lang.flores}.devtest").read_text().splitlines()
        for code, lang in LANGUAGES.items()
    }
    assert {len(v) for v in lines.values()} == {SIZES["flores"]}


def test_languages_differ_in_script_and_word_order():
    world = World(0)
    import random

    meaning = world.meaning(random.Random(5), anchor_share=0.0)
    meaning["pp"] = None
    en, kk = world.render(meaning, "en"), world.render(meaning, "kk")
    assert [u for _, u in en].index("VERB") < [u for _, u in en].index("NOUN", 2 if en[0][1] == "DET" else 1)
    assert [u for _, u in kk][-2] == "VERB"  # SOV: the verb ends the clause
    for code, block in {"ru": "CYRILLIC", "hi": "DEVANAGARI", "ko": "HANGUL", "ja": "HIRAGANA", "fa": "ARABIC"}.items():
        letters = [ch for word, upos in world.render(meaning, code) if upos == "NOUN" for ch in word]
        assert letters and all(block in unicodedata.name(ch) for ch in letters), code
    assert transliterate("kana", "kana") == "かな"


def test_contractions_become_multiword_tokens(world_dir):
    text = (world_dir / "ud/UD_French-Mini/fr_mini-ud-train.conllu").read_text()
    ranges = [line for line in text.splitlines() if line.split("\t")[0].count("-") == 1]
    assert ranges, "French contracts ADP+DET into multiword tokens"
    _, units = surface([("de", "ADP"), ("le", "DET"), ("chat", "NOUN"), (".", "PUNCT")], "fr")
    assert units[0] == ("dee", [("de", "ADP"), ("le", "DET")])


def test_related_languages_share_more_roots_than_unrelated_ones():
    world = World(0)
    content = [c for c, u, _ in world.concepts if u in ("NOUN", "VERB", "ADJ")]

    def shared(a, b):
        return sum(world.words[a][c][:3] == world.words[b][c][:3] for c in content) / len(content)

    assert shared("es", "fr") > shared("es", "en") > 0.05
    assert shared("en", "de") > shared("en", "es")


def test_named_entities_are_written_as_wikiann_has_them_and_leave_the_rest_of_the_world_as_it_was(tmp_path):
    from align_transfer.core.metrics import entity_spans
    from align_transfer.data.wikiann import read_wikiann

    generate(tmp_path / "plain", seed=3, sizes=SIZES, anchor_share=0.3, pairs=["de-en"])
    sizes = SIZES | {"ner_train": 30, "ner_dev": 5, "ner_test": 8}
    generate(tmp_path / "ner", seed=3, sizes=sizes, anchor_share=0.3, pairs=["de-en"])
    others = [p.relative_to(tmp_path / "ner") for p in sorted((tmp_path / "ner").rglob("*")) if p.is_file()]
    others = [p for p in others if p.parts[0] != "wikiann"]
    assert all((tmp_path / "plain" / p).read_bytes() == (tmp_path / "ner" / p).read_bytes() for p in others)
    train = read_wikiann(tmp_path / "ner/wikiann/de/train-00000-of-00001.parquet")
    test = read_wikiann(tmp_path / "ner/wikiann/ja/test-00000-of-00001.parquet")
    assert len(train) == 30 and len(test) == 8
    kinds = {kind for sentence in train for kind, _, _ in entity_spans(sentence["tags"])}
    assert kinds == {"PER", "ORG", "LOC"}
    people = [s for s in train if "B-PER" in s["tags"]]
    assert people and all(s["tags"][s["tags"].index("B-PER") + 1] == "I-PER" for s in people)  # a family name
